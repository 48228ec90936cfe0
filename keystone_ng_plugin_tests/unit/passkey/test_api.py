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
"""Passkey registration, login and management through the HTTP API."""


from keystone_ng_plugin_tests import softauthn
from keystone_ng_plugin_tests.unit.passkey import base


class RegistrationTest(base.PasskeyTestCase):

    def test_register_start_gives_w3c_creation_options(self):
        user = self.new_user()
        r = self.post('/v4/users/%s/passkeys/register_start' % user['id'],
                      {}, self.token_of(user))
        options = r.json['public_key']
        self.assertEqual('localhost', options['rp']['id'])
        self.assertEqual(softauthn.b64url(user['id'].encode()),
                         options['user']['id'])
        self.assertEqual(user['name'], options['user']['name'])
        self.assertEqual('required', options['authenticatorSelection'][
            'userVerification'])
        self.assertEqual('required', options['authenticatorSelection'][
            'residentKey'])
        self.assertEqual(43, len(options['challenge']))
        self.assertIn({'type': 'public-key', 'alg': -7},
                      options['pubKeyCredParams'])

    def test_register_list_show_rename_delete(self):
        user = self.new_user()
        token = self.token_of(user)
        passkey = self.register(user, token, description='laptop')
        self.assertEqual('laptop', passkey['description'])
        self.assertEqual(user['id'], passkey['user_id'])
        self.assertNotIn('public_key', passkey)
        base_url = '/v4/users/%s/passkeys' % user['id']
        listed = self.get(base_url, token).json
        self.assertEqual([passkey['id']],
                         [p['id'] for p in listed['passkeys']])
        self.assertIsNone(listed['links']['next'])
        shown = self.get(base_url + '/' + passkey['id'], token).json
        self.assertEqual(passkey, shown['passkey'])
        with self.test_client() as c:
            r = c.patch(base_url + '/' + passkey['id'],
                        json={'passkey': {'description': 'phone'}},
                        headers={'X-Auth-Token': token})
        self.assertEqual('phone', r.json['passkey']['description'])
        with self.test_client() as c:
            c.delete(base_url + '/' + passkey['id'],
                     headers={'X-Auth-Token': token})
        self.assertEqual([], self.get(base_url, token).json['passkeys'])

    def test_existing_passkeys_are_excluded_at_registration(self):
        user = self.new_user()
        token = self.token_of(user)
        passkey = self.register(user, token)
        r = self.post('/v4/users/%s/passkeys/register_start' % user['id'],
                      {}, token)
        self.assertEqual([passkey['credential_id']],
                         [c['id'] for c in r.json['public_key'][
                             'excludeCredentials']])

    def test_rust_snake_case_registration_is_accepted(self):
        user = self.new_user()
        token = self.token_of(user)
        base_url = '/v4/users/%s/passkeys' % user['id']
        start = self.post(base_url + '/register_start', {}, token)
        w3c = self.authn.create(start.json['public_key'])
        snake = {'id': w3c['id'], 'raw_id': w3c['rawId'] + '=',
                 'type_': 'public-key', 'description': 'rust',
                 'extensions': {},
                 'response': {
                     'client_data_json': w3c['response']['clientDataJSON'],
                     'attestation_object': w3c['response'][
                         'attestationObject']}}
        r = self.post(base_url + '/register_finish', snake, token)
        self.assertEqual('rust', r.json['passkey']['description'])


class LoginTest(base.PasskeyTestCase):

    def setUp(self):
        super().setUp()
        self.user = self.new_user()
        self.passkey = self.register(self.user)

    def test_login_by_user_id_gives_unscoped_token(self):
        r = self.login(self.user)
        token = r.json['token']
        self.assertTrue(r.headers['X-Subject-Token'])
        self.assertEqual(self.user['id'], token['user']['id'])
        self.assertEqual(['passkey'], token['methods'])
        self.assertNotIn('project', token)

    def test_login_by_name_and_domain(self):
        options = self.login_start({'user': {
            'name': self.user['name'],
            'domain': {'id': self.domain_id}}}).json['public_key']
        self.assertEqual([self.passkey['credential_id']],
                         [c['id'] for c in options['allowCredentials']])
        r = self.post('/v4/auth/passkey/finish', self.authn.get(options))
        self.assertEqual(self.user['id'], r.json['token']['user']['id'])

    def test_usernameless_login(self):
        options = self.login_start({}).json['public_key']
        self.assertEqual([], options['allowCredentials'])
        r = self.post('/v4/auth/passkey/finish', self.authn.get(options))
        self.assertEqual(self.user['id'], r.json['token']['user']['id'])

    def test_scoped_login_has_project_and_catalog(self):
        r = self.login(self.user, scope={'project': {'id': self.project_id}})
        token = r.json['token']
        self.assertEqual(self.project_id, token['project']['id'])
        self.assertIn('member', [role['name'] for role in token['roles']])
        self.assertIn('catalog', token)

    def test_nocatalog(self):
        options = self.login_start({'user_id': self.user['id'], 'scope': {
            'project': {'id': self.project_id}}}).json['public_key']
        r = self.post('/v4/auth/passkey/finish?nocatalog',
                      self.authn.get(options))
        self.assertNotIn('catalog', r.json['token'])

    def test_token_validates_and_counts_use(self):
        r = self.login(self.user)
        token = r.headers['X-Subject-Token']
        admin = self.admin_token()
        with self.test_client() as c:
            v = c.get('/v3/auth/tokens', headers={
                'X-Auth-Token': admin, 'X-Subject-Token': token})
        self.assertEqual(['passkey'], v.json['token']['methods'])
        shown = self.get('/v4/users/%s/passkeys/%s' % (
            self.user['id'], self.passkey['id']), admin).json['passkey']
        self.assertEqual(1, shown['sign_count'])
        self.assertIsNotNone(shown['last_used_at'])

    def test_login_with_rust_snake_case_finish(self):
        options = self.login_start(
            {'user_id': self.user['id']}).json['public_key']
        w3c = self.authn.get(options)
        snake = {'id': w3c['id'], 'raw_id': w3c['rawId'],
                 'type_': 'public-key', 'user_id': self.user['id'],
                 'extensions': {},
                 'response': {
                     'client_data_json': w3c['response']['clientDataJSON'],
                     'authenticator_data': w3c['response'][
                         'authenticatorData'],
                     'signature': w3c['response']['signature'],
                     'user_handle': w3c['response']['userHandle']}}
        r = self.post('/v4/auth/passkey/finish', snake)
        self.assertEqual(self.user['id'], r.json['token']['user']['id'])

    def test_unscoped_passkey_token_can_be_rescoped(self):
        token = self.login(self.user).headers['X-Subject-Token']
        r = self.post('/v3/auth/tokens', {'auth': {
            'identity': {'methods': ['token'], 'token': {'id': token}},
            'scope': {'project': {'id': self.project_id}}}})
        self.assertEqual(['passkey', 'token'],
                         sorted(r.json['token']['methods']))
