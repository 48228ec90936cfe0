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
"""The authorization code flow: pages, session, consent, code, ID token,
refresh, userinfo, introspection, revocation, logout."""

import time

from authlib.oidc.core import util as oidc_util

import datetime

import sqlalchemy as sa

from keystone_ng_plugin.common import sql
from keystone_ng_plugin.oauth2 import state
from keystone_ng_plugin_tests.unit.oauth2 import flow


class CodeFlowTest(flow.ProviderTestCase):

    def test_sign_in_consent_code_tokens_userinfo(self):
        page = self.authorize(200, nonce='n-0S6')
        self.assertIn("frame-ancestors 'none'",
                      page.headers['Content-Security-Policy'])
        self.assertEqual('no-store', page.headers['Cache-Control'])
        self.assertIn('password-form', page.text)
        consent = self.submit(page, 'password-form', 200,
                              username=self.user['name'],
                              password=self.user['password'])
        session_cookie = [h for h in consent.headers.getlist('Set-Cookie')
                          if h.startswith('ng_oauth2_session=')][0]
        for attribute in ('HttpOnly', 'SameSite=Lax',
                          'Path=/v4/oauth2/' + self.domain_id):
            self.assertIn(attribute, session_cookie)
        self.assertIn('email address', consent.text)
        code = self.code_of(self.submit(consent, 'consent-form', 303,
                                        decision='allow'))
        body = self.exchange(code)
        self.assertEqual({'access_token', 'token_type', 'expires_in',
                          'scope', 'id_token', 'refresh_token'}, set(body))
        access = self.decode(body['access_token'])
        self.assertEqual('at+jwt', access.header['typ'])
        self.assertEqual((self.user['id'], self.client_id, self.client_id),
                         (access.claims['sub'], access.claims['aud'],
                          access.claims['client_id']))
        id_token = self.decode(body['id_token']).claims
        self.assertEqual('n-0S6', id_token['nonce'])
        self.assertEqual(['pwd'], id_token['amr'])
        self.assertEqual(self.client_id, id_token['aud'])
        self.assertEqual(access.claims['sid'], id_token['sid'])
        self.assertLessEqual(abs(id_token['auth_time'] - time.time()), 5)
        self.assertEqual(oidc_util.create_half_hash(
            body['access_token'], 'ES256').decode(), id_token['at_hash'])
        self.assertEqual('alice@example.org', id_token['email'])
        info = self.userinfo(body['access_token']).json
        self.assertEqual({'sub': self.user['id'],
                          'preferred_username': self.user['name'],
                          'name': self.user['name'],
                          'email': 'alice@example.org',
                          'domain_id': self.domain_id,
                          'domain_name': self.domain['name']}, info)
        # the session and the remembered consent: straight to the client
        again = self.authorize(302)
        self.code_of(again)
        # refresh: a new pair; the old refresh token is spent
        new = self.token(grant_type='refresh_token',
                         refresh_token=body['refresh_token'])
        self.assertNotEqual(new['refresh_token'], body['refresh_token'])
        self.assertEqual(id_token['auth_time'], self.decode(
            new['id_token']).claims['auth_time'])
        self.userinfo(new['access_token'])

    def test_refresh_reuse_revokes_the_family(self):
        body = self.exchange(self.code_of(self.sign_in()))
        new = self.token(grant_type='refresh_token',
                         refresh_token=body['refresh_token'])
        # the old one again: refused, and the whole family goes
        self.assertEqual('invalid_grant', self.token(
            400, grant_type='refresh_token',
            refresh_token=body['refresh_token'])['error'])
        self.assertEqual('invalid_grant', self.token(
            400, grant_type='refresh_token',
            refresh_token=new['refresh_token'])['error'])
        self.userinfo(new['access_token'], status=401)
        self.userinfo(body['access_token'], status=401)
        self.assertFalse(self.introspect(new['refresh_token'])['active'])

    def test_a_refresh_token_is_spent_once(self):
        # (concurrent redemptions: the functional tests, on real servers)
        body = self.exchange(self.code_of(self.sign_in()))
        row = state.get_refresh(body['refresh_token'])
        self.assertEqual([True, False, False],
                         [state.claim_refresh(row) for _ in range(3)])

    def test_code_replay_fails_and_revokes_what_it_issued(self):
        code = self.code_of(self.sign_in())
        body = self.exchange(code)
        self.assertEqual('invalid_grant', self.exchange(code, 400)['error'])
        self.userinfo(body['access_token'], status=401)
        self.assertEqual('invalid_grant', self.token(
            400, grant_type='refresh_token',
            refresh_token=body['refresh_token'])['error'])
        self.assertFalse(self.introspect(body['access_token'])['active'])

    def test_a_code_is_bound_to_client_redirect_and_verifier(self):
        code = self.code_of(self.sign_in())
        verifier = self.verifier
        self.assertEqual('invalid_grant', self.exchange(
            code, 400, code_verifier='x' * 50)['error'])
        self.assertEqual('invalid_request', self.exchange(
            code, 400, code_verifier=None)['error'])
        self.assertEqual('invalid_grant', self.token(
            400, grant_type='authorization_code', code=code,
            redirect_uri=REDIRECT_OTHER, code_verifier=verifier)['error'])
        other = self.make_client('other', confidential=True)
        self.assertEqual('invalid_grant', self.token(
            400, headers=self.basic(other['oauth2_client']['client_id'],
                                    other['client_secret']),
            grant_type='authorization_code', code=code,
            redirect_uri=REDIRECT, code_verifier=verifier)['error'])
        # none of those spent it
        self.exchange(code, code_verifier=verifier)

    def test_expired_code(self):
        code = self.code_of(self.sign_in())
        with sql.session_for_write() as session:
            session.execute(sa.update(state.CodeModel).values(
                expires_at=sql.utcnow() - datetime.timedelta(seconds=1)))
        self.assertEqual('invalid_grant', self.exchange(code, 400)['error'])

    def test_pkce_is_s256_and_required(self):
        answer = self.authorize(302, code_challenge=None,
                                code_challenge_method=None)
        self.assertEqual('invalid_request',
                         flow.query(answer.headers['Location'])['error'])
        verifier, challenge = flow.pkce()
        for method in ('plain', None):
            answer = self.authorize(302, code_challenge=challenge,
                                    code_challenge_method=method)
            self.assertEqual('invalid_request', flow.query(
                answer.headers['Location'])['error'])

    def test_public_client_with_pkce(self):
        self.sign_in()  # consent for the confidential one, a session
        page = self.authorize(200, client_id=self.public_id)
        code = flow.query(self.submit(page, 'consent-form', 303,
                                      decision='allow'
                                      ).headers['Location'])['code']
        body = self.token(headers={}, grant_type='authorization_code',
                          code=code, redirect_uri=REDIRECT,
                          client_id=self.public_id,
                          code_verifier=self.verifier)
        self.assertIn('id_token', body)
        # a public client cannot claim a confidential client's method
        self.assertEqual('invalid_client', self.token(
            401, headers={}, grant_type='refresh_token',
            refresh_token=body['refresh_token'],
            client_id=self.client_id)['error'])

    def test_redirect_uri_must_match_exactly(self):
        for uri in (REDIRECT_OTHER, REDIRECT + '/', REDIRECT + '?x=1',
                    'https://evil.example/callback', None):
            answer = self.authorize(400, redirect_uri=uri)
            self.assertNotIn('Location', answer.headers)
        self.assertNotIn('Location', self.authorize(
            400, client_id='unknown').headers)

    def test_request_objects_are_refused(self):
        answer = self.authorize(302, request='eyJhbGciOiJub25lIn0.e30.')
        self.assertEqual('request_not_supported',
                         flow.query(answer.headers['Location'])['error'])
        answer = self.authorize(302, request_uri='https://rp.example/r')
        self.assertEqual('request_uri_not_supported',
                         flow.query(answer.headers['Location'])['error'])

    def test_post_authorize_and_unknown_parameters(self):
        page = self.authorize(200, method='post', ui_locales='fr',
                              claims_locales='de', unknown='x')
        self.code_of(self.sign_in(page))

    def test_prompts(self):
        answer = self.authorize(302, prompt='none')
        self.assertEqual('login_required',
                         flow.query(answer.headers['Location'])['error'])
        self.code_of(self.sign_in())
        self.code_of(self.authorize(302, prompt='none'))
        self.assertIn('password-form', self.authorize(
            200, prompt='login').text)
        self.assertIn('consent-form', self.authorize(
            200, prompt='consent').text)
        answer = self.authorize(302, prompt='none', client_id=self.public_id)
        self.assertEqual('consent_required',
                         flow.query(answer.headers['Location'])['error'])
        answer = self.authorize(302, prompt='none login')
        self.assertEqual('invalid_request',
                         flow.query(answer.headers['Location'])['error'])

    def test_max_age(self):
        self.code_of(self.sign_in())
        self.code_of(self.authorize(302, max_age='10000'))
        with sql.session_for_write() as session:
            session.execute(sa.update(state.SessionModel).values(
                auth_time=int(time.time()) - 5))
        self.assertIn('password-form', self.authorize(200, max_age='1').text)
        answer = self.authorize(302, max_age='1', prompt='none')
        self.assertEqual('login_required',
                         flow.query(answer.headers['Location'])['error'])

    def test_hints(self):
        self.assertIn('value="%s"' % 'someone', self.authorize(
            200, login_hint='someone').text)
        body = self.exchange(self.code_of(self.sign_in()))
        self.code_of(self.authorize(302, prompt='none',
                                    id_token_hint=body['id_token']))
        answer = self.authorize(302, id_token_hint='not.a.token')
        self.assertEqual('invalid_request',
                         flow.query(answer.headers['Location'])['error'])

    def test_csrf_and_browser_binding(self):
        page = self.authorize(200)
        fields = flow.Forms(page.text).forms['password-form'][1]
        login = dict(fields, username=self.user['name'],
                     password=self.user['password'])
        action = self.base + '/authorize/login'
        # a forged token, and the right one from another browser
        self.browser.post(action, data=dict(login, csrf_token='forged'),
                          content_type=flow.FORM, expected_status_code=403)
        self.test_client().post(action, data=login, content_type=flow.FORM,
                                expected_status_code=403)
        # nothing was signed in or issued
        params = self.params
        answer = self.authorize(302, prompt='none')
        self.assertEqual('login_required',
                         flow.query(answer.headers['Location'])['error'])
        self.params = params
        consent = self.submit(page, 'password-form', 200,
                              username=self.user['name'],
                              password=self.user['password'])
        forms = flow.Forms(consent.text).forms['consent-form'][1]
        self.browser.post(
            self.base + '/authorize/consent', content_type=flow.FORM,
            data=dict(forms, csrf_token='forged', decision='allow'),
            expected_status_code=403)
        self.test_client().post(
            self.base + '/authorize/consent', content_type=flow.FORM,
            data=dict(forms, decision='allow'), expected_status_code=403)
        self.code_of(self.submit(consent, 'consent-form', 303,
                                 decision='allow'))
        # the request is finished: its forms no longer work
        self.submit(consent, 'consent-form', 403, decision='allow')

    def test_wrong_password_and_disabled_user(self):
        page = self.authorize(200)
        again = self.submit(page, 'password-form', 401,
                            username=self.user['name'], password='wrong')
        self.assertIn('Wrong user name or password', again.text)
        self.submit(again, 'password-form', 401, username='nobody',
                    password='x')
        self.identity_api_update({'enabled': False})
        self.submit(again, 'password-form', 401,
                    username=self.user['name'],
                    password=self.user['password'])

    def identity_api_update(self, changes):
        flow.PROVIDERS.identity_api.update_user(self.user['id'], changes)

    def test_disabled_or_deleted_user_tokens(self):
        body = self.exchange(self.code_of(self.sign_in()))
        self.identity_api_update({'enabled': False})
        self.userinfo(body['access_token'], status=401)
        self.assertFalse(self.introspect(body['access_token'])['active'])
        self.assertEqual('invalid_grant', self.token(
            400, grant_type='refresh_token',
            refresh_token=body['refresh_token'])['error'])
        self.identity_api_update({'enabled': True})
        self.assertTrue(self.introspect(body['access_token'])['active'])
        flow.PROVIDERS.identity_api.delete_user(self.user['id'])
        self.userinfo(body['access_token'], status=401)
        self.assertFalse(self.introspect(body['access_token'])['active'])
        self.assertFalse(self.introspect(body['refresh_token'])['active'])

    def test_disabled_or_deleted_client(self):
        body = self.exchange(self.code_of(self.sign_in()))
        self.call('put', self.base + '/clients/web', self.admin, 200,
                  {'oauth2_client': {'enabled': False}})
        self.userinfo(body['access_token'], status=401)
        self.assertEqual('invalid_client', self.token(
            401, grant_type='refresh_token',
            refresh_token=body['refresh_token'])['error'])
        self.call('put', self.base + '/clients/web', self.admin, 200,
                  {'oauth2_client': {'enabled': True}})
        self.userinfo(body['access_token'])
        self.call('delete', self.base + '/clients/web', self.admin, 204)
        row = state.get_refresh(body['refresh_token'])
        self.assertIsNotNone(row.revoked_at)

    def test_disabled_domain(self):
        body = self.exchange(self.code_of(self.sign_in()))
        flow.PROVIDERS.resource_api.update_domain(self.domain_id,
                                                  {'enabled': False})
        self.userinfo(body['access_token'], status=401)
        self.assertFalse(self.introspect(body['access_token'])['active'])
        page = self.authorize(200, prompt='login')
        self.submit(page, 'password-form', 401, username=self.user['name'],
                    password=self.user['password'])

    def test_keystone_tokens_never_sign_anyone_in(self):
        # no token login on the pages: an admin's token, a restricted
        # one or any other is ignored there
        self.browser.environ_base = {'HTTP_X_AUTH_TOKEN': self.admin}
        page = self.authorize(200)
        self.assertIn('password-form', page.text)
        answer = self.authorize(302, prompt='none')
        self.assertEqual('login_required',
                         flow.query(answer.headers['Location'])['error'])

    def test_cookies_are_secure_on_https(self):
        self.authorize(200)
        page = self.test_client().get(
            self.base + '/authorize', base_url='https://localhost',
            query_string=self.params, expected_status_code=200)
        browser_cookie = page.headers['Set-Cookie']
        for attribute in ('Secure', 'HttpOnly', 'SameSite=Lax'):
            self.assertIn(attribute, browser_cookie)

    def test_acr_where_configured(self):
        self.config_fixture.config(group='oauth2',
                                   acr_values={'pwd': 'urn:example:pwd'})
        body = self.exchange(self.code_of(self.sign_in()))
        self.assertEqual('urn:example:pwd',
                         self.decode(body['id_token']).claims['acr'])
        document = self.call(
            'get', self.base + '/.well-known/openid-configuration').json
        self.assertEqual(['urn:example:pwd'],
                         document['acr_values_supported'])

    def test_deny(self):
        page = self.authorize(200)
        consent = self.submit(page, 'password-form', 200,
                              username=self.user['name'],
                              password=self.user['password'])
        answer = self.submit(consent, 'consent-form', 303, decision='deny')
        self.assertEqual('access_denied',
                         flow.query(answer.headers['Location'])['error'])

    def test_pre_authorized_client_skips_consent(self):
        self.call('put', self.base + '/clients/web', self.admin, 200,
                  {'oauth2_client': {'pre_authorized': True}})
        self.code_of(self.sign_in(consent=False))

    def test_userinfo_by_post_and_errors(self):
        body = self.exchange(self.code_of(self.sign_in()))
        answer = self.call('post', self.base + '/userinfo',
                           headers={'Authorization':
                                    'Bearer ' + body['access_token']})
        self.assertEqual(self.user['id'], answer.json['sub'])
        answer = self.call('post', self.base + '/userinfo',
                           data={'access_token': body['access_token']},
                           content_type=flow.FORM)
        self.assertEqual(self.user['id'], answer.json['sub'])
        for header in ({}, {'Authorization': 'Bearer x.y.z'},
                       {'Authorization': 'Basic abc'}):
            answer = self.call('get', self.base + '/userinfo', status=401,
                               headers=header)
            self.assertIn('invalid_token',
                          answer.headers['WWW-Authenticate'])
        # only the openid scope gives userinfo (and an ID token)
        page = self.authorize(200, scope='profile')
        plain = self.exchange(self.code_of(self.submit(
            page, 'consent-form', 303, decision='allow')))
        self.assertNotIn('id_token', plain)
        answer = self.userinfo(plain['access_token'], status=403)
        self.assertIn('insufficient_scope',
                      answer.headers['WWW-Authenticate'])

    def test_revocation(self):
        body = self.exchange(self.code_of(self.sign_in()))
        self.assertTrue(self.introspect(body['access_token'])['active'])
        self.call('post', self.base + '/revoke', headers=self.basic(),
                  data={'token': body['access_token']},
                  content_type=flow.FORM)
        self.userinfo(body['access_token'], status=401)
        self.assertFalse(self.introspect(body['access_token'])['active'])
        self.call('post', self.base + '/revoke', headers=self.basic(),
                  data={'token': body['refresh_token'],
                        'token_type_hint': 'refresh_token'},
                  content_type=flow.FORM)
        self.assertEqual('invalid_grant', self.token(
            400, grant_type='refresh_token',
            refresh_token=body['refresh_token'])['error'])
        # unknown tokens: 200 all the same; a wrong secret: 401
        self.call('post', self.base + '/revoke', headers=self.basic(),
                  data={'token': 'unknown'}, content_type=flow.FORM)
        self.call('post', self.base + '/revoke', status=401,
                  headers=self.basic(secret='wrong'),
                  data={'token': 'unknown'}, content_type=flow.FORM)

    def test_introspection_is_for_the_tokens_own_client(self):
        body = self.exchange(self.code_of(self.sign_in()))
        answer = self.introspect(body['access_token'])
        self.assertEqual((True, self.user['id'], self.client_id),
                         (answer['active'], answer['sub'],
                          answer['client_id']))
        other = self.make_client('other', confidential=True)
        answer = self.call(
            'post', self.base + '/introspect',
            headers=self.basic(other['oauth2_client']['client_id'],
                               other['client_secret']),
            data={'token': body['access_token']}, content_type=flow.FORM)
        self.assertEqual({'active': False}, answer.json)
        self.call('post', self.base + '/introspect', status=401,
                  data={'token': body['access_token']},
                  content_type=flow.FORM)

    def test_end_session(self):
        body = self.exchange(self.code_of(self.sign_in()))
        answer = self.browser.get(
            self.base + '/end_session', expected_status_code=302,
            query_string={'id_token_hint': body['id_token'],
                          'post_logout_redirect_uri': flow.LOGOUT,
                          'state': 'bye'})
        self.assertEqual(flow.LOGOUT + '?state=bye',
                         answer.headers['Location'])
        answer = self.authorize(302, prompt='none')
        self.assertEqual('login_required',
                         flow.query(answer.headers['Location'])['error'])
        # a redirect the client did not register is refused
        self.browser.get(self.base + '/end_session', expected_status_code=400,
                         query_string={
                             'client_id': self.client_id,
                             'post_logout_redirect_uri':
                                 'https://evil.example/'})

    def test_no_provider_without_keys(self):
        for path in ('authorize', '.well-known/openid-configuration',
                     '.well-known/oauth-authorization-server', 'jwks'):
            self.call('get', '/v4/oauth2/no-such-domain/' + path,
                      status=404)

    def test_purge(self):
        self.exchange(self.code_of(self.sign_in()))
        self.authorize(200, prompt='login')
        later = sql.utcnow() + datetime.timedelta(days=400)
        counts = state.purge(now=later)
        for table in ('ng_oauth2_code', 'ng_oauth2_refresh',
                      'ng_oauth2_session', 'ng_oauth2_pending'):
            self.assertGreaterEqual(counts[table], 1, table)
        self.assertEqual(0, sum(state.purge(now=later).values()))


REDIRECT = flow.REDIRECT
REDIRECT_OTHER = 'https://rp.example/other'
