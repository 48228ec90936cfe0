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
"""The OpenID provider's pages in headless Chromium, on each database:
sign-in by password, by passkey (CDP virtual authenticator, no user
name), password then passkey where the MFA rules ask for it, and consent.
The relying party's redirect URI is answered by the page's route (its
CSP lets the consent form be redirected there), and the code is
redeemed by plain HTTP."""

import base64
import hashlib
import secrets
import urllib.parse
import uuid

from joserfc import jwk
from joserfc import jwt
import requests

from keystone_ng_plugin_tests.functional import test_passkeys

REDIRECT = 'http://127.0.0.1:8792/callback'


class RP:
    """A registered client and what it needs for one code flow."""

    def __init__(self, dep, admin):
        self.dep = dep
        # browsers allow WebAuthn on http only for localhost
        self.issuer = dep.passkey_origins[0] + '/v4/oauth2/default'
        if requests.get(self.issuer + '/jwks', timeout=30).status_code == 404:
            dep.manage('oauth2_key_rotate', '--domain', 'default',
                       tool='keystone-ng-manage')
        body = admin.request(
            'POST', '/v4/oauth2/default/clients', status=201,
            json={'oauth2_client': {
                'provider_id': 'browser-' + uuid.uuid4().hex[:8],
                'name': 'Chromium RP', 'confidential': True,
                'redirect_uris': [REDIRECT]}}).json()
        self.client_id = body['oauth2_client']['client_id']
        self.secret = body['client_secret']

    def authorize_url(self) -> str:
        self.verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(
            self.verifier.encode()).digest()).rstrip(b'=').decode()
        self.state = secrets.token_urlsafe(8)
        return self.issuer + '/authorize?' + urllib.parse.urlencode({
            'response_type': 'code', 'client_id': self.client_id,
            'redirect_uri': REDIRECT, 'scope': 'openid profile email',
            'state': self.state, 'nonce': 'chromium',
            'code_challenge': challenge, 'code_challenge_method': 'S256'})

    def redeem(self, location: str) -> dict:
        """The ID token's claims for the code at the redirect URI."""
        answer = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
            location).query))
        assert answer['state'] == self.state, location
        body = requests.post(self.issuer + '/token', timeout=30, data={
            'grant_type': 'authorization_code', 'code': answer['code'],
            'redirect_uri': REDIRECT, 'code_verifier': self.verifier},
            auth=(self.client_id, self.secret))
        assert body.status_code == 200, body.text
        published = requests.get(self.issuer + '/jwks', timeout=30).json()
        claims = jwt.decode(body.json()['id_token'],
                            jwk.KeySet.import_key_set(published)).claims
        assert claims['nonce'] == 'chromium'
        return claims


def _catch_redirect(page) -> list:
    """The URLs the browser was sent to at the redirect URI."""
    seen = []

    def fulfil(route):
        seen.append(route.request.url)
        route.fulfill(status=200, content_type='text/html',
                      body='<p id="rp-done">back at the client</p>')
    page.route(REDIRECT + '**', fulfil)
    return seen


def _consent(page):
    page.wait_for_selector('#consent-form')
    assert 'Chromium RP' in page.text_content('main')
    page.click('#allow')
    page.wait_for_selector('#rp-done')


def test_password_passkey_mfa_and_consent_in_chromium(keystone, admin,
                                                      passkey_page):
    rp = RP(keystone, admin)
    user = admin.create_user()
    page = passkey_page.page
    seen = _catch_redirect(page)
    # 1. password, then consent
    page.goto(rp.authorize_url())
    page.fill('#username', user['name'])
    page.fill('#password', user['password'])
    page.click('#sign-in')
    _consent(page)
    claims = rp.redeem(seen[-1])
    assert (claims['sub'], claims['amr']) == (user['id'], ['pwd'])
    # 2. a passkey, no user name typed: a new browser session (cookies
    # cleared), the consent remembered
    token = test_passkeys._token(keystone, user)
    page.goto(keystone.passkey_page)
    test_passkeys.Client(keystone).register(passkey_page, user, token)
    passkey_page.context.clear_cookies()
    page.goto(rp.authorize_url())
    page.wait_for_selector('#passkey-sign-in')
    page.click('#passkey-sign-in')
    page.wait_for_selector('#rp-done')
    claims = rp.redeem(seen[-1])
    assert (claims['sub'], claims['amr']) == (user['id'], ['hwk', 'user'])
    # 3. MFA rules password + passkey: the password, then the passkey
    admin.request('PATCH', '/users/' + user['id'], status=200, json={
        'user': {'options': {'multi_factor_auth_rules': [
            ['password', 'passkey']],
            'multi_factor_auth_enabled': True}}})
    passkey_page.context.clear_cookies()
    page.goto(rp.authorize_url())
    page.fill('#username', user['name'])
    page.fill('#password', user['password'])
    page.click('#sign-in')
    page.wait_for_selector('#passkey-sign-in')
    assert page.query_selector('#totp-form') is None
    page.click('#passkey-sign-in')
    page.wait_for_selector('#rp-done')
    claims = rp.redeem(seen[-1])
    assert claims['amr'] == ['pwd', 'hwk', 'user', 'mfa']
    # the passkey alone no longer signs this user in
    passkey_page.context.clear_cookies()
    page.goto(rp.authorize_url())
    page.click('#passkey-sign-in')
    page.wait_for_selector('#passkey-error:not([hidden])')
    assert 'password' in page.text_content('#passkey-error')
