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
"""Workload logins on a real server, every database, with real issuers.

* npm oidc-provider mints client_credentials JWT access tokens (a real
  OAuth2 server; keys through its discovery document);
* tokens shaped like a GitHub Actions OIDC token and a Kubernetes projected
  service account token are signed by the test and served through a JWKS
  endpoint it runs on 127.0.0.1 (functional.issuer: no GitHub or
  Kubernetes API server can run here).
"""

import contextlib
import time
import uuid

import pytest
import requests

from keystone_ng_plugin_tests.functional import conftest
from keystone_ng_plugin_tests.functional import issuer as ng_issuer


@pytest.fixture
def issuer():
    server = ng_issuer.Issuer()
    yield server
    server.stop()


@contextlib.contextmanager
def _workload(admin, idp_fields, mapping_fields, roles=('reader',)):
    """A service account with a restriction in a new domain
    (conftest.service_account_in_new_domain), an IdP and a jwt mapping to
    the account; deleted afterwards."""
    with conftest.service_account_in_new_domain(admin, roles) as w:
        idp = admin.request('POST', '/v4/federation/identity_providers',
                            status=201, json={'identity_provider': dict(
                                {'name': 'wl', 'domain_id': w['domain'],
                                 'default_mapping_name': 'deploy'},
                                **idp_fields)}).json()['identity_provider']
        mapping = admin.request(
            'POST', '/v4/federation/mappings', status=201, json={
                'mapping': dict(
                    {'name': 'deploy', 'type': 'jwt', 'idp_id': idp['id'],
                     'user_id_claim': 'sub', 'user_name_claim': 'sub',
                     'service_account_id': w['account']['id'],
                     'token_restriction_id': w['restriction']['id']},
                    **mapping_fields)}).json()['mapping']
        try:
            yield dict(w, idp=idp, mapping=mapping)
        finally:
            admin.request('DELETE', '/v4/federation/identity_providers/' +
                          idp['id'], status=204)


def _login(keystone, idp_id, bearer, status=200, **headers):
    if bearer is not None:
        headers['Authorization'] = 'Bearer ' + bearer
    r = requests.post(keystone.base_url +
                      '/v4/federation/identity_providers/%s/jwt' % idp_id,
                      headers=headers, timeout=30)
    assert r.status_code == status, r.text
    if status != 200:
        assert 'X-Subject-Token' not in r.headers
        assert r.json()['error']['code'] == status
    return r


def test_oauth2_client_credentials_of_a_real_provider(keystone, admin,
                                                      oidc_provider):
    with _workload(admin, {
            'oidc_discovery_url': oidc_provider.discovery_url,
            'bound_issuer': oidc_provider.issuer}, {
            'bound_audiences': ['keystone'],
            'bound_claims': {'client_id': 'workload-1'}}) as w:
        access_token = oidc_provider.client_credentials()
        r = _login(keystone, w['idp']['id'], access_token)
        body = r.json()['token']
        assert body['user']['id'] == w['account']['id']
        assert body['project']['id'] == w['project']['id']
        assert [role['name'] for role in body['roles']] == ['reader']
        assert 'restricted' in body['methods']
        # what every service sees
        validated = admin.get('/auth/tokens', status=200, headers={
            'X-Subject-Token': r.headers['X-Subject-Token']}).json()['token']
        assert [role['name'] for role in validated['roles']] == ['reader']
        # another client of the same provider is not bound
        other = requests.post(oidc_provider.issuer + '/token',
                              auth=('keystone', 'keystone-secret'), data={
                                  'grant_type': 'client_credentials',
                                  'scope': 'openid'}, timeout=10)
        if other.ok:
            _login(keystone, w['idp']['id'], other.json()['access_token'],
                   401)


