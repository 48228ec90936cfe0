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
"""Hostile input, and floods of anonymous requests, on every database.

Generated from the served OpenAPI document (openapi_cases): every /v4
operation gets each hostile value in each path parameter, query parameter
and body string, a hostile key, and over-deep JSON; each must answer a 4xx
in keystone's error format, write no row in any table, and leave the lists
working. Every anonymous operation is flooded from one client address and
must answer 429 with Retry-After. keystone's own v3 routes get the same
input through the plugin's entry point.
"""

import json
import socket
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from keystone_ng_plugin_tests.functional import conftest
from keystone_ng_plugin_tests.functional import issuer as ng_issuer
from keystone_ng_plugin_tests.functional import openapi_cases as cases

# In JSON strings (requests escapes them as \u0000, \ud800...).
HOSTILE_STRINGS = ('nul\x00byte', 'lone\ud800high', '\udfff')
# In a URL: a NUL, a UTF-8-encoded surrogate (CESU-8), bytes not UTF-8.
HOSTILE_URL_BYTES = (b'a\x00b', b'\xed\xa0\x80', b'\xff\xfe')
DEPTHS = (40, 1000, 20000)
# tight limits on a node of its own (every test shares 127.0.0.1)
BURST = 3
TIGHT = {'keystone_ng': {'throttle_rate': '0.2', 'throttle_burst': str(BURST),
                         'max_outstanding_ceremonies': '3',
                         'trusted_proxies': '127.0.0.1'}}


def _address() -> str:
    """A client address of its own (buckets outlive a test in memcached)."""
    return '2001:db8::%x:%x' % (uuid.uuid4().int & 0xffff,
                                uuid.uuid4().int & 0xffff)


def row_counts(url: str) -> dict:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            metadata = sa.MetaData()
            metadata.reflect(conn)
            return {name: conn.execute(sa.select(sa.func.count()).select_from(
                table)).scalar() for name, table in metadata.tables.items()}
    finally:
        engine.dispose()


def _assert_refused(response, case):
    assert 400 <= response.status_code < 500, (case, response.status_code,
                                               response.text[:300])
    error = response.json()['error']
    assert set(error) >= {'code', 'title', 'message'}, case
    assert error['code'] == response.status_code, case


def hostile_requests(op: cases.Operation, base: str):
    """(description, method, url, kwargs) of every hostile case of op."""
    good_body = cases.skeleton(op.body_schema)
    for name in op.path_params:
        for raw in HOSTILE_URL_BYTES:
            url = op.url(base, {name: cases.quote(raw)})
            yield ('path %s=%r' % (name, raw), op.method, url,
                   {'json': good_body} if op.body_schema else {})
    for name in op.query_params:
        for raw in HOSTILE_URL_BYTES:
            yield ('query %s=%r' % (name, raw), op.method,
                   op.url(base) + '?%s=%s' % (name, cases.quote(raw)), {})
    if op.body_schema is None:
        return
    for path in cases.string_paths(op.body_schema):
        for value in HOSTILE_STRINGS:
            yield ('body %s=%r' % ('.'.join(map(str, path)), value),
                   op.method, op.url(base),
                   {'json': cases.with_value(good_body, path, value)})
    if isinstance(good_body, dict):
        yield ('body key', op.method, op.url(base),
               {'json': dict(good_body, **{'k\x00\ud800': 'x'})})
    for depth in DEPTHS:
        yield ('JSON %d deep' % depth, op.method, op.url(base),
               {'data': '[' * depth + ']' * depth,
                'headers': {'Content-Type': 'application/json'}})


