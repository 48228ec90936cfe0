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
"""OpenID Connect login against a real provider: the authorization start."""

import json
import subprocess
import sys
import urllib.parse
import uuid

import requests
import sqlalchemy as sa

from keystone_ng_plugin.tests.functional import conftest

REDIRECT = conftest.OIDC_REDIRECT_URI


def _setup(admin, oidc_provider, **idp_fields):
    body = {'name': 'peer-%s' % uuid.uuid4().hex[:8],
            'domain_id': 'default',
            'oidc_discovery_url': oidc_provider.discovery_url,
            'oidc_client_id': 'keystone',
            'oidc_client_secret': 'keystone-secret',
            'bound_issuer': oidc_provider.issuer,
            'oidc_scopes': ['openid', 'profile', 'groups'],
            'allowed_redirect_uris': [REDIRECT],
            'default_mapping_name': 'default'}
    body.update(idp_fields)
    idp = admin.request('POST', '/v4/federation/identity_providers',
                        status=201,
                        json={'identity_provider': body}).json()[
        'identity_provider']
    admin.request('POST', '/v4/federation/mappings', status=201, json={
        'mapping': {'name': 'default', 'idp_id': idp['id'],
                    'user_id_claim': 'sub',
                    'user_name_claim': 'preferred_username',
                    'groups_claim': 'groups'}})
    return idp


def _start(keystone, idp_id, status=200, **body):
    body.setdefault('redirect_uri', REDIRECT)
    r = requests.post(keystone.base_url +
                      '/v4/federation/identity_providers/%s/auth' % idp_id,
                      json=body, timeout=30)
    assert r.status_code == status, r.text
    return r.json()


def test_start_sends_the_browser_to_the_provider(keystone, admin,
                                                 oidc_provider):
    idp = _setup(admin, oidc_provider)
    try:
        url = _start(keystone, idp['id'], scope={
            'project': {'name': 'admin', 'domain': {'id': 'default'}}})[
            'auth_url']
        parts = urllib.parse.urlsplit(url)
        query = dict(urllib.parse.parse_qsl(parts.query))
        assert url.startswith(oidc_provider.issuer + '/auth?')
        assert query['code_challenge_method'] == 'S256'
        assert query['redirect_uri'] == REDIRECT
        assert query['scope'].split() == ['openid', 'profile', 'groups']
        assert len(query['state']) >= 40 and len(query['nonce']) >= 40
        # The provider accepts it: client, redirect URI and PKCE are right.
        r = requests.get(url, allow_redirects=False, timeout=30)
        assert r.status_code in (302, 303)
        assert '/interaction/' in r.headers['Location']
        # The state waits in the database, for whichever node finishes.
        engine = sa.create_engine(keystone.database_url)
        try:
            with engine.connect() as conn:
                kind = conn.execute(sa.text(
                    'SELECT kind FROM ng_ceremony_state WHERE id = :id'),
                    {'id': query['state']}).scalar()
        finally:
            engine.dispose()
        assert kind == 'oidc.state'
    finally:
        admin.request('DELETE', '/v4/federation/identity_providers/' +
                      idp['id'], status=204)


def test_start_refuses_what_it_must(keystone, admin, oidc_provider):
    idp = _setup(admin, oidc_provider)
    try:
        error = _start(keystone, idp['id'], 400,
                       redirect_uri='https://evil.example/cb')
        assert error['error']['code'] == 400
        _start(keystone, idp['id'], 400, mapping_name='no-such-mapping')
        _start(keystone, 'no-such-idp', 404)
        _start(keystone, idp['id'], 400, scope={'project': {}, 'domain': {}})
        admin.request('PUT', '/v4/federation/identity_providers/' +
                      idp['id'], status=200,
                      json={'identity_provider': {'enabled': False}})
        _start(keystone, idp['id'], 403)
    finally:
        admin.request('DELETE', '/v4/federation/identity_providers/' +
                      idp['id'], status=204)


def test_discovery_issuer_mismatch_is_a_gateway_error(keystone, admin,
                                                      oidc_provider):
    idp = _setup(admin, oidc_provider,
                 bound_issuer='https://not-this-provider.example')
    try:
        error = _start(keystone, idp['id'], 502)
        assert error['error']['title'] == 'Bad Gateway'
    finally:
        admin.request('DELETE', '/v4/federation/identity_providers/' +
                      idp['id'], status=204)


def _login_at_provider(auth_url):
    """What a person does at the provider: sign in as alice; returns the
    code and state the browser brings back to the redirect URI."""
    session = requests.Session()
    url = auth_url
    for _ in range(12):
        r = session.get(url, allow_redirects=False, timeout=30)
        if r.status_code == 200 and '<form' in r.text:
            action = r.text.split('action="')[1].split('"')[0]
            r = session.post(urllib.parse.urljoin(url, action),
                             data={'username': 'alice',
                                   'password': 'alice-pass'},
                             allow_redirects=False, timeout=30)
        location = urllib.parse.urljoin(url, r.headers['Location'])
        if location.startswith(REDIRECT):
            query = dict(urllib.parse.parse_qsl(
                urllib.parse.urlsplit(location).query))
            return query['code'], query['state']
        url = location
    raise AssertionError('the provider never redirected back')


def _complete(keystone, state, code):
    result = subprocess.run(
        [sys.executable, '-W', 'ignore', '-m',
         'keystone_ng_plugin.tests.functional.oidc_complete',
         keystone.config_file, state, code],
        capture_output=True, text=True, env=keystone.environ(), timeout=120)
    assert result.returncode in (0, 3), result.stderr
    return result.stdout.strip()


def test_code_exchange_and_id_token_against_the_provider(keystone, admin,
                                                         oidc_provider):
    idp = _setup(admin, oidc_provider)
    try:
        auth_url = _start(keystone, idp['id'])['auth_url']
        code, state = _login_at_provider(auth_url)
        identity = json.loads(_complete(keystone, state, code))
        assert identity == {'unique_id': 'alice', 'user_name': 'alice',
                            'domain_id': 'default',
                            'group_names': ['devs', 'ops']}
        # The state is single use.
        assert _complete(keystone, state, code).startswith('refused')
        # A nonce that is not this login's is refused.
        auth_url = _start(keystone, idp['id'])['auth_url']
        code, state = _login_at_provider(auth_url)
        engine = sa.create_engine(keystone.database_url)
        try:
            with engine.begin() as conn:
                data = json.loads(conn.execute(sa.text(
                    'SELECT data FROM ng_ceremony_state WHERE id = :id'),
                    {'id': state}).scalar())
                data['nonce'] = 'not-the-nonce'
                conn.execute(sa.text(
                    'UPDATE ng_ceremony_state SET data = :data '
                    'WHERE id = :id'),
                    {'id': state, 'data': json.dumps(data)})
        finally:
            engine.dispose()
        assert _complete(keystone, state, code).startswith('refused')
        # A made-up code is refused by the provider.
        auth_url = _start(keystone, idp['id'])['auth_url']
        state = dict(urllib.parse.parse_qsl(
            urllib.parse.urlsplit(auth_url).query))['state']
        assert _complete(keystone, state, 'made-up').startswith('refused')
    finally:
        admin.request('DELETE', '/v4/federation/identity_providers/' +
                      idp['id'], status=204)
