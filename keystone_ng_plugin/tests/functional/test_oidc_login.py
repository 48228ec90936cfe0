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