def test_hostile_input_on_every_operation(keystone, admin):
    ops = cases.operations(keystone.base_url)
    assert len(ops) >= 40
    lists = [op for op in ops if op.method == 'get' and not op.path_params
             and not op.anonymous]
    total = 0
    for op in ops:
        before = row_counts(keystone.database_url)
        for case, method, url, kwargs in hostile_requests(
                op, keystone.base_url):
            headers = dict(kwargs.pop('headers', {}))
            if not op.anonymous:
                headers['X-Auth-Token'] = admin.token
            r = requests.request(method, url, headers=headers, timeout=30,
                                 **kwargs)
            _assert_refused(r, '%s: %s' % (op.name, case))
            total += 1
        after = row_counts(keystone.database_url)
        changed = {t: (before[t], after[t]) for t in before
                   if after.get(t) != before[t]}
        assert not changed, '%s wrote rows: %s' % (op.name, changed)
    for op in lists:
        r = requests.get(op.url(keystone.base_url),
                         headers={'X-Auth-Token': admin.token}, timeout=30)
        assert r.status_code == 200, (op.name, r.text)
    print('\n%d hostile requests on %d operations (%s)' % (
        total, len(ops), keystone.backend))


def test_stock_keystone_routes_get_400_not_500(keystone, admin):
    """Keystone alone answers some of these with a 500 (PostgreSQL cannot
    hold a NUL; deep JSON overflows the parser)."""
    base = keystone.auth_url
    auth = {'X-Auth-Token': admin.token}
    domain = {'id': 'default'}
    for value in HOSTILE_STRINGS:
        for method, path, body in (
                ('POST', '/auth/tokens', {'auth': {'identity': {
                    'methods': ['password'], 'password': {'user': {
                        'name': value, 'domain': domain,
                        'password': 'x'}}}}}),
                ('POST', '/users', {'user': {'name': 'u-%s' % value,
                                             'description': value}}),
                ('POST', '/projects', {'project': {'name': value}})):
            r = requests.request(method, base + path, json=body,
                                 headers=auth, timeout=30)
            _assert_refused(r, (path, value))
    for raw in HOSTILE_URL_BYTES:
        r = requests.get(base + '/users?name=' + cases.quote(raw),
                         headers=auth, timeout=30)
        _assert_refused(r, raw)
        r = requests.get(base + '/users/' + cases.quote(raw), headers=auth,
                         timeout=30)
        _assert_refused(r, raw)
    for depth in DEPTHS:
        r = requests.post(base + '/auth/tokens',
                          data='[' * depth + ']' * depth, timeout=30,
                          headers={'Content-Type': 'application/json'})
        _assert_refused(r, depth)
    assert requests.get(base + '/users', headers=auth,
                        timeout=30).status_code == 200


def _raw_request(dep, header_bytes: bytes) -> int:
    request = (b'POST /v4/federation/identity_providers/x/jwt HTTP/1.1\r\n'
               b'Host: 127.0.0.1\r\nContent-Length: 0\r\n' + header_bytes +
               b'\r\nConnection: close\r\n\r\n')
    with socket.create_connection(('127.0.0.1', dep.port), timeout=30) as s:
        s.sendall(request)
        answer = b''
        while chunk := s.recv(65536):
            answer += chunk
    return int(answer.split(b' ', 2)[1])


def test_hostile_headers(keystone):
    # not UTF-8, a surrogate encoded in UTF-8
    for value in (b'Bearer \xff\xfe', b'Bearer \xed\xa0\x80'):
        status = _raw_request(keystone, b'Authorization: ' + value)
        assert 400 <= status < 500, value
    r = requests.post(keystone.base_url +
                      '/v4/federation/identity_providers/x/jwt',
                      headers={'openstack-mapping-name': 'caf\u00e9'.encode()},
                      timeout=30)
    assert r.status_code == 404   # clean UTF-8 reaches the route


@pytest.fixture(scope='module')
def tight_node(keystone, tmp_path_factory, memcached):
    """A node with tight limits whose workers share buckets through
    memcached (2 workers but on SQLite)."""
    with conftest.second_node(keystone, tmp_path_factory.mktemp('tight'),
                              cache=memcached.cache_config(),
                              **TIGHT) as node:
        yield node


def test_every_anonymous_operation_is_throttled(tight_node):
    ops = [op for op in cases.operations(tight_node.base_url)
           if op.anonymous]
    assert len(ops) >= 10
    for op in ops:
        # each operation from a client address of its own (the node trusts
        # 127.0.0.1 as a proxy)
        headers = {'X-Forwarded-For': _address()}
        kwargs = {}
        if op.body_schema is not None:
            kwargs['json'] = cases.skeleton(op.body_schema)
        statuses = []
        for _ in range(BURST + 1):
            r = requests.request(op.method, op.url(tight_node.base_url),
                                 headers=headers, timeout=30, **kwargs)
            statuses.append(r.status_code)
        assert statuses[-1] == 429, (op.name, statuses)
        assert int(r.headers['Retry-After']) >= 1, op.name
        assert r.json()['error']['code'] == 429, op.name
        assert 429 not in statuses[:-1], (op.name, statuses)


