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
"""The OpenID provider on the real server, on each database: the signing
keys (keystone-ng-manage oauth2_key_rotate, the JWKS, two nodes) and the
token endpoint with a real OAuth 2.0 client (authlib's)."""

import uuid

from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwk
from joserfc import jwt
import pytest
import requests

from keystone_ng_plugin.server import deployment
from keystone_ng_plugin_tests.functional import conftest


def _domain(dep, token):
    r = requests.post(dep.base_url + '/v3/domains', timeout=30,
                      headers={'X-Auth-Token': token},
                      json={'domain': {'name': 'op-' + uuid.uuid4().hex}})
    assert r.status_code == 201, r.text
    return r.json()['domain']['id']


def _jwks(base_url, domain_id, **headers):
    return requests.get('%s/v4/oauth2/%s/jwks' % (base_url, domain_id),
                        headers=headers, timeout=30)


def _rotate(dep, *args):
    return dep.manage('oauth2_key_rotate', *args, tool='keystone-ng-manage')


def test_rotation_and_jwks_shared_by_two_nodes(keystone, admin_token,
                                               tmp_path):
    domain_id = _domain(keystone, admin_token)
    assert _jwks(keystone.base_url, domain_id).status_code == 404
    out = _rotate(keystone, '--domain', domain_id)
    assert 'signs' in out and 'published' in out
    first = _jwks(keystone.base_url, domain_id)
    assert first.status_code == 200
    assert first.headers['Cache-Control'] == 'public, max-age=300'
    kids = [k['kid'] for k in first.json()['keys']]
    assert len(kids) == 2
    assert _jwks(keystone.base_url, domain_id,
                 **{'If-None-Match': first.headers['ETag']}
                 ).status_code == 304
    # the next key was just published: promoting it is refused
    with pytest.raises(deployment.DeploymentError) as refused:
        _rotate(keystone, '--domain', domain_id)
    assert 'jwks_max_age' in str(refused.value)
    with conftest.second_node(keystone, tmp_path) as node_b:
        # node B publishes what node A made, byte for byte
        other = _jwks(node_b.base_url, domain_id)
        assert other.text == first.text
        assert other.headers['ETag'] == first.headers['ETag']
        # rotated on node B: node A publishes it at once
        _rotate(node_b, '--domain', domain_id, '--force')
        after = _jwks(keystone.base_url, domain_id)
        assert after.headers['ETag'] != first.headers['ETag']
        rotated = [k['kid'] for k in after.json()['keys']]
        assert rotated[0] == kids[1]       # the next key signs
        assert rotated[2] == kids[0]       # the old one stays published
        assert after.text == _jwks(node_b.base_url, domain_id).text


def test_client_credentials_with_authlibs_client(keystone, admin_token):
    headers = {'X-Auth-Token': admin_token}
    account = requests.post(
        keystone.base_url + '/v4/service_accounts', headers=headers,
        timeout=30, json={'service_account': {
            'name': 'cc-' + uuid.uuid4().hex[:8], 'domain_id': 'default'}}
    ).json()['service_account']
    created = requests.post(
        keystone.base_url + '/v4/oauth2/default/clients', headers=headers,
        timeout=30, json={'oauth2_client': {
            'provider_id': 'cc-' + uuid.uuid4().hex[:8],
            'confidential': True, 'grant_types': ['client_credentials'],
            'allowed_scopes': ['openstack'],
            'service_account_id': account['id']}})
    assert created.status_code == 201, created.text
    client_id = created.json()['oauth2_client']['client_id']
    secret = created.json()['client_secret']
    if _jwks(keystone.base_url, 'default').status_code == 404:
        _rotate(keystone, '--domain', 'default')
    url = keystone.base_url + '/v4/oauth2/default/token'
    session = OAuth2Session(client_id, secret, scope='openstack')
    token = session.fetch_token(url, grant_type='client_credentials')
    assert token['token_type'] == 'Bearer'
    published = _jwks(keystone.base_url, 'default').json()
    claims = jwt.decode(token['access_token'],
                        jwk.KeySet.import_key_set(published)).claims
    assert claims['sub'] == account['id']
    assert claims['client_id'] == client_id
    # a wrong secret: RFC 6749's invalid_client, from authlib's client too
    wrong = OAuth2Session(client_id, secret + 'x')
    with pytest.raises(Exception) as refused:
        wrong.fetch_token(url, grant_type='client_credentials')
    assert 'invalid_client' in str(refused.value)
