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
"""The keystone auth method "passkey" in POST /v3/auth/tokens, with MFA."""

import http.client

from keystone.common import provider_api

from keystone_ng_plugin_tests.unit.passkey import base

PROVIDERS = provider_api.ProviderAPIs
RECEIPT = 'Openstack-Auth-Receipt'


class AuthMethodTest(base.PasskeyTestCase):

    def setUp(self):
        super().setUp()
        self.user = self.new_user()
        self.passkey = self.register(self.user)

    def _v3(self, identity, status, scope=None, headers=None):
        auth = {'identity': identity}
        if scope:
            auth['scope'] = scope
        return self.post('/v3/auth/tokens', {'auth': auth}, status=status,
                         headers=headers)

    def _options_via_401(self, user=None, headers=None):
        payload = {'user': user} if user is not None else {}
        r = self._v3({'methods': ['passkey'], 'passkey': payload},
                     http.client.UNAUTHORIZED, headers=headers)
        identity = r.json['error']['identity']
        self.assertEqual(['passkey'], identity['methods'])
        return identity['passkey']['public_key']

    def test_two_step_login_by_user_id(self):
        options = self._options_via_401({'id': self.user['id']})
        self.assertEqual([self.passkey['credential_id']],
                         [c['id'] for c in options['allowCredentials']])
        assertion = self.authn.get(options)
        r = self._v3({'methods': ['passkey'],
                      'passkey': {'user': {'id': self.user['id']},
                                  'credential': assertion}},
                     http.client.CREATED,
                     scope={'project': {'id': self.project_id}})
        self.assertEqual(['passkey'], r.json['token']['methods'])
        self.assertEqual(self.project_id, r.json['token']['project']['id'])

    def test_two_step_usernameless_assertion_at_top_level(self):
        options = self._options_via_401()
        assertion = self.authn.get(options)
        r = self._v3({'methods': ['passkey'], 'passkey': assertion},
                     http.client.CREATED)
        self.assertEqual(self.user['id'], r.json['token']['user']['id'])

    def test_by_name_and_domain_name(self):
        domain = PROVIDERS.resource_api.get_domain(self.domain_id)
        options = self._options_via_401(
            {'name': self.user['name'], 'domain': {'name': domain['name']}})
        self.assertTrue(options['allowCredentials'])

    def test_payload_user_must_own_the_credential(self):
        other = self.new_user()
        options = self._options_via_401()
        self._v3({'methods': ['passkey'],
                  'passkey': {'user': {'id': other['id']},
                              'credential': self.authn.get(options)}},
                 http.client.UNAUTHORIZED)

    def test_bad_payload_is_400(self):
        self._v3({'methods': ['passkey'], 'passkey': {'user': 'x'}},
                 http.client.BAD_REQUEST)
        self._v3({'methods': ['passkey'],
                  'passkey': {'credential': {'id': 'x', 'response': {
                      'clientDataJSON': '@@'}}}},
                 http.client.BAD_REQUEST)

    def test_passkey_token_is_not_delegated(self):
        # A primary method: its tokens may create application credentials.
        token = self.login(self.user, scope={
            'project': {'id': self.project_id}}).headers['X-Subject-Token']
        self.post('/v3/users/%s/application_credentials' % self.user['id'],
                  {'application_credential': {'name': 'from-passkey'}},
                  token)


class MFATest(base.PasskeyTestCase):
    """password + passkey under the user's MFA rules, with receipts."""

    def setUp(self):
        super().setUp()
        self.user = self.new_user()
        self.register(self.user)
        PROVIDERS.identity_api.update_user(self.user['id'], {'options': {
            'multi_factor_auth_rules': [['password', 'passkey']],
            'multi_factor_auth_enabled': True}})

    def _password(self, status):
        return self.post('/v3/auth/tokens', {'auth': {'identity': {
            'methods': ['password'], 'password': {'user': {
                'id': self.user['id'],
                'password': self.user['password']}}}}}, status=status)

    def test_password_alone_gets_a_receipt(self):
        r = self._password(http.client.UNAUTHORIZED)
        self.assertIn(RECEIPT, r.headers)
        self.assertEqual([['passkey', 'password']],
                         [sorted(rule) for rule in
                          r.json['required_auth_methods']])

    def test_passkey_alone_gets_a_receipt(self):
        r = self.login(self.user, status=http.client.UNAUTHORIZED)
        self.assertIn(RECEIPT, r.headers)
        self.assertEqual(['passkey'], r.json['receipt']['methods'])

    def test_password_then_passkey_with_receipt(self):
        receipt = self._password(http.client.UNAUTHORIZED).headers[RECEIPT]
        headers = {RECEIPT: receipt}
        payload = {'user': {'id': self.user['id']}}
        r = self.post('/v3/auth/tokens', {'auth': {'identity': {
            'methods': ['passkey'], 'passkey': payload}}},
            status=http.client.UNAUTHORIZED, headers=headers)
        options = r.json['error']['identity']['passkey']['public_key']
        payload['credential'] = self.authn.get(options)
        r = self.post('/v3/auth/tokens', {'auth': {
            'identity': {'methods': ['passkey'], 'passkey': payload},
            'scope': {'project': {'id': self.project_id}}}},
            headers=headers)
        self.assertEqual(['passkey', 'password'],
                         sorted(r.json['token']['methods']))

    def test_passkey_then_password_with_receipt_via_v4(self):
        receipt = self.login(self.user, status=http.client.UNAUTHORIZED
                             ).headers[RECEIPT]
        r = self.post('/v3/auth/tokens', {'auth': {'identity': {
            'methods': ['password'], 'password': {'user': {
                'id': self.user['id'],
                'password': self.user['password']}}}}},
            headers={RECEIPT: receipt})
        self.assertEqual(['passkey', 'password'],
                         sorted(r.json['token']['methods']))

    def test_receipt_of_another_user_is_refused(self):
        other = self.new_user()
        PROVIDERS.identity_api.update_user(other['id'], {'options': {
            'multi_factor_auth_rules': [['password', 'passkey']],
            'multi_factor_auth_enabled': True}})
        receipt = self.post('/v3/auth/tokens', {'auth': {'identity': {
            'methods': ['password'], 'password': {'user': {
                'id': other['id'], 'password': other['password']}}}}},
            status=http.client.UNAUTHORIZED).headers[RECEIPT]
        options = self.login_start(
            {'user_id': self.user['id']}).json['public_key']
        self.post('/v4/auth/passkey/finish', self.authn.get(options),
                  headers={RECEIPT: receipt},
                  status=http.client.UNAUTHORIZED)
