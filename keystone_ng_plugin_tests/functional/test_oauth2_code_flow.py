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
"""The OpenID provider's code flow on the real server, on each database:
two real relying parties, authlib's client (OAuth2Session) and npm
openid-client (a certified RP library), with a requests session with
cookies as the browser on the provider's pages; two nodes; concurrent
refreshes."""

import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import urllib.parse
import uuid

from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwk
from joserfc import jwt
import requests

import pytest

from keystone_ng_plugin_tests.functional import conftest
from keystone_ng_plugin_tests import pages
from keystone_ng_plugin_tests import TOP

REDIRECT = 'http://127.0.0.1:8791/callback'
RP_DIR = os.path.join(TOP, 'tools', 'openid-client')
SCOPE = 'openid profile email'


class Browser:
    """Cookies, no redirects followed, the pages' forms posted."""

    def __init__(self):
        self.session = requests.Session()

    def get(self, url, **kwargs):
        return self.session.get(url, allow_redirects=False, timeout=30,
                                **kwargs)

    def submit(self, base_url, page, form_id, **fields):
        action, values = pages.Forms(page.text).forms[form_id]
        values.update(fields)
        return self.session.post(base_url + action, data=values, timeout=30,
                                 allow_redirects=False)


class Provider:
    """The default domain's provider with a user and a client."""

    def __init__(self, dep, admin_token):
        self.dep, self.headers = dep, {'X-Auth-Token': admin_token}
        self.issuer = dep.base_url + '/v4/oauth2/default'
        if requests.get(self.issuer + '/jwks', timeout=30).status_code == 404:
            dep.manage('oauth2_key_rotate', '--domain', 'default',
                       tool='keystone-ng-manage')
        self.password = uuid.uuid4().hex
        self.user = self._post('/v3/users', {'user': {
            'name': 'rp-user-' + uuid.uuid4().hex[:8], 'domain_id': 'default',
            'password': self.password, 'email': 'rp@example.org'}})['user']
        self.provider_id = 'rp-' + uuid.uuid4().hex[:8]
        body = self._post('/v4/oauth2/default/clients', {'oauth2_client': {
            'provider_id': self.provider_id, 'name': 'Test RP',
            'confidential': True,
            'grant_types': ['authorization_code', 'refresh_token'],
            'redirect_uris': [REDIRECT],
            'allowed_scopes': SCOPE.split()}})
        self.client_id = body['oauth2_client']['client_id']
        self.secret = body['client_secret']

    def redirect_uri(self, uri):
        """Register another redirect URI for the client."""
        r = requests.put(
            self.dep.base_url + '/v4/oauth2/default/clients/' +
            self.provider_id, headers=self.headers, timeout=30,
            json={'oauth2_client': {'redirect_uris': [REDIRECT, uri]}})
        assert r.status_code == 200, r.text

    def _post(self, path, body):
        r = requests.post(self.dep.base_url + path, json=body, timeout=30,
                          headers=self.headers)
        assert r.status_code == 201, r.text
        return r.json()

    def rp(self):
        return OAuth2Session(self.client_id, self.secret, scope=SCOPE,
                             redirect_uri=REDIRECT,
                             code_challenge_method='S256')

    def decode(self, token):
        published = requests.get(self.issuer + '/jwks', timeout=30).json()
        return jwt.decode(token, jwk.KeySet.import_key_set(published)).claims


def _sign_in(browser, url, provider, login_node=None, consent_node=None,
             redirect=REDIRECT):
    """Login and (unless remembered) consent on the nodes given: the
    redirect to the client."""
    page = browser.get(url)
    assert page.status_code == 200, page.text
    consent = browser.submit(login_node or provider.dep.base_url, page,
                             'password-form',
                             username=provider.user['name'],
                             password=provider.password)
    if consent.status_code == 303:  # consented before
        return consent.headers['Location']
    assert consent.status_code == 200, consent.text
    done = browser.submit(consent_node or provider.dep.base_url, consent,
                          'consent-form', decision='allow')
    assert done.status_code == 303, done.text
    assert done.headers['Location'].startswith(redirect + '?')
    return done.headers['Location']


