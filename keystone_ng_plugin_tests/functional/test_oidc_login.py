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
"""OpenID Connect login with keystone as the relying party.

The honest flows run against a real provider (npm oidc-provider): through
its login form with requests, once in headless chromium, finished on the
same node or on another one. Forged ID tokens come from a hostile
stand-in (functional.issuer), since no real provider signs them.
"""

import contextlib
import hashlib
import json
import re
import time
import urllib.parse
import uuid

import pytest
import requests
import sqlalchemy as sa

from keystone_ng_plugin.server import deployment

from keystone_ng_plugin_tests.functional import conftest
from keystone_ng_plugin_tests.functional import issuer
from keystone_ng_plugin_tests.rally import ng_client

REDIRECT = conftest.OIDC_REDIRECT_URI


def _domain(admin):
    return admin.request('POST', '/domains', status=201, json={'domain': {
        'name': 'fed-%s' % uuid.uuid4().hex[:10]}}).json()['domain']['id']


def _setup(admin, oidc_provider, client_id='keystone', **idp_fields):
    """An IdP (in a domain of its own: users of different test IdPs
    must not share keystone IDs) with a default oidc mapping."""
    body = {'name': 'peer-%s' % uuid.uuid4().hex[:8],
            'domain_id': _domain(admin),
            'oidc_discovery_url': oidc_provider.discovery_url,
            'oidc_client_id': client_id,
            'oidc_client_secret': 'keystone-secret',
            'bound_issuer': oidc_provider.issuer,
            'oidc_scopes': ['openid', 'profile', 'groups'],
            'allowed_redirect_uris': [REDIRECT],
            'default_mapping_name': 'default'}
    body.update(idp_fields)
    body = {k: v for k, v in body.items() if v is not None}
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


@contextlib.contextmanager
def _idp(admin, provider, **fields):
    idp = _setup(admin, provider, **fields)
    try:
        yield idp
    finally:
        admin.request('DELETE', '/v4/federation/identity_providers/' +
                      idp['id'], status=204)


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
        _start(keystone, idp['id'], 400, scope={'system': {'all': True}})
        _start(keystone, idp['id'], 400, unknown_field=1)
        admin.request('PUT', '/v4/federation/identity_providers/' +
                      idp['id'], status=200,
                      json={'identity_provider': {'enabled': False}})
        _start(keystone, idp['id'], 403)
    finally:
        admin.request('DELETE', '/v4/federation/identity_providers/' +
                      idp['id'], status=204)


def test_bound_issuer_mismatch_is_refused(keystone, admin, oidc_provider):
    with _idp(admin, oidc_provider,
              bound_issuer='https://not-this-provider.example') as idp:
        _start(keystone, idp['id'], 401)


def test_unreachable_provider_is_a_gateway_error(keystone, admin):
    dead = 'http://127.0.0.1:%d' % deployment.free_port()
    provider = type('Dead', (), {
        'issuer': dead,
        'discovery_url': dead + '/.well-known/openid-configuration'})
    with _idp(admin, provider) as idp:
        error = _start(keystone, idp['id'], 502)
        assert error['error']['title'] == 'Bad Gateway'


def _login_at_provider(auth_url, user='alice'):
    """What a person does at the provider: sign in; returns the query
    parameters the browser brings back to the redirect URI (state, code,
    iss)."""
    return ng_client.login_at_provider(auth_url, REDIRECT, user,
                                       user + '-pass')


def _callback(dep, params, status=200, form=False):
    url = dep.base_url + '/v4/federation/oidc/callback'
    if form:
        r = requests.post(url, data=params, timeout=60)
    else:
        r = requests.post(url, json=params, timeout=60)
    assert r.status_code == status, r.text
    if status == 200:
        # keystone's time apart from the IdP's (its token endpoint)
        assert re.match(r'idp;dur=\d+(\.\d)?;desc=',
                        r.headers['Server-Timing'])
    if status != 200:
        assert 'X-Subject-Token' not in r.headers
        assert r.json()['error']['code'] == status
    return r


def _login(dep, idp, user='alice', node=None, **start):
    params = _login_at_provider(_start(dep, idp['id'], **start)['auth_url'],
                                user)
    return _callback(node or dep, params)


