# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.
"""Headless Debian Chromium with a CDP virtual WebAuthn authenticator.

The authenticator is CTAP2, internal (platform), with resident keys and user
verification, as a laptop or phone passkey. Tests call the real
navigator.credentials API in a page served by the keystone under test, so
client data, origin and attestation are the browser's own.
"""

import os
import shutil
import tempfile

CHROMIUM = os.environ.get('NG_TEST_CHROMIUM', '/usr/bin/chromium')
ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--disable-dev-shm-usage',
        # Nothing but this machine's loopback is reachable anyway.
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, '
        'EXCLUDE 127.0.0.1']

CREATE_JS = '''async (options) => {
    const cred = await navigator.credentials.create({
        publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options)});
    return cred.toJSON();
}'''
GET_JS = '''async (options) => {
    const cred = await navigator.credentials.get({
        publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options)});
    return cred.toJSON();
}'''


def available() -> bool:
    return os.path.exists(CHROMIUM) or bool(shutil.which(CHROMIUM))


class Browser:
    """One Chromium process; a fresh context and authenticator per page."""

    def __init__(self):
        from playwright.sync_api import sync_playwright
        self._pw = sync_playwright().start()
        self._profile = tempfile.mkdtemp(prefix='ng-chromium-')
        self.browser = self._pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=ARGS)

    def close(self):
        self.browser.close()
        self._pw.stop()
        shutil.rmtree(self._profile, ignore_errors=True)

    def new_page(self, url: str) -> 'PasskeyPage':
        context = self.browser.new_context()
        page = context.new_page()
        page.goto(url)
        return PasskeyPage(context, page)


class PasskeyPage:
    """A page with a virtual authenticator attached."""

    def __init__(self, context, page):
        self.context = context
        self.page = page
        self.cdp = context.new_cdp_session(page)
        self.cdp.send('WebAuthn.enable', {'enableUI': False})
        self.authenticator_id = self.cdp.send(
            'WebAuthn.addVirtualAuthenticator', {'options': {
                'protocol': 'ctap2', 'transport': 'internal',
                'hasResidentKey': True, 'hasUserVerification': True,
                'isUserVerified': True,
                'automaticPresenceSimulation': True}})['authenticatorId']

    def close(self):
        self.context.close()

    def create(self, options: dict) -> dict:
        """navigator.credentials.create(); returns credential.toJSON()."""
        return self.page.evaluate(CREATE_JS, options)

    def get(self, options: dict) -> dict:
        """navigator.credentials.get(); returns credential.toJSON()."""
        return self.page.evaluate(GET_JS, options)

    def set_user_verified(self, verified: bool):
        self.cdp.send('WebAuthn.setUserVerified', {
            'authenticatorId': self.authenticator_id,
            'isUserVerified': verified})

    def credentials(self) -> list:
        return self.cdp.send('WebAuthn.getCredentials', {
            'authenticatorId': self.authenticator_id})['credentials']

    def clear_credentials(self):
        # The virtual authenticator holds at most 3 resident keys.
        self.cdp.send('WebAuthn.clearCredentials', {
            'authenticatorId': self.authenticator_id})

    def put_credential(self, credential: dict):
        """Replace a credential (e.g. the same key with a stale counter)."""
        self.cdp.send('WebAuthn.removeCredential', {
            'authenticatorId': self.authenticator_id,
            'credentialId': credential['credentialId']})
        self.cdp.send('WebAuthn.addCredential', {
            'authenticatorId': self.authenticator_id,
            'credential': credential})
