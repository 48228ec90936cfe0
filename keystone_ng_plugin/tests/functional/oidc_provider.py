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
"""A real OpenID provider for the federation tests: npm oidc-provider.

tools/oidc-provider/idp.mjs, started with node on a free loopback port
(tools/setup-env.sh test installs its node_modules).
"""

import os
import shutil
import subprocess
import time

import requests

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..',
                                   '..'))
IDP_DIR = os.path.join(TOP, 'tools', 'oidc-provider')


def available() -> bool:
    return bool(shutil.which('node')) and os.path.isdir(
        os.path.join(IDP_DIR, 'node_modules', 'oidc-provider'))


class OIDCProvider:
    """A running oidc-provider; stop() ends it."""

    def __init__(self, port: int, redirect_uris=()):
        self.port = port
        self.issuer = 'http://127.0.0.1:%d' % port
        self.discovery_url = self.issuer + '/.well-known/openid-configuration'
        cmd = ['node', os.path.join(IDP_DIR, 'idp.mjs'), '--port', str(port)]
        for uri in redirect_uris:
            cmd += ['--redirect-uri', uri]
        self.process = subprocess.Popen(
            cmd, cwd=IDP_DIR, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('oidc-provider exited with %s' %
                                   self.process.returncode)
            try:
                if requests.get(self.discovery_url, timeout=2).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError('oidc-provider did not start')

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def client_credentials(self, client_id='workload-1',
                           secret='workload-secret',
                           scope='keystone:project-x') -> str:
        """An access token (an RS256 JWT, aud "keystone") for a client."""
        r = requests.post(self.issuer + '/token', auth=(client_id, secret),
                          data={'grant_type': 'client_credentials',
                                'scope': scope}, timeout=10)
        r.raise_for_status()
        return r.json()['access_token']

    def set_groups(self, user: str, groups: list):
        """What the IdP asserts as the user's groups from now on."""
        r = requests.put('%s/test/accounts/%s/groups' % (self.issuer, user),
                         json=groups, timeout=10)
        assert r.status_code == 204, r.text
