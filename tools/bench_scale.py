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
"""Row-count scaling for tools/bench --scale: bulk seeding, list timing.

The seed rows are what a large cloud holds besides the load test's own:
users (keystone's ``user`` and ``local_user``) with a passkey each, service
accounts (users too), identity providers with a mapping each, token
restrictions, provider clients with a refresh token family each,
Kubernetes instances with a role each, and expired ceremony rows. They are
inserted in bulk (executemany, in chunks), never through the API, in the
deployment's default domain, where the load test's admin lists them.
Every NOT NULL column gets a neutral value of its type unless the table's
overrides give a meaningful one; nothing on a login's path reads a seed
row, which is the point: its latency must not depend on them.
"""

import datetime
import hashlib
import json
import statistics
import time

import requests
import sqlalchemy as sa

CHUNK = 5000
DOMAIN = 'default'
# (table, overrides: column -> f(i)). Order matters: users before the
# rows that name them.
_PAST = datetime.datetime(2020, 1, 1)


def _id(kind, i):
    return hashlib.sha256(('%s-%d' % (kind, i)).encode()).hexdigest()[:32]


def _json(value):
    return json.dumps(value)


def _users(kind):
    """keystone's rows of a local user per seed number (ID from kind)."""
    return [('user', {'id': lambda i: _id(kind, i),
                      'enabled': lambda i: True, 'extra': lambda i: '{}',
                      'domain_id': lambda i: DOMAIN}),
            ('local_user', {'user_id': lambda i: _id(kind, i),
                            'domain_id': lambda i: DOMAIN,
                            'name': lambda i: 'seed-%s-%d' % (kind, i),
                            'failed_auth_count': lambda i: 0})]


PLAN = [
    *_users('user'),
    ('ng_passkey', {'id': lambda i: _id('passkey', i),
                    'user_id': lambda i: _id('user', i),
                    'credential_id': lambda i: _id('credential', i),
                    'credential_id_hash': lambda i: hashlib.sha256(
                        _id('credential', i).encode()).hexdigest(),
                    'public_key': lambda i: 'AA',
                    'description': lambda i: 'seed'}),
    *_users('sa'),
    ('ng_service_account', {'id': lambda i: _id('sa', i),
                            'domain_id': lambda i: DOMAIN}),
    ('ng_identity_provider', {'id': lambda i: _id('idp', i),
                              'name': lambda i: 'seed-idp-%d' % i,
                              'domain_id': lambda i: DOMAIN,
                              'domain_scope': lambda i: DOMAIN,
                              'bound_issuer': lambda i:
                                  'https://seed-%d.example' % i}),
    ('ng_federation_mapping', {'id': lambda i: _id('mapping', i),
                               'name': lambda i: 'seed-%d' % i,
                               'idp_id': lambda i: _id('idp', i),
                               'domain_id': lambda i: DOMAIN,
                               'type': lambda i: 'jwt',
                               'user_id_claim': lambda i: 'sub',
                               'user_name_claim': lambda i: 'sub'}),
    ('ng_token_restriction', {'id': lambda i: _id('restriction', i),
                              'domain_id': lambda i: DOMAIN,
                              'description': lambda i: 'seed'}),
    ('ng_oauth2_client', {'id': lambda i: _id('client', i),
                          'domain_id': lambda i: DOMAIN,
                          'provider_id': lambda i: 'seed-client-%d' % i,
                          'name': lambda i: 'seed-client-%d' % i,
                          'token_endpoint_auth_method':
                              lambda i: 'client_secret_basic',
                          'grant_types': lambda i: _json(
                              ['authorization_code']),
                          'redirect_uris': lambda i: _json(
                              ['https://seed.example/cb'])}),
    ('ng_oauth2_refresh', {'id': lambda i: _id('refresh', i),
                           'family_id': lambda i: _id('family', i),
                           'domain_id': lambda i: DOMAIN,
                           'client_id': lambda i: _id('client', i),
                           'user_id': lambda i: _id('user', i),
                           'scope': lambda i: 'openid',
                           'expires_at': lambda i: datetime.datetime(
                               2100, 1, 1)}),
    ('ng_k8s_auth_instance', {'id': lambda i: _id('k8s', i),
                              'domain_id': lambda i: DOMAIN,
                              'name': lambda i: 'seed-%d' % i,
                              'host': lambda i: 'https://seed.example'}),
    ('ng_k8s_auth_role', {'id': lambda i: _id('k8srole', i),
                          'domain_id': lambda i: DOMAIN,
                          'instance_id': lambda i: _id('k8s', i),
                          'name': lambda i: 'seed',
                          'bound_service_account_names':
                              lambda i: _json(['*']),
                          'bound_service_account_namespaces':
                              lambda i: _json(['*']),
                          'alias_name_source':
                              lambda i: 'serviceaccount_uid',
                          'token_project_id': lambda i: _id('project', 0)}),
    ('ng_ceremony_state', {'id': lambda i: _id('ceremony', i),
                           'kind': lambda i: 'oidc.login',
                           'data': lambda i: '{}',
                           'created_at': lambda i: _PAST,
                           'expires_at': lambda i: _PAST}),
]