def _github_claims(issuer_url, **changes):
    now = int(time.time())
    claims = {'iss': issuer_url, 'aud': 'https://keystone.example',
              'sub': 'repo:org/app:environment:production',
              'repository': 'org/app', 'repository_owner': 'org',
              'ref': 'refs/heads/main', 'environment': 'production',
              'workflow': 'deploy', 'actor': 'octocat',
              'iat': now, 'nbf': now, 'exp': now + 300,
              'jti': uuid.uuid4().hex}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def test_github_actions_shaped_token_and_attacks(keystone, admin, issuer):
    with _workload(admin, {'oidc_discovery_url': issuer.discovery_url,
                           'bound_issuer': issuer.issuer}, {
            'bound_audiences': ['https://keystone.example'],
            'bound_subject': 'repo:org/app:environment:production',
            'bound_claims': {'repository': 'org/app',
                             'ref': 'refs/heads/main'}}) as w:
        idp_id = w['idp']['id']
        good = issuer.signed(_github_claims(issuer.issuer))
        r = _login(keystone, idp_id, good)
        assert r.json()['token']['user']['id'] == w['account']['id']
        _login(keystone, idp_id, good, **{'openstack-mapping': 'deploy'})
        now = int(time.time())
        c = _github_claims
        attacks = {
            'alg none': issuer.unsigned(c(issuer.issuer)),
            'HS256 keyed with the public key':
                issuer.hs256_with_public_key(c(issuer.issuer)),
            'expired': issuer.signed(c(issuer.issuer, iat=now - 7200,
                                       nbf=now - 7200, exp=now - 3600)),
            'not yet valid': issuer.signed(c(issuer.issuer,
                                             nbf=now + 3600)),
            'wrong issuer': issuer.signed(c('https://evil.example')),
            'wrong audience': issuer.signed(c(issuer.issuer,
                                              aud='https://other')),
            'missing aud': issuer.signed(c(issuer.issuer, aud=None)),
            'bound claim mismatch': issuer.signed(c(
                issuer.issuer, ref='refs/heads/feature')),
            'bound subject mismatch': issuer.signed(c(
                issuer.issuer, sub='repo:org/app:pull_request')),
            # over [ng_federation] max_token_bytes (4096 in the tests), under
            # gunicorn's header limit
            'oversized': issuer.signed(c(issuer.issuer, pad='x' * 3500)),
        }
        for name, bearer in attacks.items():
            try:
                _login(keystone, idp_id, bearer, 401)
            except AssertionError as exc:
                raise AssertionError('%s: %s' % (name, exc))
        # A flood of unknown kids does not hammer the JWKS endpoint: per
        # keystone worker, its first fetch (a worker that has not served
        # this IdP yet) and at most one re-fetch per interval.
        before = issuer.jwks_fetches
        for i in range(20):
            _login(keystone, idp_id, issuer.signed(
                c(issuer.issuer), key=issuer.other_key,
                kid='unknown-%d' % i), 401)
        assert issuer.jwks_fetches - before <= 2 * keystone.workers
        _login(keystone, idp_id, None, 401)
        # Disabled mapping, IdP, service account: 401, no token.
        for path, key in (
                ('/v4/federation/mappings/' + w['mapping']['id'], 'mapping'),
                ('/v4/federation/identity_providers/' + idp_id,
                 'identity_provider')):
            admin.request('PUT', path, status=200,
                          json={key: {'enabled': False}})
            _login(keystone, idp_id, good, 401)
            admin.request('PUT', path, status=200,
                          json={key: {'enabled': True}})
        admin.request('PATCH', '/v4/service_accounts/' + w['account']['id'],
                      status=200, json={'service_account': {
                          'enabled': False}})
        _login(keystone, idp_id, good, 401)


def test_kubernetes_projected_token_with_static_jwks_url(keystone, admin,
                                                         issuer):
    cluster = 'https://kubernetes.default.svc.cluster.local'
    with _workload(admin, {'jwks_url': issuer.issuer + '/jwks',
                           'bound_issuer': cluster}, {
            'bound_audiences': ['keystone'],
            'bound_claims': {'kubernetes.io.namespace': 'ci',
                             'kubernetes.io.serviceaccount.name':
                                 'deployer'}}) as w:
        now = int(time.time())

        def token(namespace='ci'):
            return issuer.signed({
                'iss': cluster, 'aud': ['keystone'],
                'sub': 'system:serviceaccount:%s:deployer' % namespace,
                'iat': now, 'nbf': now, 'exp': now + 600,
                'kubernetes.io': {
                    'namespace': namespace,
                    'serviceaccount': {'name': 'deployer',
                                       'uid': str(uuid.uuid4())},
                    'pod': {'name': 'job-x', 'uid': str(uuid.uuid4())}}})

        r = _login(keystone, w['idp']['id'], token())
        assert r.json()['token']['project']['id'] == w['project']['id']
        _login(keystone, w['idp']['id'], token('other'), 401)


def test_service_account_cannot_get_a_password(keystone, admin):
    account = admin.request('POST', '/v4/service_accounts', status=201,
                            json={'service_account': {
                                'name': 'sa-%s' % uuid.uuid4().hex[:8],
                                'domain_id': 'default'}}
                            ).json()['service_account']
    try:
        user = admin.get('/users/' + account['id'], status=200).json()[
            'user']
        assert user['service_account'] is True
        admin.request('PATCH', '/users/' + account['id'], status=403,
                      json={'user': {'password': 'S3cret-pass!'}})
        r = requests.post(keystone.auth_url + '/auth/tokens', json={
            'auth': {'identity': {'methods': ['password'], 'password': {
                'user': {'id': account['id'],
                         'password': 'S3cret-pass!'}}}}}, timeout=30)
        assert r.status_code == 401
        # Tokens for it, by a caller policy allows, audited.
        project = admin.project_id
        admin.request('PUT', '/projects/%s/users/%s/roles/%s' % (
            project, account['id'], admin.role_id('reader')), status=204)
        restriction = admin.request(
            'POST', '/v4/tokens/restrictions', status=201, json={
                'restriction': {'domain_id': 'default',
                                'user_id': account['id'],
                                'roles': [{'name': 'reader'}]}}
        ).json()['restriction']
        r = admin.request('POST', '/v4/service_accounts/%s/tokens' %
                          account['id'], status=201, json={'token': {
                              'restriction_id': restriction['id'],
                              'project_id': project, 'ttl': 120}})
        assert r.json()['token']['user']['id'] == account['id']
        with open(keystone.path('logs', 'keystone.log')) as log:
            audit = [line for line in log
                     if 'identity.service_account_token.created' in line]
        assert audit and admin.user_id in audit[-1]
    finally:
        admin.request('DELETE', '/v4/service_accounts/' + account['id'],
                      status=204)
