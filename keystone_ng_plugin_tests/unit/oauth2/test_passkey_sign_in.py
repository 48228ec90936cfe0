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
"""Passkeys on the provider's pages: usernameless sign-in, and a passkey
as the second factor the user's MFA rules ask for; amr says which."""

from keystone.identity.backends import resource_options as ro

from keystone_ng_plugin_tests import softauthn
from keystone_ng_plugin_tests.unit.oauth2 import flow
from keystone_ng_plugin_tests.unit.passkey import base as passkey_base


class PasskeySignInTest(flow.ProviderTestCase):

    def setUp(self):
        super().setUp()
        self.authn = softauthn.SoftAuthenticator(origin=passkey_base.ORIGIN)
        flow.PROVIDERS.assignment_api.add_role_to_user_and_project(
            self.user['id'], self.project_id, self._role('member')['id'])
        token = self.token_for(self.user, project_id=self.project_id)
        path = '/v4/users/%s/passkeys' % self.user['id']
        start = self.call('post', path + '/register_start', token, 201,
                          {'passkey': {}}).json['public_key']
        self.call('post', path + '/register_finish', token, 201,
                  self.authn.create(start))

    def rules(self, rules):
        options = {ro.MFA_RULES_OPT.option_name: rules,
                   ro.MFA_ENABLED_OPT.option_name: True}
        flow.PROVIDERS.identity_api.update_user(self.user['id'],
                                                {'options': options})

    def passkey(self, page, status=200, **overrides):
        """The page's script: start, the authenticator, finish."""
        box = flow.Forms(page.text).forms['continue-form'][1]
        ids = dict(request=box['request'], csrf_token=box['csrf_token'])
        ids.update(overrides)
        start = self.browser.post(self.base + '/authorize/passkey/start',
                                  json=ids, expected_status_code=200)
        assertion = self.authn.get(start.json['public_key'])
        return self.browser.post(self.base + '/authorize/passkey/finish',
                                 json=dict(ids, credential=assertion),
                                 expected_status_code=status)

    def test_usernameless_sign_in(self):
        page = self.authorize(200, nonce='pk')
        self.assertIn('passkey.js', page.text)
        self.assertIn("script-src 'self'",
                      page.headers['Content-Security-Policy'])
        self.assertTrue(self.passkey(page).json['continue'])
        consent = self.submit(page, 'continue-form', 200)
        code = self.code_of(self.submit(consent, 'consent-form', 303,
                                        decision='allow'))
        claims = self.decode(self.exchange(code)['id_token']).claims
        self.assertEqual(self.user['id'], claims['sub'])
        self.assertEqual(['hwk', 'user'], claims['amr'])
        # the session: the next request needs no sign-in
        self.code_of(self.authorize(302, prompt='none'))

    def test_the_script_is_served(self):
        answer = self.browser.get(self.base + '/authorize/passkey.js',
                                  expected_status_code=200)
        self.assertIn('navigator.credentials.get', answer.text)
        self.assertEqual('text/javascript', answer.mimetype)

    def test_passkey_as_second_factor(self):
        self.rules([['password', 'passkey']])
        page = self.authorize(200)
        second = self.submit(page, 'password-form', 200,
                             username=self.user['name'],
                             password=self.user['password'])
        self.assertNotIn('totp-form', second.text)
        self.assertIn('passkey-sign-in', second.text)
        self.passkey(second)
        consent = self.submit(second, 'continue-form', 200)
        code = self.code_of(self.submit(consent, 'consent-form', 303,
                                        decision='allow'))
        claims = self.decode(self.exchange(code)['id_token']).claims
        self.assertEqual(['pwd', 'hwk', 'user', 'mfa'], claims['amr'])

    def test_a_passkey_alone_is_not_enough_when_rules_say_so(self):
        self.rules([['password', 'passkey']])
        page = self.authorize(200)
        self.passkey(page, status=403)
        answer = self.authorize(302, prompt='none')
        self.assertEqual('login_required',
                         flow.query(answer.headers['Location'])['error'])

    def test_csrf_and_browser_binding(self):
        page = self.authorize(200)
        box = flow.Forms(page.text).forms['continue-form'][1]
        self.browser.post(self.base + '/authorize/passkey/start',
                          json=dict(box, csrf_token='forged'),
                          expected_status_code=403)
        self.test_client().post(self.base + '/authorize/passkey/start',
                                json=box, expected_status_code=403)
        # continuing before any sign-in
        self.submit(page, 'continue-form', 403)
