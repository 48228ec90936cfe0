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
"""A browser and a relying party for the provider's tests in process: the
flask test client keeps the cookies, the forms are read from the pages."""

import base64
import hashlib
import secrets
import urllib.parse

from joserfc import jwk
from joserfc import jwt
from keystone.common import provider_api
from keystone.tests import unit

from keystone_ng_plugin.oauth2 import keys
from keystone_ng_plugin_tests import pages
from keystone_ng_plugin_tests.unit import base

FORM = 'application/x-www-form-urlencoded'
REDIRECT = 'https://rp.example/callback'
LOGOUT = 'https://rp.example/signed-out'
PROVIDERS = provider_api.ProviderAPIs
Forms = pages.Forms


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(
        verifier.encode()).digest()).rstrip(b'=').decode()
    return verifier, challenge


def query(location: str) -> dict:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        location).query))


class ProviderTestCase(base.TestCase):
    """A domain with keys, a user, a confidential client with refresh
    tokens and a public one."""

    def setUp(self):
        super().setUp()
        self.admin = self.admin_token()
        keys.rotate(self.domain_id)
        self.base = '/v4/oauth2/%s' % self.domain_id
        self.user = unit.create_user(PROVIDERS.identity_api,
                                     domain_id=self.domain_id,
                                     email='alice@example.org')
        body = self.make_client('web', confidential=True, grant_types=[
            'authorization_code', 'refresh_token'],
            post_logout_redirect_uris=[LOGOUT])
        self.client_id, self.secret = (body['oauth2_client']['client_id'],
                                       body['client_secret'])
        self.public_id = self.make_client(
            'cli', confidential=False, grant_types=[
                'authorization_code', 'refresh_token']
        )['oauth2_client']['client_id']
        self.browser = self.test_client()

    def make_client(self, provider_id, **ref):
        ref.setdefault('redirect_uris', [REDIRECT])
        ref.setdefault('allowed_scopes', ['openid', 'profile', 'email'])
        return self.call('post', self.base + '/clients', self.admin, 201,
                         {'oauth2_client': dict(ref, provider_id=provider_id)}
                         ).json

    def authorize(self, status=200, client_id=None, method='get', **params):
        params.setdefault('response_type', 'code')
        params.setdefault('client_id', client_id or self.client_id)
        params.setdefault('redirect_uri', REDIRECT)
        params.setdefault('scope', 'openid profile email')
        params.setdefault('state', 'st-' + secrets.token_hex(4))
        if 'code_challenge' not in params:
            self.verifier, params['code_challenge'] = pkce()
            params.setdefault('code_challenge_method', 'S256')
        params = {k: v for k, v in params.items() if v is not None}
        self.params = params
        kwargs = ({'query_string': params} if method == 'get' else
                  {'data': params, 'content_type': FORM})
        return getattr(self.browser, method)(
            self.base + '/authorize', expected_status_code=status, **kwargs)

    def submit(self, response, form_id, status=200, **fields):
        forms = Forms(response.text).forms
        self.assertIn(form_id, forms, response.text)
        action, values = forms[form_id]
        values.update(fields)
        return self.browser.post(action, data=values, content_type=FORM,
                                 expected_status_code=status)

    def sign_in(self, response=None, user=None, consent=True):
        """Through login (and consent, unless ``consent`` is False): the
        answer that sends the code to the redirect URI."""
        user = user or self.user
        response = response or self.authorize(200)
        answer = self.submit(response, 'password-form',
                             200 if consent else 303,
                             username=user['name'],
                             password=user['password'])
        if consent:
            answer = self.submit(answer, 'consent-form', 303,
                                 decision='allow')
        return answer

    def code_of(self, response) -> str:
        self.assertIn(response.status_code, (302, 303), response.text)
        location = response.headers['Location']
        self.assertTrue(location.startswith(REDIRECT + '?'), location)
        answer = query(location)
        self.assertEqual(self.params.get('state'), answer.get('state'))
        return answer['code']

    def basic(self, client_id=None, secret=None) -> dict:
        pair = '%s:%s' % (client_id or self.client_id, secret or self.secret)
        return {'Authorization': 'Basic ' + base64.b64encode(
            pair.encode()).decode()}

    def token(self, status=200, headers=None, **form):
        if headers is None:
            headers = self.basic()
        answer = self.call('post', self.base + '/token', status=status,
                           headers=headers, data=form, content_type=FORM)
        return answer.json

    def exchange(self, code, status=200, **form):
        form.setdefault('code_verifier', self.verifier)
        return self.token(status=status, grant_type='authorization_code',
                          code=code, redirect_uri=REDIRECT, **form)

    def decode(self, token):
        published = self.call('get', self.base + '/jwks').json
        return jwt.decode(token, jwk.KeySet.import_key_set(published))

    def userinfo(self, access_token, status=200):
        return self.call('get', self.base + '/userinfo', status=status,
                         headers={'Authorization': 'Bearer ' + access_token})

    def introspect(self, token, **form):
        return self.call(
            'post', self.base + '/introspect', headers=self.basic(),
            data=dict(form, token=token), content_type=FORM).json
