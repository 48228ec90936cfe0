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
"""Every federated login is audited exactly once, with the right outcome.

Read back as an operator reads them: the CADF ``identity.authenticate``
events that oslo.messaging's log driver writes to keystone's log (the
deployments' ``[oslo_messaging_notifications] driver = log``), picked out
by the request ID keystone answered with. For each login flow: its success
and each class of refusal (:mod:`keystone_ng_plugin.federation.errors`,
and a refusal of keystone's own at issuance).
"""

import json
import time
import urllib.parse

import requests

from keystone_ng_plugin_tests.functional import issuer as ng_issuer
from keystone_ng_plugin_tests.functional import test_oidc_login as oidc
from keystone_ng_plugin_tests.functional import test_v3_bearer as v3
from keystone_ng_plugin_tests.functional import test_websso as websso
from keystone_ng_plugin_tests.functional import test_workloads as workloads
from keystone_ng_plugin_tests.rally import ng_client

# pytest fixtures of the flows' own modules
sso = websso.sso
node = v3.node


def audited(dep, response) -> list[str]:
    """The outcomes of the identity.authenticate events of one request."""
    request_id = response.headers['x-openstack-request-id']
    outcomes = []
    with open(dep.path('logs', 'keystone.log'), errors='replace') as log:
        for line in log:
            if 'identity.authenticate' not in line or \
                    request_id not in line:
                continue
            event = json.loads(line[line.index('] {') + 2:])
            outcomes.append(event['payload']['outcome'])
    return outcomes


def _jwt_login(dep, idp_id, bearer, status, **headers):
    return workloads._login(dep, idp_id, bearer, status, **headers)


def test_jwt_login_success_and_each_refusal(keystone, admin):
    stand_in = ng_issuer.Issuer()
    try:
        with workloads._workload(admin, {
                'oidc_discovery_url': stand_in.discovery_url,
                'bound_issuer': stand_in.issuer}, {
                'bound_audiences': ['https://keystone.example']}) as w:
            idp_id = w['idp']['id']
            good = stand_in.signed(workloads._github_claims(stand_in.issuer))
            cases = [
                ('success', lambda: _jwt_login(keystone, idp_id, good, 200),
                 'success'),
                ('a forged JWT (LoginRefused)', lambda: _jwt_login(
                    keystone, idp_id, stand_in.unsigned(
                        workloads._github_claims(stand_in.issuer)), 401),
                 'failure'),
                ('no bearer (LoginRefused)', lambda: _jwt_login(
                    keystone, idp_id, None, 401), 'failure'),
                ('an unknown mapping (NoMapping)', lambda: _jwt_login(
                    keystone, idp_id, good, 401,
                    **{'openstack-mapping': 'nope'}), 'failure'),
            ]
            for name, call, outcome in cases:
                assert audited(keystone, call()) == [outcome], name
            # the service account disabled: keystone-side refusal at
            # issuance
            account = '/v4/service_accounts/' + w['account']['id']
            admin.request('PATCH', account, status=200, json={
                'service_account': {'enabled': False}})
            assert audited(keystone, _jwt_login(
                keystone, idp_id, good, 401)) == ['failure']
            admin.request('PATCH', account, status=200, json={
                'service_account': {'enabled': True}})
            # the IdP disabled (IdpDisabled)
            path = '/v4/federation/identity_providers/' + idp_id
            admin.request('PUT', path, status=200, json={
                'identity_provider': {'enabled': False}})
            assert audited(keystone, _jwt_login(
                keystone, idp_id, good, 401)) == ['failure']
            # the IdP's keys cannot be fetched (IdpUnavailable): 502
            admin.request('PUT', path, status=200, json={
                'identity_provider': {
                    'enabled': True, 'oidc_discovery_url': None,
                    'jwks_url': 'http://127.0.0.1:9/jwks'}})
            assert audited(keystone, _jwt_login(
                keystone, idp_id, good, 502)) == ['failure']
            # an unknown IdP is not an authentication attempt
            r = _jwt_login(keystone, 'nope', good, 404)
            assert audited(keystone, r) == []
    finally:
        stand_in.stop()


