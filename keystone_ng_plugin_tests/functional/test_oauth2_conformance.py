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
"""The applicable modules of the OpenID Foundation's Basic OP test plan
(oidcc-basic-certification-test-plan), one test each, on the real server
and each database. Each test is named after its module and checks what
the module checks; the browser is a requests session on the provider's
pages, the client plain HTTP."""

import base64
import hashlib
import secrets
import time
import urllib.parse

from joserfc import jwk
from joserfc import jwt
import pytest
import requests

from keystone_ng_plugin_tests.functional import test_oauth2_code_flow as cf

REDIRECT = cf.REDIRECT


class Plan:
    """One module's client, browser and helpers."""

    def __init__(self, dep, admin_token):
        self.op = cf.Provider(dep, admin_token)
        self.browser = cf.Browser()
        self.issuer = self.op.issuer

    def params(self, **extra):
        self.verifier = secrets.token_urlsafe(48)
        self.state = secrets.token_urlsafe(8)
        params = {'response_type': 'code', 'client_id': self.op.client_id,
                  'redirect_uri': REDIRECT, 'scope': 'openid',
                  'state': self.state,
                  'code_challenge': base64.urlsafe_b64encode(
                      hashlib.sha256(self.verifier.encode()).digest()
                  ).rstrip(b'=').decode(),
                  'code_challenge_method': 'S256'}
        params.update(extra)
        return {k: v for k, v in params.items() if v is not None}

    def authorize(self, method='get', **extra):
        params = self.params(**extra)
        url = self.issuer + '/authorize'
        if method == 'post':
            return self.browser.session.post(url, data=params, timeout=30,
                                             allow_redirects=False)
        return self.browser.get(url + '?' + urllib.parse.urlencode(params))

    def sign_in(self, page):
        """The password form (and consent when asked): the redirect."""
        assert page.status_code == 200, page.text
        answer = self.browser.submit(
            self.op.dep.base_url, page, 'password-form',
            username=self.op.user['name'], password=self.op.password)
        if answer.status_code == 200:
            answer = self.browser.submit(self.op.dep.base_url, answer,
                                         'consent-form', decision='allow')
        return self.redirected(answer)

    def redirected(self, answer) -> dict:
        assert answer.status_code in (302, 303), answer.text
        location = answer.headers['Location']
        assert location.startswith(REDIRECT + '?'), location
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
            location).query))
        assert query.get('state') == self.state
        return query

    def token(self, code, auth='basic', **extra):
        data = {'grant_type': 'authorization_code', 'code': code,
                'redirect_uri': REDIRECT, 'code_verifier': self.verifier}
        data.update(extra)
        data = {k: v for k, v in data.items() if v is not None}
        kwargs = {}
        if auth == 'basic':
            kwargs['auth'] = (self.op.client_id, self.op.secret)
        else:
            data.update(client_id=self.op.client_id,
                        client_secret=self.op.secret)
        return requests.post(self.issuer + '/token', data=data, timeout=30,
                             **kwargs)

    def tokens(self, **extra) -> dict:
        answer = self.token(self.sign_in(self.authorize(**extra))['code'])
        assert answer.status_code == 200, answer.text
        return answer.json()

    def id_token(self, token: str):
        published = requests.get(self.issuer + '/jwks', timeout=30).json()
        return jwt.decode(token, jwk.KeySet.import_key_set(published))

    def userinfo(self, access_token, how='get'):
        url = self.issuer + '/userinfo'
        header = {'Authorization': 'Bearer ' + access_token}
        if how == 'get':
            return requests.get(url, headers=header, timeout=30)
        if how == 'post-header':
            return requests.post(url, headers=header, timeout=30)
        return requests.post(url, data={'access_token': access_token},
                             timeout=30)

    def error(self, answer) -> str:
        return self.redirected(answer)['error']


@pytest.fixture
def plan(keystone, admin_token):
    return Plan(keystone, admin_token)


def test_oidcc_server(plan):
    discovery = requests.get(
        plan.issuer + '/.well-known/openid-configuration', timeout=30).json()
    assert discovery['issuer'] == plan.issuer
    tokens = plan.tokens()
    claims = plan.id_token(tokens['id_token']).claims
    for claim in ('iss', 'sub', 'aud', 'exp', 'iat'):
        assert claim in claims
    assert claims['iss'] == plan.issuer


def test_oidcc_response_type_missing(plan):
    answer = plan.authorize(response_type=None)
    # an error page, or the error at the redirect URI
    if answer.status_code in (302, 303):
        assert plan.error(answer) in ('invalid_request',
                                      'unsupported_response_type')
    else:
        assert answer.status_code == 400
        assert 'code' not in answer.headers.get('Location', '')


def test_oidcc_idtoken_signature(plan):
    token = plan.id_token(plan.tokens()['id_token'])
    published = requests.get(plan.issuer + '/jwks', timeout=30).json()
    assert token.header['kid'] == published['keys'][0]['kid']
    assert token.header['alg'] in requests.get(
        plan.issuer + '/.well-known/openid-configuration', timeout=30
    ).json()['id_token_signing_alg_values_supported']


@pytest.mark.parametrize('how', ['get', 'post-header', 'post-body'])
def test_oidcc_userinfo(plan, how):
    tokens = plan.tokens()
    answer = plan.userinfo(tokens['access_token'], how)
    assert answer.status_code == 200, answer.text
    sub = plan.id_token(tokens['id_token']).claims['sub']
    assert answer.json()['sub'] == sub


def test_oidcc_ensure_request_without_nonce_succeeds_for_code_flow(plan):
    claims = plan.id_token(plan.tokens(nonce=None)['id_token']).claims
    assert 'nonce' not in claims


