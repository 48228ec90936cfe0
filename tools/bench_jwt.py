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
"""Benchmark: workload JWT login against keystone's token re-authentication.

Starts one Keystone + plugin server ([token] provider = ngfernet, gunicorn
sync workers) on a fresh database. A JWT issuer (the IdP's static key: no
JWKS fetch is on the measured path) and a jwt mapping to a service
account with a restriction are set up; each client thread has a signed
JWT and, for the baseline, a user with an unscoped token. Timed rounds
alternate

* token: POST /v3/auth/tokens, method "token", scoped to the project
  (keystone's own re-authentication, same token shape as below), and
* jwt: POST /v4/federation/identity_providers/{idp}/jwt (verify the JWT,
  apply the mapping, issue the service account's restricted token),

at the same concurrency, closed loop; prints median / p95 latency,
throughput and the ratio. Not a test: no assertion.

Usage: python tools/bench_jwt.py [--backend postgresql] [--concurrency 4]
           [--seconds 20] [--rounds 2] [--cache none|memory]
"""

import sys
import time
import uuid

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import serialization
import jwt
import requests

from keystone_ng_plugin.tests import benchmark

ISSUER = 'https://ci.example'


class Setup:
    """An IdP with a static key, a service account, its restriction and a
    jwt mapping, in the Default domain on the admin project."""

    def __init__(self, admin):
        self.key = rsa.generate_private_key(public_exponent=65537,
                                            key_size=2048)
        pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        account = admin.request('POST', '/v4/service_accounts', status=201,
                                json={'service_account': {
                                    'name': 'bench', 'domain_id': 'default'}}
                                ).json()['service_account']
        admin.request('PUT', '/projects/%s/users/%s/roles/%s' % (
            admin.project_id, account['id'], admin.role_id('member')),
            status=204)
        restriction = admin.request(
            'POST', '/v4/tokens/restrictions', status=201, json={
                'restriction': {'domain_id': 'default',
                                'user_id': account['id'],
                                'project_id': admin.project_id,
                                'roles': [{'name': 'member'}]}}
        ).json()['restriction']
        self.idp = admin.request(
            'POST', '/v4/federation/identity_providers', status=201, json={
                'identity_provider': {
                    'name': 'bench', 'domain_id': 'default',
                    'bound_issuer': ISSUER, 'jwt_validation_pubkeys': [pem],
                    'default_mapping_name': 'bench'}}
        ).json()['identity_provider']
        admin.request('POST', '/v4/federation/mappings', status=201, json={
            'mapping': {'name': 'bench', 'type': 'jwt',
                        'idp_id': self.idp['id'], 'user_id_claim': 'sub',
                        'user_name_claim': 'sub',
                        'bound_audiences': ['keystone'],
                        'bound_claims': {'repository': 'org/app'},
                        'service_account_id': account['id'],
                        'token_restriction_id': restriction['id']}})

    def jwt(self):
        now = int(time.time())
        return jwt.encode({'iss': ISSUER, 'aud': 'keystone',
                           'sub': 'repo:org/app:ref:refs/heads/main',
                           'repository': 'org/app', 'iat': now, 'nbf': now,
                           'exp': now + 3600, 'jti': uuid.uuid4().hex},
                          self.key, algorithm='RS256')


class Worker:

    def __init__(self, dep, admin, setup):
        self.dep = dep
        self.session = requests.Session()
        self.project_id = admin.project_id
        user = admin.create_user(role='member')
        self.unscoped = self.session.post(
            dep.auth_url + '/auth/tokens', json={'auth': {'identity': {
                'methods': ['password'], 'password': {'user': {
                    'id': user['id'], 'password': user['password']}}}}}
        ).headers['X-Subject-Token']
        self.jwt_url = (dep.base_url + '/v4/federation/identity_providers/'
                        '%s/jwt' % setup.idp['id'])
        self.bearer = setup.jwt()

    def token_reauth(self):
        r = self.session.post(self.dep.auth_url + '/auth/tokens', json={
            'auth': {'identity': {'methods': ['token'],
                                  'token': {'id': self.unscoped}},
                     'scope': {'project': {'id': self.project_id}}}})
        return r.status_code == 201

    def jwt_login(self):
        r = self.session.post(self.jwt_url, headers={
            'Authorization': 'Bearer ' + self.bearer})
        return r.status_code == 200


def _workers(dep, admin, args):
    setup = Setup(admin)
    return [Worker(dep, admin, setup) for _ in range(args.concurrency)]


def main(argv=None):
    return benchmark.main(__doc__, ('token_reauth', 'jwt_login'), _workers,
                          'jwt_login', 'token_reauth', 'at most 1.3x', argv)


if __name__ == '__main__':
    sys.exit(main())