def _query(dep, sql, **params):
    engine = sa.create_engine(dep.database_url)
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(sql), params)
            return result.fetchall() if result.returns_rows else None
    finally:
        engine.dispose()


def _keystone_user_id(domain_id, unique_id):
    """keystone's sha256 ID generator (keystone/identity/id_generators)."""
    return hashlib.sha256(
        (domain_id + 'user' + unique_id).encode()).hexdigest()


def _group_id(admin, name, domain_id):
    return admin.get('/groups', params={'name': name,
                                        'domain_id': domain_id}).json()[
        'groups'][0]['id']


def test_login_makes_a_shadow_user_and_a_federated_token(keystone, admin,
                                                         oidc_provider):
    with _idp(admin, oidc_provider) as idp:
        domain_id = idp['domain_id']
        r = _login(keystone, idp)
        token = r.json()['token']
        user_id = _keystone_user_id(domain_id, 'alice')
        assert token['user']['id'] == user_id
        assert token['user']['name'] == 'alice'
        assert token['user']['domain']['id'] == domain_id
        federation = token['user']['OS-FEDERATION']
        assert federation['identity_provider']['id'] == idp['id']
        assert federation['protocol']['id'] == 'oidc'
        groups = {_group_id(admin, name, domain_id)
                  for name in ('devs', 'ops')}
        assert {g['id'] for g in federation['groups']} == groups
        assert token['methods'] == ['mapped']
        # keystone validates it as any other token (what keystonemiddleware
        # of every service calls).
        validated = admin.get('/auth/tokens', status=200, headers={
            'X-Subject-Token': r.headers['X-Subject-Token']}).json()['token']
        assert validated['user']['id'] == user_id
        # v3 sees the user and its federated identity.
        user = admin.get('/users/' + user_id, status=200).json()['user']
        assert user['federated'] == [{
            'idp_id': idp['id'],
            'protocols': [{'protocol_id': 'oidc', 'unique_id': 'alice'}]}]

        # A second login is the same user, with no second user row.
        r = _login(keystone, idp)
        assert r.json()['token']['user']['id'] == user_id
        assert len(_query(keystone, 'SELECT user_id FROM federated_user '
                          'WHERE idp_id = :idp', idp=idp['id'])) == 1


def test_global_idp_users_land_in_keystones_idp_domain(keystone, admin,
                                                       oidc_provider):
    """A global IdP whose mapping names no domain: as v3 federation does,
    users go to the domain keystone made for the v3 IdP."""
    with _idp(admin, oidc_provider, domain_id=None) as idp:
        v3 = admin.get('/OS-FEDERATION/identity_providers/' + idp['id'],
                       status=200).json()['identity_provider']
        user = _login(keystone, idp).json()['token']['user']
        assert user['domain']['id'] == v3['domain_id']
        assert user['id'] == _keystone_user_id(v3['domain_id'], 'alice')


def test_scoped_login_with_roles_from_groups(keystone, admin, oidc_provider):
    with _idp(admin, oidc_provider) as idp:
        domain_id = idp['domain_id']
        project = admin.request('POST', '/projects', status=201, json={
            'project': {'name': 'fed-project', 'domain_id': domain_id}}
        ).json()['project']
        scope = {'project': {'name': 'fed-project',
                             'domain': {'id': domain_id}}}
        # No role on the project yet: the login is refused, no token.
        params = _login_at_provider(
            _start(keystone, idp['id'], scope=scope)['auth_url'])
        _callback(keystone, params, status=401)
        # The IdP says alice is in devs; devs has member on the project.
        admin.request('PUT', '/projects/%s/groups/%s/roles/%s' % (
            project['id'], _group_id(admin, 'devs', domain_id),
            admin.role_id('member')), status=204)
        r = _login(keystone, idp, scope=scope)
        token = r.json()['token']
        assert token['project']['id'] == project['id']
        assert {role['name'] for role in token['roles']} >= {'member'}
        assert token['catalog']
        # The role works through keystone's own policy: the token lists
        # its projects.
        projects = requests.get(keystone.auth_url + '/auth/projects',
                                headers={'X-Auth-Token':
                                         r.headers['X-Subject-Token']},
                                timeout=30)
        assert projects.status_code == 200
        assert project['id'] in [p['id'] for p in
                                 projects.json()['projects']]