def test_oidc_callback_success_and_each_refusal(keystone, admin,
                                                oidc_provider):
    with oidc._idp(admin, oidc_provider) as idp:
        params = oidc._login_at_provider(
            oidc._start(keystone, idp['id'])['auth_url'])
        r = oidc._callback(keystone, params)
        assert audited(keystone, r) == ['success']
        # the state again (LoginRefused)
        r = oidc._callback(keystone, params, status=401)
        assert audited(keystone, r) == ['failure']
        # an unknown state, before any IdP is known (LoginRefused)
        r = oidc._callback(keystone, {'state': 'made-up', 'code': 'x'},
                           status=401)
        assert audited(keystone, r) == ['failure']
        # the IdP disabled between start and callback (IdpDisabled): 403
        params = oidc._login_at_provider(
            oidc._start(keystone, idp['id'])['auth_url'])
        path = '/v4/federation/identity_providers/' + idp['id']
        admin.request('PUT', path, status=200, json={
            'identity_provider': {'enabled': False}})
        r = oidc._callback(keystone, params, status=403)
        assert audited(keystone, r) == ['failure']
        admin.request('PUT', path, status=200, json={
            'identity_provider': {'enabled': True}})
        # a scope the user has no role on: keystone refuses at issuance
        project = admin.request('POST', '/projects', status=201, json={
            'project': {'name': 'audit-%s' % idp['id'][:8],
                        'domain_id': idp['domain_id']}}).json()['project']
        params = oidc._login_at_provider(oidc._start(
            keystone, idp['id'],
            scope={'project': {'id': project['id']}})['auth_url'])
        r = oidc._callback(keystone, params, status=401)
        assert audited(keystone, r) == ['failure']
        # starting a login authenticates nobody: not audited
        r = requests.post(keystone.base_url + '/v4/federation/'
                          'identity_providers/%s/auth' % idp['id'],
                          json={'redirect_uri': oidc.REDIRECT}, timeout=30)
        assert r.status_code == 200
        assert audited(keystone, r) == []


def test_websso_success_and_refusals(sso):
    dep, idp = sso
    callback = dep.base_url + '/v4/federation/websso/callback'
    start = requests.get(websso._websso_url(dep, idp['id']),
                         allow_redirects=False, timeout=30)
    assert start.status_code == 302, start.text
    params = ng_client.login_at_provider(start.headers['Location'],
                                         callback, 'alice', 'alice-pass')
    r = requests.get(callback, params=params, timeout=30)
    assert r.status_code == 200, r.text
    # keystone's mapped auth issued the token and audited it, once
    assert audited(dep, r) == ['success']
    # a used state (refused before keystone's auth): audited here, once
    r = requests.get(callback, params=params, timeout=30)
    assert r.status_code == 401, r.text
    assert audited(dep, r) == ['failure']


def test_v3_bearer_success_and_refusals(keystone, admin, node):
    stand_in = ng_issuer.Issuer(client_id='keystone')
    idp_id, _ = v3._v3_federation(admin, stand_in.issuer, 'audit')
    url = (node.auth_url + '/OS-FEDERATION/identity_providers/%s/protocols/'
           'openid/auth' % urllib.parse.quote(idp_id))
    now = int(time.time())
    claims = {'iss': stand_in.issuer, 'aud': 'keystone', 'sub': 'auditee',
              'iat': now, 'exp': now + 300}
    try:
        def post(bearer, status):
            r = requests.post(url, timeout=30, headers={
                'Authorization': 'Bearer ' + bearer})
            assert r.status_code == status, r.text
            return r

        # keystone's mapped auth audits the token it issues
        assert audited(node, post(stand_in.signed(claims), 201)) == [
            'success']
        # a bearer refused before keystone's auth: audited here, once
        assert audited(node, post(stand_in.unsigned(claims), 401)) == [
            'failure']
        assert audited(node, post(stand_in.signed(
            dict(claims, aud='other')), 401)) == ['failure']
    finally:
        v3._cleanup(admin, idp_id)
        stand_in.stop()
