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
"""The credential-creation matrix, on every database.

Every token kind (columns) tries every request that creates a credential
or issues a token (rows): the plugin's passkey registration, restriction,
restricted mint and service-account token, and keystone's application
credentials, trusts, EC2 and /v3/credentials. Every principal has the
admin role on the project, so policy never is the reason: what answers is
the delegation guard (keystone_ng_plugin.token.delegation) and keystone's
own guards. The expected answers are EXPECTED below, and the security page
of the docs shows the same table (checked here).
"""

import csv
import os
import time
import uuid

import pytest
import requests

import keystone_ng_plugin_tests
from keystone_ng_plugin_tests.functional import conftest
from keystone_ng_plugin_tests.functional import issuer as ng_issuer
from keystone_ng_plugin_tests.rally import ng_client
from keystone_ng_plugin_tests import softauthn

KINDS = ('password', 'passkey', 'OIDC', 'JWT', 'restricted',
         'app cred (restricted)', 'app cred (unrestricted)', 'trust',
         'service account')
Y, N = 'yes', 'no'
EXPECTED = {
    # creates: password, passkey, OIDC, JWT, restricted, app cred restricted
    # and unrestricted, trust, service account (KINDS)
    'passkey (register)':     (Y, Y, Y, N, N, N, N, N, N),
    'token restriction':      (Y, Y, Y, N, N, N, Y, N, N),
    'restricted token (mint)': (Y, Y, Y, N, N, N, N, N, N),
    'service account token':  (Y, Y, Y, N, N, N, Y, N, N),
    'OAuth2 client':          (Y, Y, Y, N, N, N, Y, N, N),
    'Kubernetes login instance': (Y, Y, Y, N, N, N, Y, N, N),
    'application credential': (Y, Y, Y, N, N, N, Y, N, N),
    'trust':                  (Y, Y, Y, N, N, N, N, N, N),
    'EC2 credential':         (Y, Y, Y, N, N, N, N, N, N),
    'credential (/v3/credentials)': (Y, Y, Y, N, N, N, N, N, N),
}
DOC = os.path.join(keystone_ng_plugin_tests.TOP, 'doc', 'source', 'admin',
                   'security.rst')
REDIRECT = conftest.OIDC_REDIRECT_URI


def _check(r, status):
    assert r.status_code == status, r.text
    return r


