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
"""Identity provider CRUD on a real server, per database."""

import uuid

import sqlalchemy as sa

SECRET = 'functional-client-secret'


def test_identity_provider_lifecycle(keystone, admin):
    issuer = 'https://idp-%s.example' % uuid.uuid4().hex[:8]
    body = {'identity_provider': {
        'name': 'corp-%s' % uuid.uuid4().hex[:6], 'domain_id': 'default',
        'oidc_discovery_url': issuer + '/.well-known/openid-configuration',
        'oidc_client_id': 'keystone', 'oidc_client_secret': SECRET,
        'bound_issuer': issuer, 'oidc_scopes': ['openid', 'email'],
        'provider_config': {'note': 'x' * 2000}}}
    r = admin.request('POST', '/v4/federation/identity_providers',
                      status=201, json=body)
    assert SECRET not in r.text
    idp = r.json()['identity_provider']
    assert idp['provider_config'] == {'note': 'x' * 2000}

    # keystone's v3 API sees the same IdP, with the issuer as remote ID.
    v3 = admin.get('/OS-FEDERATION/identity_providers/' + idp['id'],
                   status=200).json()['identity_provider']
    assert v3['remote_ids'] == [issuer]
    assert v3['domain_id'] == 'default'

    # The secret is stored encrypted.
    engine = sa.create_engine(keystone.database_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(sa.text(
                'SELECT oidc_client_secret FROM ng_identity_provider '
                'WHERE id = :id'), {'id': idp['id']}).scalar()
    finally:
        engine.dispose()
    assert stored and SECRET not in stored

    # Same name in the same domain: 409, nothing written.
    admin.request('POST', '/v4/federation/identity_providers', status=409,
                  json={'identity_provider': {'name': idp['name'],
                                              'domain_id': 'default'}})
    r = admin.request('PUT', '/v4/federation/identity_providers/' +
                      idp['id'], status=200,
                      json={'identity_provider': {'enabled': False}})
    assert r.json()['identity_provider']['enabled'] is False
    listed = admin.request('GET', '/v4/federation/identity_providers',
                           status=200).json()['identity_providers']
    assert idp['id'] in [i['id'] for i in listed]
    # A mapping of it: typed claims and bindings, then cascaded.
    m = admin.request('POST', '/v4/federation/mappings', status=201, json={
        'mapping': {'name': 'default', 'idp_id': idp['id'], 'type': 'jwt',
                    'user_id_claim': 'sub', 'user_name_claim': 'sub',
                    'bound_audiences': ['keystone'],
                    'bound_claims': {'repository': 'org/repo',
                                     'ref_protected': True}}}).json()
    assert m['mapping']['domain_id'] == 'default'
    assert m['mapping']['bound_claims']['ref_protected'] is True
    admin.request('POST', '/v4/federation/mappings', status=400, json={
        'mapping': {'name': 'loose', 'idp_id': idp['id'], 'type': 'jwt',
                    'user_id_claim': 'sub', 'user_name_claim': 'sub'}})
    admin.request('DELETE', '/v4/federation/identity_providers/' +
                  idp['id'], status=204)
    admin.request('GET', '/v4/federation/mappings/' + m['mapping']['id'],
                  status=404)
    admin.get('/OS-FEDERATION/identity_providers/' + idp['id'], status=404)
    admin.request('GET', '/v4/federation/identity_providers/' + idp['id'],
                  status=404)