def test_relogin_refreshes_group_expiry_and_follows_the_idp(
        keystone, admin, oidc_provider):
    def memberships(user_id):
        return {row[0]: row[1] for row in _query(
            keystone, 'SELECT g.name, m.last_verified FROM '
            'expiring_user_group_membership m JOIN "group" g '
            'ON g.id = m.group_id WHERE m.user_id = :user'.replace(
                '"group"', '`group`' if keystone.backend == 'mysql'
                else '"group"'), user=user_id)}

    with _idp(admin, oidc_provider) as idp:
        user_id = _keystone_user_id(idp['domain_id'], 'bob')
        try:
            _login(keystone, idp, user='bob')
            first = memberships(user_id)
            assert list(first) == ['ops']
            time.sleep(1.1)  # last_verified has second precision on MySQL
            _login(keystone, idp, user='bob')
            second = memberships(user_id)
            assert second['ops'] > first['ops']
            # The IdP moves bob from ops to devs: the next login follows.
            oidc_provider.set_groups('bob', ['devs'])
            r = _login(keystone, idp, user='bob')
            assert list(memberships(user_id)) == ['devs']
            assert [g['id'] for g in
                    r.json()['token']['user']['OS-FEDERATION']['groups']
                    ] == [_group_id(admin, 'devs', idp['domain_id'])]
        finally:
            oidc_provider.set_groups('bob', ['ops'])


def test_form_post_callback_and_idp_error_answer(keystone, admin,
                                                 oidc_provider):
    with _idp(admin, oidc_provider) as idp:
        params = _login_at_provider(_start(keystone, idp['id'])['auth_url'])
        r = _callback(keystone, params, form=True)
        assert r.json()['token']['user']['name'] == 'alice'
        # The IdP answered with an error: refused, and the state is gone.
        auth_url = _start(keystone, idp['id'])['auth_url']
        state = dict(urllib.parse.parse_qsl(
            urllib.parse.urlsplit(auth_url).query))['state']
        _callback(keystone, {'state': state, 'error': 'access_denied'},
                  status=401)
        _callback(keystone, {'state': state, 'code': 'x'}, status=401)
        # Malformed callbacks are 400s.
        _callback(keystone, {'code': 'x'}, status=400)
        _callback(keystone, {'state': state}, status=400)
        _callback(keystone, {'state': 'x' * 300, 'code': 'x'}, status=400)


def test_finish_on_another_node(keystone, admin, oidc_provider, tmp_path):
    with _idp(admin, oidc_provider) as idp:
        params = _login_at_provider(_start(keystone, idp['id'])['auth_url'])
        with conftest.second_node(keystone, tmp_path) as node_b:
            r = _callback(node_b, params)
            assert r.json()['token']['user']['name'] == 'alice'
            # ... and only once, wherever it is tried again.
            _callback(node_b, params, status=401)
        _callback(keystone, params, status=401)


def test_login_in_a_browser_through_the_providers_form(keystone, admin,
                                                       oidc_provider,
                                                       browser):
    with _idp(admin, oidc_provider) as idp:
        auth_url = _start(keystone, idp['id'])['auth_url']
        context = browser.browser.new_context()
        try:
            page = context.new_page()
            returned = []

            def capture(route):
                returned.append(route.request.url)
                route.fulfill(status=200, content_type='text/html',
                              body='<p id="back">signed in</p>')

            page.route(REDIRECT + '*', capture)
            page.goto(auth_url)
            page.fill('input[name=username]', 'alice')
            page.fill('input[name=password]', 'alice-pass')
            page.click('#login')
            page.wait_for_selector('#back', timeout=30000)
        finally:
            context.close()
        params = dict(urllib.parse.parse_qsl(
            urllib.parse.urlsplit(returned[0]).query))
        r = _callback(keystone, params)
        assert r.json()['token']['user']['name'] == 'alice'


