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
import tempfile
import time

import requests

import keystone_ng_plugin_tests

TOP = keystone_ng_plugin_tests.TOP
IDP_DIR = os.path.join(TOP, 'tools', 'oidc-provider')


def _free_port() -> int:
    from keystone_ng_plugin.server import deployment
    return deployment.free_port()


def available() -> bool:
    return bool(shutil.which('node')) and os.path.isdir(
        os.path.join(IDP_DIR, 'node_modules', 'oidc-provider'))


class OIDCProvider:
    """A running oidc-provider; stop() ends it."""

    def __init__(self, port: int, redirect_uris=(), niceness: int = 0):
        self.redirect_uris = list(redirect_uris)
        # tools/bench: the provider stands for another machine; a lower CPU
        # priority keeps it from taking the keystone server's CPU.
        self.niceness = niceness
        self.log = tempfile.NamedTemporaryFile(prefix='oidc-provider-',
                                               suffix='.log', delete=False)
        # A loaded machine can be slow to start node; a port taken meanwhile
        # makes it exit: try again on another port (callers read .issuer).
        for attempt in range(3):
            if self._start(port if attempt == 0 else _free_port()):
                return
        with open(self.log.name) as f:
            output = f.read()[-2000:]
        raise RuntimeError('oidc-provider did not start: %s' % output)

    def _start(self, port: int) -> bool:
        self.port = port
        self.issuer = 'http://127.0.0.1:%d' % port
        self.discovery_url = self.issuer + '/.well-known/openid-configuration'
        cmd = ['node', os.path.join(IDP_DIR, 'idp.mjs'), '--port', str(port)]
        if self.niceness:
            cmd = ['nice', '-n', str(self.niceness)] + cmd
        for uri in self.redirect_uris:
            cmd += ['--redirect-uri', uri]
        self.process = subprocess.Popen(
            cmd, cwd=IDP_DIR, stdout=self.log, stderr=self.log,
            stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if requests.get(self.discovery_url, timeout=2).ok:
                    return True
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        return False

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