@pytest.mark.parametrize('scope,claims', [
    ('openid profile', {'preferred_username', 'name'}),
    ('openid email', {'email'}),
    ('openid profile email', {'preferred_username', 'name', 'email'})])
def test_oidcc_scope_profile_email_all(plan, scope, claims):
    tokens = plan.tokens(scope=scope)
    assert set(tokens['scope'].split()) == set(scope.split())
    info = plan.userinfo(tokens['access_token']).json()
    assert claims <= set(info)
    if 'email' not in scope:
        assert 'email' not in info


def test_oidcc_prompt_login(plan):
    first = plan.id_token(plan.tokens()['id_token']).claims
    time.sleep(1)
    # signed in, yet prompt=login shows the sign-in page again
    page = plan.authorize(prompt='login')
    assert 'password-form' in page.text
    code = plan.sign_in(page)['code']
    again = plan.id_token(plan.token(code).json()['id_token']).claims
    assert again['auth_time'] > first['auth_time']


def test_oidcc_prompt_none_not_logged_in(plan):
    assert plan.error(plan.authorize(prompt='none')) == 'login_required'


def test_oidcc_prompt_none_logged_in(plan):
    plan.tokens()
    code = plan.redirected(plan.authorize(prompt='none'))['code']
    assert plan.token(code).status_code == 200


def test_oidcc_max_age_1(plan):
    first = plan.id_token(plan.tokens()['id_token']).claims
    time.sleep(2)
    page = plan.authorize(max_age='1')
    assert 'password-form' in page.text
    claims = plan.id_token(plan.token(plan.sign_in(page)['code']).json()[
        'id_token']).claims
    assert claims['auth_time'] > first['auth_time']


def test_oidcc_max_age_10000(plan):
    first = plan.id_token(plan.tokens()['id_token']).claims
    code = plan.redirected(plan.authorize(max_age='10000'))['code']
    claims = plan.id_token(plan.token(code).json()['id_token']).claims
    assert claims['auth_time'] == first['auth_time']


def test_oidcc_ensure_other_parameters_in_request_ignored(plan):
    plan.tokens(extra_unknown_parameter='ignored')


def test_oidcc_id_token_hint(plan):
    tokens = plan.tokens()
    code = plan.redirected(plan.authorize(
        prompt='none', id_token_hint=tokens['id_token']))['code']
    assert plan.token(code).status_code == 200


def test_oidcc_login_hint(plan):
    page = plan.authorize(login_hint=plan.op.user['name'])
    assert 'value="%s"' % plan.op.user['name'] in page.text


@pytest.mark.parametrize('name', ['ui_locales', 'claims_locales'])
def test_oidcc_locales_accepted(plan, name):
    plan.tokens(**{name: 'se'})


def _code_reuse(plan, wait):
    code = plan.sign_in(plan.authorize())['code']
    first = plan.token(code)
    assert first.status_code == 200
    time.sleep(wait)
    second = plan.token(code)
    assert second.status_code == 400
    assert second.json()['error'] == 'invalid_grant'
    # and the first access token is revoked (RFC 6749 4.1.2)
    assert plan.userinfo(first.json()['access_token']).status_code == 401


def test_oidcc_codereuse(plan):
    _code_reuse(plan, 0)


def test_oidcc_codereuse_30seconds(plan):
    _code_reuse(plan, 30)


def test_oidcc_ensure_registered_redirect_uri(plan):
    answer = plan.authorize(redirect_uri='https://evil.example/callback')
    assert answer.status_code == 400
    assert 'Location' not in answer.headers


def test_oidcc_ensure_post_request_succeeds(plan):
    code = plan.sign_in(plan.authorize(method='post'))['code']
    assert plan.token(code).status_code == 200


def test_oidcc_client_secret_post(plan):
    r = requests.put(
        plan.op.dep.base_url + '/v4/oauth2/default/clients/' +
        plan.op.provider_id, headers=plan.op.headers, timeout=30,
        json={'oauth2_client': {
            'token_endpoint_auth_method': 'client_secret_post'}})
    assert r.status_code == 200, r.text
    code = plan.sign_in(plan.authorize())['code']
    assert plan.token(code, auth='basic').status_code == 401
    assert plan.token(code, auth='post').status_code == 200


def test_oidcc_unsigned_request_object_rejected_as_unsupported(plan):
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b'=')
    body = base64.urlsafe_b64encode(b'{"scope":"openid"}').rstrip(b'=')
    answer = plan.authorize(request=(header + b'.' + body + b'.').decode())
    assert plan.error(answer) == 'request_not_supported'


def test_oidcc_refresh_token(plan):
    tokens = plan.tokens()
    answer = requests.post(plan.issuer + '/token', timeout=30, data={
        'grant_type': 'refresh_token',
        'refresh_token': tokens['refresh_token']},
        auth=(plan.op.client_id, plan.op.secret))
    assert answer.status_code == 200, answer.text
    refreshed = answer.json()
    claims = plan.id_token(refreshed['id_token']).claims
    assert claims['sub'] == plan.id_token(tokens['id_token']).claims['sub']
    assert plan.userinfo(refreshed['access_token']).status_code == 200


def test_pkce(plan):
    # required, S256 only, and the verifier must match
    assert plan.error(plan.authorize(code_challenge=None,
                                     code_challenge_method=None)
                      ) == 'invalid_request'
    assert plan.error(plan.authorize(code_challenge_method='plain')
                      ) == 'invalid_request'
    code = plan.sign_in(plan.authorize())['code']
    wrong = plan.token(code, code_verifier=secrets.token_urlsafe(48))
    assert wrong.json()['error'] == 'invalid_grant'
    missing = plan.token(code, code_verifier=None)
    assert missing.json()['error'] == 'invalid_request'
    assert plan.token(code).status_code == 200