def test_attacks_with_the_real_provider(keystone, admin, oidc_provider):
    with _idp(admin, oidc_provider) as idp:
        # Replayed state (and code).
        params = _login_at_provider(_start(keystone, idp['id'])['auth_url'])
        _callback(keystone, params)
        _callback(keystone, params, status=401)
        # Expired state.
        params = _login_at_provider(_start(keystone, idp['id'])['auth_url'])
        _query(keystone, 'UPDATE ng_ceremony_state SET expires_at = '
               'created_at WHERE id = :id', id=params['state'])
        _callback(keystone, params, status=401)
        # A nonce that is not this login's.
        params = _login_at_provider(_start(keystone, idp['id'])['auth_url'])
        data = _query(keystone, 'SELECT data FROM ng_ceremony_state '
                      'WHERE id = :id', id=params['state'])[0][0]
        _query(keystone, 'UPDATE ng_ceremony_state SET data = :data '
               'WHERE id = :id', id=params['state'],
               data=json.dumps(dict(json.loads(data), nonce='not-this')))
        _callback(keystone, params, status=401)
        # A made-up code; a code for another state.
        first = _login_at_provider(_start(keystone, idp['id'])['auth_url'])
        second = _login_at_provider(_start(keystone, idp['id'])['auth_url'])
        _callback(keystone, dict(first, code='made-up'), status=401)
        _callback(keystone, dict(second, code=first['code']), status=401)
        # An authorization response naming another issuer (RFC 9207).
        params = _login_at_provider(_start(keystone, idp['id'])['auth_url'])
        _callback(keystone, dict(params, iss='https://evil.example'),
                  status=401)
        # The IdP is disabled between start and callback.
        params = _login_at_provider(_start(keystone, idp['id'])['auth_url'])
        admin.request('PUT', '/v4/federation/identity_providers/' +
                      idp['id'], status=200,
                      json={'identity_provider': {'enabled': False}})
        _callback(keystone, params, status=403)


@pytest.fixture
def rogue():
    idp = issuer.Issuer()
    yield idp
    idp.stop()


def test_forged_id_tokens_are_refused(keystone, admin, rogue):
    with _idp(admin, rogue, oidc_scopes=None) as idp:
        def attempt(make_token, status=401):
            auth_url = _start(keystone, idp['id'])['auth_url']
            query = dict(urllib.parse.parse_qsl(
                urllib.parse.urlsplit(auth_url).query))
            rogue.id_token = make_token(query['nonce'])
            return _callback(keystone, {'state': query['state'],
                                        'code': 'c'}, status=status)

        # The stand-in works: a correct token logs in, so each refusal
        # below is for the one thing that is wrong.
        r = attempt(lambda n: rogue.signed(rogue.claims(n)), status=200)
        assert r.json()['token']['user']['name'] == 'mallory'
        assert rogue.token_requests[-1]['code_verifier']
        forgeries = {
            'another audience': lambda n: rogue.signed(
                rogue.claims(n, aud='another-client')),
            'no audience': lambda n: rogue.signed(rogue.claims(n, aud=None)),
            'unknown key': lambda n: rogue.signed(
                rogue.claims(n), key=rogue.other_key, kid='rogue-2'),
            'known kid, other key': lambda n: rogue.signed(
                rogue.claims(n), key=rogue.other_key),
            'alg none': lambda n: rogue.unsigned(rogue.claims(n)),
            'HS256 with the public key': lambda n:
                rogue.hs256_with_public_key(rogue.claims(n)),
            'expired': lambda n: rogue.signed(rogue.claims(
                n, iat=int(time.time()) - 7200,
                exp=int(time.time()) - 3600)),
            'not yet valid': lambda n: rogue.signed(rogue.claims(
                n, nbf=int(time.time()) + 3600)),
            'another issuer': lambda n: rogue.signed(
                rogue.claims(n, iss='https://evil.example')),
            'wrong nonce': lambda n: rogue.signed(rogue.claims('other')),
            'no nonce': lambda n: rogue.signed(rogue.claims(None)),
            'not a JWT': lambda n: 'garbage',
        }
        for name, forge in forgeries.items():
            try:
                attempt(forge)
            except AssertionError as exc:
                raise AssertionError('%s: %s' % (name, exc))
        # A discovery document whose issuer is not the URL's (OpenID
        # Connect Discovery 1.0 section 4.3).
        admin.request('PUT', '/v4/federation/identity_providers/' +
                      idp['id'], status=200, json={'identity_provider': {
                          'oidc_discovery_url': rogue.issuer +
                          '/tenant/.well-known/openid-configuration'}})
        _start(keystone, idp['id'], 401)
