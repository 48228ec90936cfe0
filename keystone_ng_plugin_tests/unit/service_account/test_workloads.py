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
"""Service accounts and JWT login, in process (static IdP keys)."""

import time

from keystone.common import provider_api
from keystone import notifications
from keystone.tests import unit

from keystone_ng_plugin_tests import jwtissuer
from keystone_ng_plugin_tests.unit import base

PROVIDERS = provider_api.ProviderAPIs
SA_URL = '/v4/service_accounts'
R_URL = '/v4/tokens/restrictions'
ISSUER = 'https://token.actions.githubusercontent.com'
CONFLICT = 409
OK, CREATED, NO_CONTENT, BAD, UNAUTHORIZED, FORBIDDEN, NOT_FOUND = (
    200, 201, 204, 400, 401, 403, 404)


class ServiceAccountHelpers:
    """Service accounts over the API (for any base.TestCase with
    ``self.admin``)."""

    def account(self, status=CREATED, token=None, **fields):
        ref = {'name': 'sa-%s' % unit.uuid.uuid4().hex[:8],
               'domain_id': self.domain_id}
        ref.update(fields)
        r = self.call('post', SA_URL, token or self.admin, status,
                      {'service_account': ref})
        return r.json.get('service_account') if r.json else None

    def grant(self, account, role, project_id=None):
        PROVIDERS.assignment_api.add_role_to_user_and_project(
            account['id'], project_id or self.project_id, role['id'])

    def sa_token(self, account, restriction_id, status=CREATED, **body):
        body['restriction_id'] = restriction_id
        r = self.call('post', '%s/%s/tokens' % (SA_URL, account['id']),
                      self.admin, status, {'token': body})
        return r.headers.get('X-Subject-Token'), r.json


class WorkloadTestCase(ServiceAccountHelpers, base.TestCase):

    def setUp(self):
        super().setUp()
        self.admin = self.admin_token()
        for name in ('reader', 'member', 'manager'):
            setattr(self, name, self._role(name))
        self.issuer = jwtissuer.JWTIssuer(ISSUER)

    def new_restriction(self, **fields):
        ref = {'domain_id': self.domain_id, 'roles': [{'name': 'reader'}]}
        ref.update(fields)
        return self.call('post', R_URL, self.admin, CREATED,
                         {'restriction': ref}).json['restriction']


