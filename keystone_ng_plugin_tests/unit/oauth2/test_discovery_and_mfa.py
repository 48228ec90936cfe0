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
"""The discovery documents, read against the code; sign-in with a second
factor where the user's MFA rules ask for one."""

from keystone.auth.plugins import totp
from keystone.identity.backends import resource_options as ro
from keystone.tests import unit

from keystone_ng_plugin.api import oauth2 as oauth2_api
from keystone_ng_plugin.oauth2 import claims
from keystone_ng_plugin.oauth2 import server as oauth2_server
from keystone_ng_plugin_tests.unit.oauth2 import flow


class DiscoveryTest(flow.ProviderTestCase):

    def document(self, name='openid-configuration'):
        answer = self.call('get', self.base + '/.well-known/' + name)
        self.assertIn('max-age', answer.headers['Cache-Control'])
        return answer.json

    def test_both_documents_are_the_same(self):
        self.assertEqual(self.document(),
                         self.document('oauth-authorization-server'))

    def test_every_endpoint_is_served(self):
        document = self.document()
        self.assertTrue(document['issuer'].endswith(self.base))
        routes = {route.path for api in oauth2_api.APIs
                  for route in api.routes()}
        for name in ('authorization', 'token', 'userinfo', 'revocation',
                     'introspection', 'end_session'):
            url = document['%s_endpoint' % name]
            self.assertTrue(url.startswith(document['issuer'] + '/'), url)
            path = '/v4/oauth2/{domain_id}' + url[len(document['issuer']):]
            self.assertIn(path, routes, name)
        self.assertEqual(document['issuer'] + '/jwks', document['jwks_uri'])

    def test_what_the_code_does(self):
        document = self.document()
        server = oauth2_server.Server(self.domain_id)
        granted = [grant.GRANT_TYPE for grant, _ext in server._token_grants]
        self.assertEqual(sorted(granted),
                         sorted(document['grant_types_supported']))
        self.assertEqual(['code'], document['response_types_supported'])
        self.assertEqual(['S256'],
                         document['code_challenge_methods_supported'])
        self.assertEqual(['client_secret_basic', 'client_secret_post',
                          'none'],
                         document['token_endpoint_auth_methods_supported'])
        for grant, _ext in server._token_grants:
            self.assertLessEqual(
                set(grant.TOKEN_ENDPOINT_AUTH_METHODS),
                set(document['token_endpoint_auth_methods_supported']))
        published = self.call('get', self.base + '/jwks').json['keys']
        self.assertEqual(sorted({k['alg'] for k in published}),
                         document['id_token_signing_alg_values_supported'])
        self.assertEqual(['public'], document['subject_types_supported'])
        self.assertFalse(document['request_parameter_supported'])

    def test_claims_and_scopes_come_from_the_registry(self):
        document = self.document()
        self.assertEqual(claims.scopes_supported(),
                         document['scopes_supported'])
        self.assertEqual(claims.claims_supported(),
                         document['claims_supported'])
        # and every claim the provider gives about a user is in it
        every_scope = ' '.join(claims.USER_CLAIMS)
        self.call('put', self.base + '/clients/web', self.admin, 200,
                  {'oauth2_client': {'allowed_scopes': list(
                      claims.USER_CLAIMS)}})
        group = unit.new_group_ref(domain_id=self.domain_id)
        group = flow.PROVIDERS.identity_api.create_group(group)
        flow.PROVIDERS.identity_api.add_user_to_group(self.user['id'],
                                                      group['id'])
        body = self.exchange(self.code_of(self.sign_in(self.authorize(
            scope=every_scope))))
        info = self.userinfo(body['access_token']).json
        self.assertLessEqual(set(info), set(document['claims_supported']))
        id_token = self.decode(body['id_token']).claims
        self.assertLessEqual(set(id_token) - {'iat'},
                             set(document['claims_supported']))
        every = {claim for scope in claims.USER_CLAIMS.values()
                 for claim in scope}
        self.assertEqual(every, set(info))
        self.assertEqual([group['name']], info['groups'])


class SecondFactorTest(flow.ProviderTestCase):

    def setUp(self):
        super().setUp()
        credential = unit.new_totp_credential(self.user['id'],
                                              self.project_id)
        flow.PROVIDERS.credential_api.create_credential(credential['id'],
                                                        credential)
        self.totp_secret = credential['blob']

    def rules(self, rules):
        user = flow.PROVIDERS.identity_api.get_user(self.user['id'])
        options = dict(user.get('options', {}))
        options[ro.MFA_RULES_OPT.option_name] = rules
        options[ro.MFA_ENABLED_OPT.option_name] = True
        flow.PROVIDERS.identity_api.update_user(self.user['id'],
                                                {'options': options})

    def test_password_then_totp(self):
        self.rules([['password', 'totp']])
        page = self.authorize(200)
        second = self.submit(page, 'password-form', 200,
                             username=self.user['name'],
                             password=self.user['password'])
        self.assertIn('totp-form', second.text)
        again = self.submit(second, 'totp-form', 401, passcode='000000')
        consent = self.submit(
            again, 'totp-form', 200,
            passcode=totp._generate_totp_passcodes(self.totp_secret)[0])
        code = self.code_of(self.submit(consent, 'consent-form', 303,
                                        decision='allow'))
        id_token = self.decode(self.exchange(code)['id_token']).claims
        self.assertEqual(['pwd', 'otp', 'mfa'], id_token['amr'])

    def test_the_password_alone_is_not_enough(self):
        self.rules([['password', 'totp']])
        page = self.authorize(200)
        second = self.submit(page, 'password-form', 200,
                             username=self.user['name'],
                             password=self.user['password'])
        # skipping the second factor: the consent form is not there yet
        fields = flow.Forms(second.text).forms['totp-form'][1]
        self.browser.post(self.base + '/authorize/consent',
                          data=dict(fields, decision='allow'),
                          content_type=flow.FORM, expected_status_code=403)
        answer = self.authorize(302, prompt='none')
        self.assertEqual('login_required',
                         flow.query(answer.headers['Location'])['error'])

    def test_rules_the_page_cannot_meet(self):
        self.rules([['password', 'passkey', 'totp']])
        page = self.authorize(200)
        refused = self.submit(page, 'password-form', 403,
                              username=self.user['name'],
                              password=self.user['password'])
        self.assertIn('second factor', refused.text)
