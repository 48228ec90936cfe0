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
"""Benchmark: passkey login against keystone's token re-authentication.

Starts one Keystone + plugin server (gunicorn, sync workers) on a fresh
database, registers one passkey per client thread (software authenticator:
the cost measured is the server's), then alternates timed rounds of

* token: POST /v3/auth/tokens with the "token" method (keystone's own
  re-authentication of an unscoped token), and
* passkey: POST /v4/auth/passkey/start + POST /v4/auth/passkey/finish,

at the same concurrency, closed loop, and prints median / p95 latency,
throughput and the ratio passkey / token. Not a test: no assertion.

Usage: python tools/bench_passkey.py [--backend postgresql] [--concurrency 4]
           [--seconds 20] [--rounds 2] [--workers 2] [--json FILE]
"""

import sys

import requests

from keystone_ng_plugin.tests import benchmark
from keystone_ng_plugin.tests.functional import conftest
from keystone_ng_plugin.tests import softauthn


class Worker:
    """One client: a user with a token and a passkey."""

    def __init__(self, dep, admin):
        self.dep = dep
        self.session = requests.Session()
        user = admin.create_user()
        self.user = user
        self.token = conftest.password_token(
            dep, user=user['name'], password=user['password'])
        self.authn = softauthn.SoftAuthenticator(
            origin=dep.passkey_origins[0])
        base = dep.base_url + '/v4/users/%s/passkeys/' % user['id']
        headers = {'X-Auth-Token': self.token}
        options = self.session.post(base + 'register_start', json={},
                                    headers=headers).json()['public_key']
        r = self.session.post(base + 'register_finish',
                              json=self.authn.create(options),
                              headers=headers)
        assert r.status_code == 201, r.text
        self.unscoped = self.session.post(
            dep.auth_url + '/auth/tokens', json={'auth': {'identity': {
                'methods': ['password'], 'password': {'user': {
                    'id': user['id'], 'password': user['password']}}}}}
        ).headers['X-Subject-Token']

    def token_reauth(self):
        r = self.session.post(self.dep.auth_url + '/auth/tokens', json={
            'auth': {'identity': {'methods': ['token'],
                                  'token': {'id': self.unscoped}}}})
        return r.status_code == 201

    def passkey_login(self):
        r = self.session.post(self.dep.base_url + '/v4/auth/passkey/start',
                              json={'passkey': {'user_id': self.user['id']}})
        if r.status_code != 201:
            return False
        assertion = self.authn.get(r.json()['public_key'])
        r = self.session.post(self.dep.base_url + '/v4/auth/passkey/finish',
                              json=assertion)
        return r.status_code == 201


def _workers(dep, admin, args):
    return [Worker(dep, admin) for _ in range(args.concurrency)]


def main(argv=None):
    return benchmark.main(__doc__, ('token_reauth', 'passkey_login'),
                          _workers, 'passkey_login', 'token_reauth',
                          'at most 1.5x', argv)


if __name__ == '__main__':
    sys.exit(main())