class ServiceAccountTest(WorkloadTestCase):

    def test_lifecycle_and_v3_view(self):
        sa = self.account(description='nightly backup')
        self.assertEqual(self.domain_id, sa['domain_id'])
        self.assertTrue(sa['enabled'])
        user = self.call('get', '/v3/users/' + sa['id'], self.admin,
                         OK).json['user']
        self.assertIs(True, user['service_account'])
        self.assertEqual(sa['name'], user['name'])
        shown = self.call('get', SA_URL + '/' + sa['id'], self.admin, OK)
        self.assertEqual(sa, shown.json['service_account'])
        updated = self.call('patch', SA_URL + '/' + sa['id'], self.admin, OK,
                            {'service_account': {'enabled': False}}).json
        self.assertFalse(updated['service_account']['enabled'])
        listed = self.call('get', SA_URL + '?domain_id=' + self.domain_id,
                           self.admin, OK).json['service_accounts']
        self.assertEqual([sa['id']], [a['id'] for a in listed])
        # ordinary users are not service accounts
        self.call('get', SA_URL + '/' + self.user_id, self.admin, NOT_FOUND)
        self.account(status=BAD, domain_id='nope')
        self.account(status=BAD, password='x')
        self.account(status=CONFLICT, name=sa['name'])

    def test_no_password_no_credentials(self):
        sa = self.account()
        user = '/v3/users/' + sa['id']
        self.call('patch', user, self.admin, FORBIDDEN,
                  {'user': {'password': 'secret-pass-1'}})
        self.call('patch', user, self.admin, FORBIDDEN,
                  {'user': {'service_account': False}})
        self.call('post', user + '/password', self.admin, FORBIDDEN, {
            'user': {'password': 'x', 'original_password': 'y'}})
        self.call('post', '/v3/credentials', self.admin, FORBIDDEN, {
            'credential': {'type': 'totp', 'user_id': sa['id'],
                           'blob': 'GEZDGNBVGY3TQOJQ'}})
        self.call('post', user + '/credentials/OS-EC2', self.admin,
                  FORBIDDEN, {'tenant_id': self.project_id})
        self.call('post', user + '/application_credentials', self.admin,
                  FORBIDDEN, {'application_credential': {'name': 'x'}})
        # still an ordinary PATCH otherwise
        self.call('patch', user, self.admin, OK,
                  {'user': {'description': 'renamed'}})
        # and nobody can log in as it with a password
        self.call('post', '/v3/auth/tokens', None, UNAUTHORIZED, {
            'auth': self.build_authentication_request(
                user_id=sa['id'], password='')['auth']})

    def test_policy_domain_manager(self):
        manager = unit.create_user(PROVIDERS.identity_api,
                                   domain_id=self.domain_id)
        PROVIDERS.assignment_api.create_grant(
            self.manager['id'], user_id=manager['id'],
            domain_id=self.domain_id)
        token = self.token_for(manager, domain_id=self.domain_id)
        mine = self.account(token=token)
        other = unit.new_domain_ref()
        PROVIDERS.resource_api.create_domain(other['id'], other)
        self.account(token=token, domain_id=other['id'], status=FORBIDDEN)
        alice = unit.create_user(PROVIDERS.identity_api,
                                 domain_id=self.domain_id)
        self.grant(alice, self.member)
        self.account(token=self.token_for(alice, project_id=self.project_id),
                     status=FORBIDDEN)
        self.call('delete', SA_URL + '/' + mine['id'], token, NO_CONTENT)

    def test_restricted_token_audited_with_the_caller(self):
        sa = self.account()
        self.grant(sa, self.reader)
        self.grant(sa, self.member)
        restriction = self.new_restriction(user_id=sa['id'],
                                           project_id=self.project_id)
        seen = []
        callback = (lambda service, resource_type, operation, payload:
                    seen.append(payload['resource_info']))
        notifications.register_event_callback(
            notifications.ACTIONS.created, 'service_account_token',
            callback)
        self.addCleanup(
            notifications._SUBSCRIBERS[notifications.ACTIONS.created]
            ['service_account_token'].discard, callback)
        token, body = self.sa_token(sa, restriction['id'], ttl=120)
        self.assertEqual([sa['id']], seen)
        self.assertEqual(['reader'], [r['name'] for r in
                                      body['token']['roles']])
        self.assertIn('restricted', body['token']['methods'])
        self.call('get', '/v3/projects/' + self.project_id, token, OK)
        # The restriction must be about this account, of its domain.
        other = self.new_restriction()
        other_sa = self.account()
        self.sa_token(other_sa, restriction['id'], status=BAD)
        self.sa_token(sa, other['id'], status=BAD, project_id='nope')
        self.sa_token(sa, 'no-such-restriction', status=BAD)
        # A disabled account gets nothing.
        self.call('patch', SA_URL + '/' + sa['id'], self.admin, OK,
                  {'service_account': {'enabled': False}})
        self.sa_token(sa, restriction['id'], status=UNAUTHORIZED)

    def test_deleting_cleans_up(self):
        sa = self.account()
        restriction = self.new_restriction(user_id=sa['id'])
        self.call('delete', SA_URL + '/' + sa['id'], self.admin, NO_CONTENT)
        self.call('get', '/v3/users/' + sa['id'], self.admin, NOT_FOUND)
        self.call('get', R_URL + '/' + restriction['id'], self.admin,
                  NOT_FOUND)
        self.call('get', SA_URL + '/' + sa['id'], self.admin, NOT_FOUND)