# The v4 lists an operator's admin reads: (name, path).
LISTS = [
    ('restrictions', '/v4/tokens/restrictions'),
    ('identity_providers', '/v4/federation/identity_providers'),
    ('mappings', '/v4/federation/mappings'),
    ('service_accounts', '/v4/service_accounts'),
    ('oauth2_clients', '/v4/oauth2/default/clients'),
    ('k8s_instances', '/v4/k8s_auth/instances'),
]


def _neutral(column, i):
    """A value of the column's type that satisfies NOT NULL."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, (sa.Integer, sa.BigInteger, sa.Numeric)):
        return 0
    if isinstance(kind, (sa.DateTime, sa.Date)):
        return datetime.datetime.utcnow().replace(microsecond=0)
    if isinstance(kind, sa.LargeBinary):
        return b''
    if isinstance(kind, sa.Text) or (isinstance(kind, sa.String) and
                                     not kind.length):
        return '[]'
    return 'seed-%d' % i


def seed(url, start, stop):
    """Insert rows start..stop-1 of every table of PLAN; returns seconds."""
    began = time.time()
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        with engine.begin() as conn:
            for name, overrides in PLAN:
                table = sa.Table(name, metadata, autoload_with=conn,
                                 extend_existing=True)
                needed = [c for c in table.columns
                          if c.name in overrides or
                          (not c.nullable and c.server_default is None and
                           not (c.primary_key and
                                isinstance(c.type, sa.Integer)))]
                for low in range(start, stop, CHUNK):
                    rows = [{c.name: (overrides[c.name](i)
                                      if c.name in overrides
                                      else _neutral(c, i))
                             for c in needed}
                            for i in range(low, min(stop, low + CHUNK))]
                    conn.execute(table.insert(), rows)
            if engine.dialect.name == 'postgresql':
                conn.execute(sa.text('ANALYZE'))
    finally:
        engine.dispose()
    return time.time() - began


def time_lists(dep, token, repeat=20) -> dict:
    """Median milliseconds of each list's first page (the deployment's
    page size) and of the page after it; the number of items a page
    held."""
    session = requests.Session()
    session.headers['X-Auth-Token'] = token
    found = {}
    for name, path in LISTS:
        times, size = [], None
        for _ in range(repeat):
            began = time.perf_counter()
            r = session.get(dep.base_url + path, timeout=60)
            times.append((time.perf_counter() - began) * 1000)
            r.raise_for_status()
            body = r.json()
            items = next(v for k, v in body.items()
                         if isinstance(v, list))
            size = len(items)
        found['list_' + name] = {'median_ms': statistics.median(times),
                                 'items': size,
                                 'next': bool((body.get('links') or {})
                                              .get('next'))}
    return found