class Principals:
    """A project, and a token of every kind whose principal is admin on it
    (the trust's is the trustor's, by impersonation)."""

    def __init__(self, dep, admin):
        self.dep, self.admin = dep, admin
        self.cleanups = []

    def setup(self, oidc_provider, issuer):
        admin = self.admin
        self.project = admin.request('POST', '/projects', status=201, json={
            'project': {'name': 'matrix-%s' % uuid.uuid4().hex[:8],
                        'domain_id': 'default'}}).json()['project']['id']
        self.cleanups.append(('/projects/' + self.project,))
        self.alice = self.user()
        self.carol = admin.create_user()
        self.account = admin.request('POST', '/v4/service_accounts',
                                     status=201, json={'service_account': {
                                         'name': 'matrix-%s' %
                                         uuid.uuid4().hex[:8],
                                         'domain_id': 'default'}}
                                     ).json()['service_account']
        self.cleanups.append(('/v4/service_accounts/' + self.account['id'],))
        self.grant(self.account['id'])
        self.account_restriction = self.restriction(
            user_id=self.account['id'], project_id=self.project)
        # for the mint row: about nobody in particular
        self.any_restriction = self.restriction()
        self.tokens = {}
        password = self.password_token(self.alice)
        self.tokens['password'] = password
        self.tokens['passkey'] = self.passkey_token(password)
        self.tokens['OIDC'] = self.oidc_token(oidc_provider)
        self.tokens['JWT'] = self.jwt_token(issuer)
        self.tokens['restricted'] = self.mint(self.restriction(
            user_id=self.alice['id'], project_id=self.project,
            roles=['admin']), password)
        self.tokens['app cred (restricted)'] = self.app_cred_token(
            password, unrestricted=False)
        self.tokens['app cred (unrestricted)'] = self.app_cred_token(
            password, unrestricted=True)
        self.tokens['trust'] = self.trust_token(password)
        self.tokens['service account'] = self.mint_for_account()

    # -- setting up --------------------------------------------------------

    def url(self, path):
        return (self.dep.base_url if path.startswith('/v4/')
                else self.dep.auth_url) + path

    def call(self, method, path, token=None, **kwargs):
        headers = dict(kwargs.pop('headers', {}))
        if token:
            headers['X-Auth-Token'] = token
        return requests.request(method, self.url(path), headers=headers,
                                timeout=60, **kwargs)

    def grant(self, user_id, role='admin'):
        self.admin.request('PUT', '/projects/%s/users/%s/roles/%s' % (
            self.project, user_id, self.admin.role_id(role)), status=204)

    def user(self):
        user = self.admin.create_user()
        self.grant(user['id'])
        return user

    def restriction(self, roles=('reader',), **fields):
        body = dict({'domain_id': 'default',
                     'roles': [{'name': r} for r in roles]}, **fields)
        return self.admin.request('POST', '/v4/tokens/restrictions',
                                  status=201, json={'restriction': body}
                                  ).json()['restriction']['id']

    def password_token(self, user):
        r = _check(self.call('POST', '/auth/tokens', json={'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'id': user['id'], 'password': user['password']}}},
            'scope': {'project': {'id': self.project}}}}), 201)
        return r.headers['X-Subject-Token']

    def mint(self, restriction_id, token):
        return _check(self.call('POST', '/v4/tokens/restrictions/%s/tokens'
                                % restriction_id, token), 201
                      ).headers['X-Subject-Token']

    def passkey_token(self, password):
        authn = softauthn.SoftAuthenticator(
            origin=self.dep.passkey_origins[0])
        base = '/v4/users/%s/passkeys' % self.alice['id']
        options = _check(self.call('POST', base + '/register_start',
                                   password, json={}), 201).json()
        _check(self.call('POST', base + '/register_finish', password,
                         json=authn.create(options['public_key'])), 201)
        options = _check(self.call('POST', '/v4/auth/passkey/start', json={
            'passkey': {'user_id': self.alice['id'], 'scope': {
                'project': {'id': self.project}}}}), 201).json()
        r = _check(self.call('POST', '/v4/auth/passkey/finish',
                             json=authn.get(options['public_key'])), 201)
        assert r.json()['token']['methods'] == ['passkey']
        return r.headers['X-Subject-Token']

    def _federated_domain(self):
        domain = self.admin.request('POST', '/domains', status=201, json={
            'domain': {'name': 'matrix-fed-%s' % uuid.uuid4().hex[:8]}}
        ).json()['domain']['id']
        self.cleanups.append(('/domains/' + domain, {'domain': {
            'enabled': False}}))
        return domain

    def _idp(self, body):
        idp = self.admin.request(
            'POST', '/v4/federation/identity_providers', status=201,
            json={'identity_provider': body}).json()['identity_provider']
        self.cleanups.append(('/v4/federation/identity_providers/' +
                              idp['id'],))
        return idp

    def cleanup(self):
        """Delete what was made, newest first (IdPs take their mappings
        and shadow users; the other tests reuse the same issuers)."""
        for path, *patch in reversed(self.cleanups):
            if patch:
                self.admin.request('PATCH', path, json=patch[0])
            self.admin.request('DELETE', path)

    def oidc_token(self, provider):
        idp = self._idp({
                'name': 'matrix-oidc', 'domain_id': self._federated_domain(),
                'oidc_discovery_url': provider.discovery_url,
                'oidc_client_id': 'keystone',
                'oidc_client_secret': 'keystone-secret',
                'bound_issuer': provider.issuer,
                'oidc_scopes': ['openid', 'profile'],
                'allowed_redirect_uris': [REDIRECT],
                'default_mapping_name': 'people'})
        self.admin.request('POST', '/v4/federation/mappings', status=201,
                           json={'mapping': {
                               'name': 'people', 'idp_id': idp['id'],
                               'user_id_claim': 'sub',
                               'user_name_claim': 'preferred_username'}})

        def login(scope=None):
            body = {'redirect_uri': REDIRECT}
            if scope:
                body['scope'] = scope
            start = _check(self.call(
                'POST', '/v4/federation/identity_providers/%s/auth' %
                idp['id'], json=body), 200).json()
            params = ng_client.login_at_provider(start['auth_url'],
                                                 REDIRECT, 'bob', 'bob-pass')
            return _check(self.call('POST', '/v4/federation/oidc/callback',
                                    json=params), 200)

        # the first login makes the shadow user; then it gets the role
        self.grant(login().json()['token']['user']['id'])
        return login({'project': {'id': self.project}}).headers[
            'X-Subject-Token']

    def jwt_token(self, issuer):
        idp = self._idp({
            # its mapping's project must be of its domain
            'name': 'matrix-jwt', 'domain_id': 'default',
            'jwks_url': issuer.issuer + '/jwks',
            'bound_issuer': issuer.issuer, 'default_mapping_name': 'ci'})
        mapping = self.admin.request(
            'POST', '/v4/federation/mappings', status=201, json={'mapping': {
                'name': 'ci', 'type': 'jwt', 'idp_id': idp['id'],
                'user_id_claim': 'sub', 'user_name_claim': 'sub',
                'bound_audiences': ['keystone']}}).json()['mapping']

        def login():
            now = int(time.time())
            bearer = issuer.signed({'iss': issuer.issuer, 'aud': 'keystone',
                                    'sub': 'ci-runner', 'iat': now,
                                    'exp': now + 300})
            return _check(self.call(
                'POST', '/v4/federation/identity_providers/%s/jwt' %
                idp['id'], headers={'Authorization': 'Bearer ' + bearer}),
                200)

        self.grant(login().json()['token']['user']['id'])
        self.admin.request('PUT', '/v4/federation/mappings/' + mapping['id'],
                           status=200, json={'mapping': {
                               'token_project_id': self.project}})
        r = login()
        assert r.json()['token']['project']['id'] == self.project
        return r.headers['X-Subject-Token']

    def app_cred_token(self, password, unrestricted):
        ref = _check(self.call(
            'POST', '/users/%s/application_credentials' % self.alice['id'],
            password, json={'application_credential': {
                'name': uuid.uuid4().hex, 'unrestricted': unrestricted}}),
            201).json()['application_credential']
        r = self.call('POST', '/auth/tokens', json={'auth': {
            'identity': {'methods': ['application_credential'],
                         'application_credential': {
                             'id': ref['id'], 'secret': ref['secret']}}}})
        return _check(r, 201).headers['X-Subject-Token']

    def trust_token(self, password):
        trustee = self.user()
        trust = _check(self.call('POST', '/OS-TRUST/trusts', password, json={
            'trust': {'trustor_user_id': self.alice['id'],
                      'trustee_user_id': trustee['id'],
                      'project_id': self.project, 'impersonation': True,
                      'roles': [{'name': 'admin'}]}}), 201).json()['trust']
        trustee_token = self.password_token(trustee)
        return _check(self.call('POST', '/auth/tokens', json={'auth': {
            'identity': {'methods': ['token'],
                         'token': {'id': trustee_token}},
            'scope': {'OS-TRUST:trust': {'id': trust['id']}}}}),
            201).headers['X-Subject-Token']

    def mint_for_account(self):
        return _check(self.admin.request(
            'POST', '/v4/service_accounts/%s/tokens' % self.account['id'],
            json={'token': {'restriction_id': self.account_restriction}}),
            201).headers['X-Subject-Token']

    # -- the rows ----------------------------------------------------------

    def user_of(self, token):
        return self.admin.get('/auth/tokens', status=200, headers={
            'X-Subject-Token': token}).json()['token']['user']['id']

    def attempt(self, row, token):
        """One request of the row with the token: its status."""
        user = self.user_of(token)
        requests_by_row = {
            'passkey (register)': (
                'POST', '/v4/users/%s/passkeys/register_start' % user, {}),
            'token restriction': (
                'POST', '/v4/tokens/restrictions', {'restriction': {
                    'domain_id': 'default', 'user_id': user,
                    'project_id': self.project,
                    'roles': [{'name': 'reader'}]}}),
            'restricted token (mint)': (
                'POST', '/v4/tokens/restrictions/%s/tokens' %
                self.any_restriction, None),
            'service account token': (
                'POST', '/v4/service_accounts/%s/tokens' %
                self.account['id'],
                {'token': {'restriction_id': self.account_restriction}}),
            'OAuth2 client': (
                'POST', '/v4/oauth2/default/clients', {'oauth2_client': {
                    'provider_id': uuid.uuid4().hex, 'confidential': True,
                    'redirect_uris': ['https://app.example.org/cb']}}),
            'Kubernetes login instance': (
                'POST', '/v4/k8s_auth/instances', {'instance': {
                    'domain_id': 'default', 'name': uuid.uuid4().hex,
                    'host': 'https://kubernetes.example:6443',
                    'disable_local_ca_jwt': True}}),
            'application credential': (
                'POST', '/users/%s/application_credentials' % user,
                {'application_credential': {'name': uuid.uuid4().hex}}),
            'trust': ('POST', '/OS-TRUST/trusts', {'trust': {
                'trustor_user_id': user,
                'trustee_user_id': self.carol['id'],
                'project_id': self.project, 'impersonation': False,
                'roles': [{'name': 'reader'}]}}),
            'EC2 credential': (
                'POST', '/users/%s/credentials/OS-EC2' % user,
                {'tenant_id': self.project}),
            'credential (/v3/credentials)': (
                'POST', '/credentials', {'credential': {
                    'type': 'matrix', 'user_id': user,
                    'blob': uuid.uuid4().hex}}),
        }
        method, path, body = requests_by_row[row]
        kwargs = {'json': body} if body is not None else {}
        r = self.call(method, path, token, **kwargs)
        if r.status_code == 403:
            assert r.json()['error']['code'] == 403, r.text
        return r.status_code


