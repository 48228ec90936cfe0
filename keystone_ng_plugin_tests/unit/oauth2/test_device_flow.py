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
"""The device authorization grant (RFC 8628): the device's requests, the
device page and its sign-in, polling and its errors, and the attacks on
it (guessed codes, replayed device codes, another client's device code,
polling too fast, a stolen device code without its PKCE verifier)."""

import datetime
import re

import sqlalchemy as sa

from keystone_ng_plugin.common import sql
from keystone_ng_plugin.oauth2 import state
from keystone_ng_plugin_tests.unit.oauth2 import flow
from keystone_ng_plugin_tests.unit import test_throttle

GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
USER_CODE = re.compile('^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$')


class DeviceFlowTest(flow.ProviderTestCase):

    def setUp(self):
        super().setUp()
        self.device_id = self.make_client(
            'tv', confidential=False, redirect_uris=[],
            grant_types=['device_code', 'refresh_token']
        )['oauth2_client']['client_id']

    def device_authorization(self, status=200, headers=None, **form):
        form.setdefault('client_id', self.device_id)
        form.setdefault('scope', 'openid profile')
        return self.call('post', self.base + '/device_authorization',
                         status=status, headers=headers or {}, data=form,
                         content_type=flow.FORM)

    def poll(self, device_code, status=400, client_id=None, **form):
        return self.token(status=status, headers={}, grant_type=GRANT,
                          device_code=device_code,
                          client_id=client_id or self.device_id, **form)

    def enter(self, user_code, status=200, **kwargs):
        page = self.browser.get(self.base + '/device',
                                expected_status_code=200, **kwargs)
        return self.submit(page, 'device-form', status, user_code=user_code)

    def approve(self, user_code, decision='allow', user=None):
        user = user or self.user
        login = self.enter(user_code)
        self.assertIn('/device/login', login.text)
        consent = self.submit(login, 'password-form', 200,
                              username=user['name'],
                              password=user['password'])
        return self.submit(consent, 'consent-form', 200 if decision ==
                           'allow' else 200, decision=decision)

    def expire_polling(self, device_code):
        """As if the interval had passed since the last poll."""
        with sql.session_for_write() as session:
            session.execute(sa.update(state.DeviceModel).where(
                state.DeviceModel.id == state.digest(device_code)).values(
                    polled_at=sql.utcnow() - datetime.timedelta(minutes=1)))

    def test_device_login_end_to_end(self):
        started = self.device_authorization().json
        self.assertRegex(started['user_code'], USER_CODE)
        self.assertEqual('http://localhost' + self.base + '/device',
                         started['verification_uri'])
        self.assertIn('user_code=' + started['user_code'],
                      started['verification_uri_complete'])
        self.assertEqual((600, 5), (started['expires_in'],
                                    started['interval']))
        code = started['device_code']
        self.assertEqual('authorization_pending',
                         self.poll(code)['error'])
        # too soon: slow_down, and the request's interval is 5 s longer
        self.assertEqual('slow_down', self.poll(code)['error'])
        self.assertEqual(10, state.get_device(code).poll_interval)
        # the complete URI fills the form but never approves by itself
        filled = self.browser.get(
            started['verification_uri_complete'].replace(
                'http://localhost', ''), expected_status_code=200)
        self.assertIn('value="%s"' % started['user_code'], filled.text)
        self.assertIn("frame-ancestors 'none'",
                      filled.headers['Content-Security-Policy'])
        # case, spaces and the dash do not matter
        typed = started['user_code'].lower().replace('-', ' ')
        login = self.enter(typed)
        consent = self.submit(login, 'password-form', 200,
                              username=self.user['name'],
                              password=self.user['password'])
        self.assertIn(started['user_code'], consent.text)
        self.assertIn('device-notice', consent.text)
        done = self.submit(consent, 'consent-form', 200, decision='allow')
        self.assertIn('signed in', done.text)
        self.expire_polling(code)
        body = self.poll(code, status=200)
        self.assertEqual({'access_token', 'token_type', 'expires_in',
                          'scope', 'id_token', 'refresh_token'}, set(body))
        access = self.decode(body['access_token']).claims
        self.assertEqual((self.user['id'], self.device_id),
                         (access['sub'], access['client_id']))
        self.assertNotIn('sid', access)
        self.assertEqual(['pwd'], self.decode(
            body['id_token']).claims['amr'])
        self.userinfo(body['access_token'])
        self.token(grant_type='refresh_token', headers={},
                   client_id=self.device_id,
                   refresh_token=body['refresh_token'])
        # the device code is spent: a replay fails and revokes the grant
        self.assertEqual('invalid_grant', self.poll(code)['error'])
        self.userinfo(body['access_token'], status=401)

    def test_deny_is_access_denied(self):
        started = self.device_authorization().json
        page = self.approve(started['user_code'], decision='deny')
        self.assertIn('not signed in', page.text)
        self.assertEqual('access_denied',
                         self.poll(started['device_code'])['error'])

    def test_a_signed_in_user_still_confirms(self):
        # an SSO session and a remembered consent skip nothing: a device's
        # request always asks (RFC 8628 section 5.4, remote phishing)
        self.code_of(self.sign_in())
        started = self.device_authorization().json
        consent = self.enter(started['user_code'])
        self.assertIn('consent-form', consent.text)
        self.assertNotIn('password-form', consent.text)
        self.submit(consent, 'consent-form', 200, decision='allow')
        self.assertIn('access_token', self.poll(started['device_code'],
                                                status=200))

    def test_polling_errors(self):
        started = self.device_authorization().json
        self.assertEqual('invalid_request', self.token(
            400, headers={}, grant_type=GRANT,
            client_id=self.device_id)['error'])
        self.assertEqual('invalid_grant',
                         self.poll('not-a-device-code')['error'])
        # another client's device code is not valid for this one
        other = self.make_client('other-tv', confidential=False,
                                 redirect_uris=[],
                                 grant_types=['device_code'])
        self.assertEqual('invalid_grant', self.poll(
            started['device_code'],
            client_id=other['oauth2_client']['client_id'])['error'])
        # a client without the grant may not ask or poll
        self.assertEqual('unauthorized_client', self.device_authorization(
            400, client_id=self.public_id).json['error'])
        self.assertEqual('unauthorized_client', self.poll(
            started['device_code'], client_id=self.public_id)['error'])
        self.assertEqual('invalid_scope', self.device_authorization(
            400, scope='openid openstack').json['error'])
        self.assertEqual('invalid_client', self.device_authorization(
            401, client_id='nobody').json['error'])
        # expired
        with sql.session_for_write() as session:
            session.execute(sa.update(state.DeviceModel).values(
                expires_at=sql.utcnow() - datetime.timedelta(seconds=1)))
        self.assertEqual('expired_token',
                         self.poll(started['device_code'])['error'])
        self.enter(started['user_code'], status=400)

    def test_a_confidential_client_authenticates(self):
        body = self.make_client('box', confidential=True, redirect_uris=[],
                                grant_types=['device_code'])
        client_id, secret = (body['oauth2_client']['client_id'],
                             body['client_secret'])
        self.device_authorization(401, client_id=client_id)
        started = self.device_authorization(
            headers=self.basic(client_id, secret), client_id=None).json
        self.approve(started['user_code'])
        tokens = self.token(headers=self.basic(client_id, secret),
                            grant_type=GRANT,
                            device_code=started['device_code'])
        self.assertNotIn('refresh_token', tokens)
        self.assertEqual('invalid_client', self.token(
            401, headers=self.basic(client_id, 'wrong'), grant_type=GRANT,
            device_code=started['device_code'])['error'])

    def test_pkce_binds_the_device_code_to_its_requester(self):
        verifier, challenge = flow.pkce()
        self.device_authorization(400, code_challenge=challenge,
                                  code_challenge_method='plain')
        started = self.device_authorization(
            code_challenge=challenge, code_challenge_method='S256').json
        self.approve(started['user_code'])
        # a stolen device code without the verifier gets nothing, and
        # does not spend the request
        self.assertEqual('invalid_grant',
                         self.poll(started['device_code'])['error'])
        self.assertEqual('invalid_grant', self.poll(
            started['device_code'], code_verifier=flow.pkce()[0])['error'])
        self.poll(started['device_code'], status=200,
                  code_verifier=verifier)

    def test_a_user_code_allows_few_attempts(self):
        self.config_fixture.config(group='oauth2',
                                   device_user_code_attempts=3)
        started = self.device_authorization().json
        login = self.enter(started['user_code'])
        for _ in range(2):
            login = self.submit(login, 'password-form', 401,
                                username=self.user['name'],
                                password='wrong')
        # the third failure uses the code up: the device is refused
        page = self.submit(login, 'password-form', 403,
                           username=self.user['name'], password='wrong')
        self.assertIn('Too many attempts', page.text)
        self.assertEqual('access_denied',
                         self.poll(started['device_code'])['error'])
        self.enter(started['user_code'], status=400)
        # entries count too
        again = self.device_authorization().json
        for _ in range(3):
            self.enter(again['user_code'])
        self.assertIn('tried too often',
                      self.enter(again['user_code'], status=403).text)

    def test_a_wrong_code_costs_more_of_the_throttle(self):
        self.config_fixture.config(group='keystone_ng', throttle_rate=0.01,
                                   throttle_burst=20)
        environ = {'REMOTE_ADDR': test_throttle.address()}
        # 20 requests of burst, each wrong code 1 + 4: the fifth is refused
        for status in (400,) * 4 + (429,) * 2:
            self.browser.post(
                self.base + '/device', data={'user_code': 'BBBB-BBBB'},
                content_type=flow.FORM, environ_base=environ,
                expected_status_code=status)

    def test_user_codes_are_of_the_restricted_alphabet(self):
        for _ in range(20):
            self.assertRegex(self.device_authorization().json['user_code'],
                             USER_CODE)
        for text in ('BCDF-GHJA', 'BCDF-GHJ', 'bcdf ghjk x', '\x00' * 8,
                     'BCDF-GHJ1', None, 'B' * 40):
            self.assertIsNone(state.normalize_user_code(text), text)
        self.assertEqual('BCDFGHJK', state.normalize_user_code('bcdf-ghjk'))

    def test_discovery_names_the_device_endpoint(self):
        document = self.call(
            'get', self.base + '/.well-known/openid-configuration').json
        self.assertTrue(document['device_authorization_endpoint'].endswith(
            self.base + '/device_authorization'))
        self.assertIn(GRANT, document['grant_types_supported'])