def test_code_pkce_refresh_revoke_with_authlibs_client(keystone,
                                                       admin_token):
    provider = Provider(keystone, admin_token)
    discovered = requests.get(
        provider.issuer + '/.well-known/openid-configuration',
        timeout=30).json()
    assert discovered['issuer'] == provider.issuer
    rp = provider.rp()
    verifier = generate_token(48)
    url, state = rp.create_authorization_url(
        discovered['authorization_endpoint'], code_verifier=verifier,
        nonce='n-42')
    location = _sign_in(Browser(), url, provider)
    token = rp.fetch_token(discovered['token_endpoint'],
                           authorization_response=location,
                           code_verifier=verifier)
    claims = provider.decode(token['id_token'])
    assert (claims['nonce'], claims['sub'], claims['aud']) == (
        'n-42', provider.user['id'], provider.client_id)
    assert claims['amr'] == ['pwd']
    info = rp.get(discovered['userinfo_endpoint'], timeout=30).json()
    assert info['email'] == 'rp@example.org'
    assert info['preferred_username'] == provider.user['name']
    # the code again: refused, and what it issued is revoked
    replay = requests.post(discovered['token_endpoint'], timeout=30, data={
        'grant_type': 'authorization_code', 'redirect_uri': REDIRECT,
        'code': dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
            location).query))['code'], 'code_verifier': verifier},
        auth=(provider.client_id, provider.secret))
    assert replay.json()['error'] == 'invalid_grant'
    assert rp.get(discovered['userinfo_endpoint'],
                  timeout=30).status_code == 401
    # a new login, then refresh, introspect and revoke
    rp = provider.rp()
    url, _state = rp.create_authorization_url(
        discovered['authorization_endpoint'], code_verifier=verifier)
    token = rp.fetch_token(discovered['token_endpoint'],
                           authorization_response=_sign_in(
                               Browser(), url, provider),
                           code_verifier=verifier)
    refreshed = rp.refresh_token(discovered['token_endpoint'])
    assert refreshed['refresh_token'] != token['refresh_token']
    introspected = rp.introspect_token(
        discovered['introspection_endpoint'],
        token=refreshed['access_token']).json()
    assert introspected['active'] and introspected['sub'] == (
        provider.user['id'])
    assert rp.revoke_token(discovered['revocation_endpoint'],
                           token=refreshed['access_token']
                           ).status_code == 200
    assert rp.get(discovered['userinfo_endpoint'],
                  timeout=30).status_code == 401
    assert not rp.introspect_token(
        discovered['introspection_endpoint'],
        token=refreshed['access_token']).json()['active']