@pytest.fixture
def issuer():
    server = ng_issuer.Issuer()
    yield server
    server.stop()


def test_credential_creation_matrix(keystone, admin, oidc_provider,
                                    issuer):
    principals = Principals(keystone, admin)
    try:
        principals.setup(oidc_provider, issuer)
        got = {}
        for row in EXPECTED:
            got[row] = tuple(
                {201: Y, 403: N}.get(status, str(status))
                for status in (principals.attempt(
                    row, principals.tokens[kind]) for kind in KINDS))
    finally:
        principals.cleanup()
    assert got == EXPECTED


def doc_table() -> dict:
    """The matrix as doc/source/admin/security.rst shows it."""
    with open(DOC) as f:
        text = f.read()
    block = text.split('.. credential-matrix:', 1)[1]
    table = block.split('.. csv-table::', 1)[1]
    # the rows: the indented paragraph after the directive's options
    rows = table.split('\n\n', 2)[1]
    parsed = list(csv.reader([line.strip() for line in rows.splitlines()],
                             skipinitialspace=True))
    header = next(csv.reader(
        [table.split(':header:', 1)[1].splitlines()[0]],
        skipinitialspace=True))
    assert tuple(h.strip() for h in header[1:]) == KINDS
    return {row[0]: tuple(row[1:]) for row in parsed}


def test_the_docs_show_the_same_matrix():
    assert doc_table() == EXPECTED
