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
"""Signing-key rotation under load, on each database: two nodes, a
bounded load of provider logins (client_credentials, on both nodes) and
validations (a relying party's offline check against the JWKS it fetched
once before the load, and introspection on the other node), and
``keystone-ng-manage oauth2_key_rotate`` in the middle. Zero failed
logins or validations: the next key was published before it signs, and
the retired key stays published."""

import base64
import concurrent.futures
import threading
import time
import uuid

from joserfc import jwk
from joserfc import jwt
import requests

from keystone_ng_plugin_tests.functional import conftest

WORKERS = 4
# per worker and half: then the second half goes on until both nodes sign
# with the new key (within 10 s), for 60 s at most
ROUNDS = 30


def test_rotation_in_the_middle_of_the_load(keystone, admin, tmp_path):
    issuer = keystone.base_url + '/v4/oauth2/default'
    if requests.get(issuer + '/jwks', timeout=30).status_code == 404:
        keystone.manage('oauth2_key_rotate', '--domain', 'default',
                        tool='keystone-ng-manage')
    account = admin.request('POST', '/v4/service_accounts', status=201,
                            json={'service_account': {
                                'name': 'load-' + uuid.uuid4().hex[:8],
                                'domain_id': 'default'}}
                            ).json()['service_account']
    body = admin.request('POST', '/v4/oauth2/default/clients', status=201,
                         json={'oauth2_client': {
                             'provider_id': 'load-' + uuid.uuid4().hex[:8],
                             'confidential': True,
                             'grant_types': ['client_credentials'],
                             'allowed_scopes': ['openstack:api'],
                             'service_account_id': account['id']}}).json()
    auth = (body['oauth2_client']['client_id'], body['client_secret'])
    basic = 'Basic ' + base64.b64encode(('%s:%s' % auth).encode()).decode()
    # node B: the same deployment behind the same public endpoint (the same
    # issuer); RPs cache its JWKS for 2 s only, so the next key published
    # 2 s ago may sign
    with conftest.second_node(keystone, tmp_path, DEFAULT={
            'public_endpoint': keystone.base_url,
            'notification_opt_out': ''},
            oauth2={'jwks_max_age': '2'}) as node_b:
        nodes = [keystone.base_url, node_b.base_url]
        time.sleep(2.5)
        # the relying party fetches the JWKS once, before the load
        jwks = jwk.KeySet.import_key_set(
            requests.get(issuer + '/jwks', timeout=30).json())
        failures, kids, new_kid_from = [], {}, set()
        lock = threading.Lock()
        rotated_at = []

        def worker(n, rounds, until_new_key=False):
            session = requests.Session()
            deadline = time.monotonic() + 60
            i = 0
            while i < rounds or (until_new_key and len(new_kid_from) < 2
                                 and time.monotonic() < deadline):
                login, check = nodes[(n + i) % 2], nodes[(n + i + 1) % 2]
                i += 1
                try:
                    r = session.post(
                        login + '/v4/oauth2/default/token', timeout=30,
                        headers={'Authorization': basic},
                        data={'grant_type': 'client_credentials',
                              'scope': 'openstack:api'})
                    if r.status_code != 200:
                        raise AssertionError('login %d: %s' % (
                            r.status_code, r.text))
                    token = r.json()['access_token']
                    kid = jwt.decode(token, jwks).header['kid']
                    with lock:
                        kids[kid] = kids.get(kid, 0) + 1
                        if rotated_at and kid != first_kid[0]:
                            new_kid_from.add(login)
                    seen = session.post(
                        check + '/v4/oauth2/default/introspect', timeout=30,
                        headers={'Authorization': basic},
                        data={'token': token})
                    if seen.status_code != 200 or \
                            seen.json().get('active') is not True:
                        raise AssertionError('introspection %d: %s' % (
                            seen.status_code, seen.text))
                except Exception as exc:  # every failure counts
                    with lock:
                        failures.append('%s: %s' % (type(exc).__name__,
                                                    exc))

        first_kid = []
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            # the first half of the load, then the rotation while the
            # second half runs: until both nodes sign with the new key
            # (each reads it again within 10 s), bounded
            for future in [pool.submit(worker, n, ROUNDS // 2)
                           for n in range(WORKERS)]:
                future.result(timeout=300)
            first_kid.extend(kids)
            running = [pool.submit(worker, n, ROUNDS // 2, True)
                       for n in range(WORKERS)]
            rotated = node_b.manage('oauth2_key_rotate', '--domain',
                                    'default', tool='keystone-ng-manage')
            rotated_at.append(time.monotonic())
            for future in running:
                future.result(timeout=300)
        assert failures == [], failures[:5]
        assert 'retired key' in rotated and 'signs' in rotated, rotated
        # tokens were signed by the old key and, on both nodes, the new one
        assert len(first_kid) == 1 and len(kids) == 2, (kids, rotated)
        assert new_kid_from == set(nodes)
        # both nodes publish the same keys, the retired one included
        published = [requests.get(node + '/v4/oauth2/default/jwks',
                                  timeout=30).json() for node in nodes]
        assert published[0] == published[1]
        assert set(kids) <= {key['kid'] for key in published[0]['keys']}