def test_unknown_and_real_users_are_throttled_alike(tight_node, admin):
    user = admin.create_user()
    for who in ({'user_id': user['id']}, {'user_id': uuid.uuid4().hex}):
        headers = {'X-Forwarded-For': _address()}
        statuses = [requests.post(
            tight_node.base_url + '/v4/auth/passkey/start',
            json={'passkey': who}, headers=headers, timeout=30).status_code
            for _ in range(BURST + 1)]
        assert statuses == [201] * BURST + [429], (who, statuses)
    # an untrusted client cannot choose its bucket: X-Forwarded-For from
    # anyone but a trusted proxy is ignored (checked in process:
    # tests/unit/test_throttle.py)


def test_outstanding_ceremonies_are_capped(keystone, tight_node, admin):
    # throttling is per request; the cap counts unfinished ceremonies in
    # the database (one statement, or a lock-free read on MySQL): passkey
    # registrations and OIDC logins (a passkey login start is sealed and
    # writes nothing: only throttled, above)
    user = admin.create_user()
    # from the main node: the tight node's memcached is shared by the
    # deployments of every database (name lookups would cross them)
    token = conftest.password_token(keystone, user=user['name'],
                                    password=user['password'])
    url = tight_node.base_url + '/v4/users/%s/passkeys/register_start' % (
        user['id'])

    def start(client):
        return requests.post(url, json={'passkey': {}}, timeout=30,
                             headers=dict(client, **{'X-Auth-Token': token}))

    client = {'X-Forwarded-For': _address()}
    statuses = [start(client).status_code for _ in range(3)]
    assert statuses == [201, 201, 201]
    r = start(client)
    assert r.status_code == 429, r.text
    assert 'Retry-After' in r.headers
    assert json.loads(r.text)['error']['title'] == 'Too Many Requests'
    assert start({'X-Forwarded-For': _address()}).status_code == 201


def test_validly_signed_jwt_with_hostile_claims(keystone, admin):
    """A JWT the IdP really signed, whose sub (or another claim) holds a
    NUL or a lone surrogate: 401, and nothing stored (keystone answered
    500: PostgreSQL cannot hold the shadow user's NUL)."""
    idp_server = ng_issuer.Issuer()
    idp = admin.request('POST', '/v4/federation/identity_providers',
                        status=201, json={'identity_provider': {
                            'name': 'hostile-jwt', 'domain_id': 'default',
                            'jwks_url': idp_server.issuer + '/jwks',
                            'bound_issuer': idp_server.issuer,
                            'default_mapping_name': 'ci'}}
                        ).json()['identity_provider']
    try:
        admin.request('POST', '/v4/federation/mappings', status=201, json={
            'mapping': {'name': 'ci', 'type': 'jwt', 'idp_id': idp['id'],
                        'user_id_claim': 'sub', 'user_name_claim': 'name',
                        'bound_audiences': ['keystone']}})
        url = '%s/v4/federation/identity_providers/%s/jwt' % (
            keystone.base_url, idp['id'])
        now = int(time.time())
        before = row_counts(keystone.database_url)
        for value in HOSTILE_STRINGS:
            for claim in ('sub', 'name', 'extra'):
                claims = {'iss': idp_server.issuer, 'aud': 'keystone',
                          'sub': 'ci', 'name': 'ci', 'iat': now,
                          'exp': now + 300, claim: value}
                r = requests.post(url, timeout=30, headers={
                    'Authorization': 'Bearer ' + idp_server.signed(claims)})
                assert r.status_code == 401, (claim, value, r.text)
                assert 'X-Subject-Token' not in r.headers
        assert row_counts(keystone.database_url) == before
    finally:
        idp_server.stop()
        admin.request('DELETE', '/v4/federation/identity_providers/' +
                      idp['id'])