class JWTLoginTest(WorkloadTestCase):

    def setUp(self):
        super().setUp()
        self.idp = self.call('post', '/v4/federation/identity_providers',
                             self.admin, CREATED, {'identity_provider': {
                                 'name': 'gh-%s' % unit.uuid.uuid4().hex[:6],
                                 'domain_id': self.domain_id,
                                 'bound_issuer': ISSUER,
                                 'jwt_validation_pubkeys': [
                                     self.issuer.pem],
                                 'default_mapping_name': 'deploy'}}
                             ).json['identity_provider']
        self.sa = self.account()
        self.grant(self.sa, self.reader)
        self.restriction = self.new_restriction(
            user_id=self.sa['id'], project_id=self.project_id)
        self.mapping = self.call('post', '/v4/federation/mappings',
                                 self.admin, CREATED, {'mapping': {
                                     'name': 'deploy', 'type': 'jwt',
                                     'idp_id': self.idp['id'],
                                     'user_id_claim': 'sub',
                                     'user_name_claim': 'repository',
                                     'bound_audiences': ['keystone'],
                                     'bound_claims': {
                                         'repository': 'org/app'},
                                     'service_account_id': self.sa['id'],
                                     'token_restriction_id':
                                         self.restriction['id']}}
                                 ).json['mapping']

    def claims(self, **changes):
        now = int(time.time())
        claims = {'iss': ISSUER, 'aud': 'keystone',
                  'sub': 'repo:org/app:ref:refs/heads/main',
                  'repository': 'org/app', 'iat': now, 'nbf': now,
                  'exp': now + 300}
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(self, claims, key=None, alg='RS256', kid=None):
        return self.issuer.sign(claims, key=key, alg=alg, kid=kid)

    def login(self, bearer, status=OK, mapping=None, idp_id=None):
        headers = {}
        if bearer is not None:
            headers['Authorization'] = 'Bearer ' + bearer
        if mapping:
            headers['openstack-mapping-name'] = mapping
        with self.test_client() as c:
            r = c.post('/v4/federation/identity_providers/%s/jwt' % (
                idp_id or self.idp['id']), headers=headers,
                expected_status_code=status)
        if status != OK:
            self.assertNotIn('X-Subject-Token', r.headers)
        return r

    def test_service_account_login_is_restricted(self):
        r = self.login(self.sign(self.claims()))
        body = r.json['token']
        self.assertEqual(self.sa['id'], body['user']['id'])
        self.assertEqual(self.project_id, body['project']['id'])
        self.assertEqual(['reader'], [x['name'] for x in body['roles']])
        self.assertIn('restricted', body['methods'])
        expires = body['expires_at']
        self.assertTrue(expires)
        # by mapping name too (either header)
        self.login(self.sign(self.claims()), mapping='deploy')

    def test_shadow_user_when_no_service_account(self):
        self.call('post', '/v4/federation/mappings', self.admin, CREATED, {
            'mapping': {'name': 'people', 'type': 'jwt',
                        'idp_id': self.idp['id'], 'user_id_claim': 'sub',
                        'user_name_claim': 'actor',
                        'bound_audiences': ['keystone']}})
        r = self.login(self.sign(self.claims(actor='octocat')),
                       mapping='people')
        user = r.json['token']['user']
        self.assertEqual('octocat', user['name'])
        self.assertEqual('jwt', user['OS-FEDERATION']['protocol']['id'])

    def test_attacks_are_401_without_a_token(self):
        other_key = self.issuer.other_key
        now = int(time.time())
        cases = {
            'alg none': self.issuer.unsigned(self.claims()),
            'HS256 keyed with the public key':
                self.issuer.hs256_with_public_key(self.claims()),
            'expired': self.sign(self.claims(iat=now - 7200,
                                             exp=now - 3600)),
            'not yet valid': self.sign(self.claims(nbf=now + 3600)),
            'wrong issuer': self.sign(self.claims(iss='https://evil')),
            'wrong audience': self.sign(self.claims(aud='other')),
            'missing aud': self.sign(self.claims(aud=None)),
            'bound claim mismatch': self.sign(
                self.claims(repository='evil/app')),
            'unknown key': self.sign(self.claims(), key=other_key,
                                     kid='nope'),
            'oversized': self.sign(self.claims(pad='x' * 9000)),
            'garbage': 'not.a.jwt',
        }
        for name, bearer in cases.items():
            with self.subTest(name):
                self.login(bearer, UNAUTHORIZED)
        self.login(None, UNAUTHORIZED)
        self.login(self.sign(self.claims()), UNAUTHORIZED,
                   mapping='no-such-mapping')

    def test_disabled_idp_mapping_or_account(self):
        good = self.sign(self.claims())
        self.login(good)
        for path, body in (
                ('/v4/federation/identity_providers/' + self.idp['id'],
                 {'identity_provider': {'enabled': False}}),
                ('/v4/federation/mappings/' + self.mapping['id'],
                 {'mapping': {'enabled': False}})):
            self.call('put', path, self.admin, OK, body)
            self.login(good, UNAUTHORIZED)
            key = list(body)[0]
            self.call('put', path, self.admin, OK, {key: {'enabled': True}})
        self.call('patch', SA_URL + '/' + self.sa['id'], self.admin, OK,
                  {'service_account': {'enabled': False}})
        self.login(good, UNAUTHORIZED)
        self.login(good, NOT_FOUND, idp_id='no-such-idp')

    def test_mapping_rules(self):
        base = {'name': 'x', 'type': 'jwt', 'idp_id': self.idp['id'],
                'user_id_claim': 'sub', 'user_name_claim': 'sub',
                'bound_audiences': ['keystone']}
        for bad in ({'service_account_id': self.sa['id']},
                    {'service_account_id': 'nope',
                     'token_restriction_id': self.restriction['id']},
                    {'token_restriction_id': 'nope'}):
            self.call('post', '/v4/federation/mappings', self.admin, BAD,
                      {'mapping': dict(base, **bad)})
        # Deleting the account deletes the mapping naming it.
        self.call('delete', SA_URL + '/' + self.sa['id'], self.admin,
                  NO_CONTENT)
        self.call('get', '/v4/federation/mappings/' + self.mapping['id'],
                  self.admin, NOT_FOUND)