def test_code_flow_with_npm_openid_client(keystone, admin_token):
    if not (shutil.which('node') and os.path.isdir(os.path.join(
            RP_DIR, 'node_modules', 'openid-client'))):
        if os.environ.get('CI'):
            pytest.fail('CI needs node and tools/openid-client/node_modules')
        pytest.skip('node or openid-client is not installed')
    provider = Provider(keystone, admin_token)
    redirect = 'http://127.0.0.1:8793/callback'
    provider.redirect_uri(redirect)
    alg = requests.get(provider.issuer + '/jwks', timeout=30
                       ).json()['keys'][0]['alg']
    rp = subprocess.Popen(
        ['node', os.path.join(RP_DIR, 'rp.mjs'), provider.issuer,
         provider.client_id, provider.secret, redirect, alg],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        first = json.loads(rp.stdout.readline())
        assert 'authorize' in first, first
        location = _sign_in(Browser(), first['authorize'], provider,
                            redirect=redirect)
        out, _err = rp.communicate(location + '\n', timeout=60)
    finally:
        if rp.poll() is None:
            rp.kill()
    result = json.loads(out.strip().splitlines()[-1])
    assert rp.returncode == 0, result
    assert result['claims']['sub'] == provider.user['id']
    assert result['claims']['iss'] == provider.issuer
    assert result['userinfo']['email'] == 'rp@example.org'
    assert result['refreshed'] == {'id_token': True, 'rotated': True,
                                   'sub': provider.user['id']}
    assert result['introspection']['active'] is True
    assert result['introspection']['sub'] == provider.user['id']


def test_a_second_node_finishes_what_the_first_started(keystone,
                                                       admin_token,
                                                       tmp_path):
    provider = Provider(keystone, admin_token)
    # one deployment behind one public endpoint: the same issuer
    with conftest.second_node(keystone, tmp_path, DEFAULT={
            'public_endpoint': keystone.base_url,
            'notification_opt_out': ''}) as node_b:
        rp = provider.rp()
        verifier = generate_token(48)
        url, _state = rp.create_authorization_url(
            provider.issuer + '/authorize', code_verifier=verifier)
        browser = Browser()
        # authorize on A, sign in on B, consent on A
        location = _sign_in(browser, url, provider,
                            login_node=node_b.base_url,
                            consent_node=keystone.base_url)
        # the code is redeemed on B
        token = rp.fetch_token(node_b.base_url + '/v4/oauth2/default/token',
                               authorization_response=location,
                               code_verifier=verifier)
        assert provider.decode(token['id_token'])['iss'] == provider.issuer
        # the session opened on B lets A answer prompt=none
        url, _state = rp.create_authorization_url(
            provider.issuer + '/authorize', code_verifier=verifier,
            prompt='none')
        again = browser.get(url)
        assert again.status_code == 302
        assert 'code=' in again.headers['Location']
        # refreshed on A; the spent token on B revokes the family
        first = token['refresh_token']
        refreshed = rp.refresh_token(provider.issuer + '/token')
        reuse = requests.post(
            node_b.base_url + '/v4/oauth2/default/token', timeout=30,
            data={'grant_type': 'refresh_token', 'refresh_token': first},
            auth=(provider.client_id, provider.secret))
        assert reuse.json()['error'] == 'invalid_grant'
        after = requests.post(
            provider.issuer + '/token', timeout=30,
            data={'grant_type': 'refresh_token',
                  'refresh_token': refreshed['refresh_token']},
            auth=(provider.client_id, provider.secret))
        assert after.json()['error'] == 'invalid_grant'
    with open(node_b.path('logs', 'keystone.log'), errors='replace') as log:
        events = [json.loads(line[line.index('] {') + 2:]) for line in log
                  if 'identity.oauth2.refresh_token_reuse' in line]
    assert events and events[0]['priority'] == 'CRITICAL'


def test_of_parallel_refreshes_at_most_one_wins(keystone, admin_token):
    """Eight uses of one refresh token at once: at most one gets tokens
    (none when a replay revokes the family before the first use has
    finished, as it must), every other is invalid_grant, and the family
    is dead afterwards: a winner's new refresh token is refused too."""
    provider = Provider(keystone, admin_token)
    rp = provider.rp()
    verifier = generate_token(48)
    url, _state = rp.create_authorization_url(
        provider.issuer + '/authorize', code_verifier=verifier)
    token = rp.fetch_token(provider.issuer + '/token',
                           authorization_response=_sign_in(
                               Browser(), url, provider),
                           code_verifier=verifier)

    def refresh_with(refresh_token):
        return requests.post(
            provider.issuer + '/token', timeout=30,
            data={'grant_type': 'refresh_token',
                  'refresh_token': refresh_token},
            auth=(provider.client_id, provider.secret))

    def refresh(_n):
        return refresh_with(token['refresh_token'])
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(refresh, range(8)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses in ([200] + [400] * 7, [400] * 8), [
        a.text for a in answers]
    assert {a.json()['error'] for a in answers
            if a.status_code == 400} == {'invalid_grant'}
    for won in (a.json() for a in answers if a.status_code == 200):
        again = refresh_with(won['refresh_token'])
        assert again.status_code == 400, again.text
    # expired rows go with keystone-ng-manage purge_expired
    out = keystone.manage('purge_expired', tool='keystone-ng-manage')
    for table in ('ng_oauth2_code', 'ng_oauth2_refresh', 'ng_oauth2_session',
                  'ng_oauth2_pending', 'ng_oauth2_revoked'):
        assert re.search(r'purged \d+ expired rows of %s' % table, out), out
