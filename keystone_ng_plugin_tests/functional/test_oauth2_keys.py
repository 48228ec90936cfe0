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
"""The OpenID provider's signing keys on the real server, on each
database: keystone-ng-manage oauth2_key_rotate, the JWKS, two nodes."""

import uuid

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
