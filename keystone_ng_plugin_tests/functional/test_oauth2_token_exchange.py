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
"""Token exchange (RFC 8693) on the real server, on each database: a user
subject, an application-credential subject, a restricted subject
(narrowed) and a cross-domain subject (refused); authlib's client makes
the exchanges that succeed."""

import uuid

from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwk
from joserfc import jwt
import requests

from keystone_ng_plugin_tests.functional import conftest

GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
KEYSTONE = 'urn:openstack:params:oauth:token-type:keystone'


class Exchange:
    """A service (confidential client with the grant) and a target."""

    def __init__(self, dep, admin):
        self.dep, self.admin = dep, admin
        self.issuer = dep.base_url + '/v4/oauth2/default'
        if requests.get(self.issuer + '/jwks', timeout=30).status_code == 404:
            dep.manage('oauth2_key_rotate', '--domain', 'default',
                       tool='keystone-ng-manage')
        service = self.client(grant_types=[GRANT],
                              allowed_scopes=['openstack:api', 'openstack'])
        self.client_id = service['oauth2_client']['client_id']
        self.secret = service['client_secret']
        self.target = self.client(redirect_uris=['https://app.example.org/'
                                                 'cb'])['oauth2_client'][
            'client_id']

    def client(self, **ref):
        return self.admin.request(
            'POST', '/v4/oauth2/default/clients', status=201,
            json={'oauth2_client': dict(
                ref, confidential=True,
                provider_id='x-' + uuid.uuid4().hex[:8])}).json()

    def __call__(self, subject, **extra):
        """The answer (status, body) for a keystone token."""
        extra.setdefault('audience', self.target)
        r = requests.post(self.issuer + '/token', timeout=30, data=dict(
            extra, grant_type=GRANT, subject_token=subject,
            subject_token_type=KEYSTONE), auth=(self.client_id, self.secret))
        return r.status_code, r.json()

    def claims(self, subject, **extra):
        """The access token's claims, exchanged by authlib's client."""
        extra.setdefault('audience', self.target)
        body = OAuth2Session(self.client_id, self.secret).fetch_token(
            self.issuer + '/token', grant_type=GRANT, subject_token=subject,
            subject_token_type=KEYSTONE, **extra)
        assert body['issued_token_type'] == \
            'urn:ietf:params:oauth:token-type:access_token'
        published = requests.get(self.issuer + '/jwks', timeout=30).json()
        return jwt.decode(body['access_token'],
                          jwk.KeySet.import_key_set(published)).claims


def test_user_app_credential_restricted_and_cross_domain_subjects(
        keystone, admin):
    exchange = Exchange(keystone, admin)
    user = admin.create_user(role='member')
    token = conftest.password_token(keystone, user=user['name'],
                                    password=user['password'])
    # a user subject
    claims = exchange.claims(token, scope='openstack:api')
    assert (claims['sub'], claims['aud'], claims['act']) == (
        user['id'], exchange.target, {'sub': exchange.client_id})
    assert claims['project_id'] == admin.project_id
    assert 'member' in claims['roles']
    assert claims['delegation_context'] == {'auth_method': 'plain'}
    # an application credential with one role of the user's
    cred = admin.request(
        'POST', '/users/%s/application_credentials' % user['id'],
        status=201, headers={'X-Auth-Token': token},
        json={'application_credential': {
            'name': 'x-' + uuid.uuid4().hex[:6],
            'roles': [{'name': 'reader'}]}}).json()['application_credential']
    app_token = requests.post(keystone.auth_url + '/auth/tokens', json={
        'auth': {'identity': {'methods': ['application_credential'],
                              'application_credential': {
                                  'id': cred['id'],
                                  'secret': cred['secret']}}}},
        timeout=30).headers['X-Subject-Token']
    claims = exchange.claims(app_token)
    assert claims['roles'] == ['reader']
    assert claims['delegation_context'] == {
        'auth_method': 'app_cred', 'delegated_project_id': admin.project_id}
    # a restricted token: narrowed, and never the scope openstack
    restriction = admin.request(
        'POST', '/v4/tokens/restrictions', status=201, json={
            'restriction': {'domain_id': 'default',
                            'project_id': admin.project_id,
                            'roles': [{'name': 'reader'}]}}
    ).json()['restriction']
    restricted = admin.request(
        'POST', '/v4/tokens/restrictions/%s/tokens' % restriction['id'],
        status=201, headers={'X-Auth-Token': token}
    ).headers['X-Subject-Token']
    claims = exchange.claims(restricted)
    assert claims['roles'] == ['reader']
    assert claims['delegation_context']['auth_method'] == 'restricted'
    status, body = exchange(restricted, scope='openstack')
    assert (status, body['error']) == (400, 'invalid_scope')
    # a user of another domain
    domain = admin.request('POST', '/domains', status=201, json={
        'domain': {'name': 'x-' + uuid.uuid4().hex[:8]}}).json()['domain']
    project = admin.request('POST', '/projects', status=201, json={
        'project': {'name': 'x', 'domain_id': domain['id']}}).json()[
        'project']
    password = uuid.uuid4().hex
    stranger = admin.request('POST', '/users', status=201, json={
        'user': {'name': 'stranger', 'domain_id': domain['id'],
                 'password': password}}).json()['user']
    admin.request('PUT', '/projects/%s/users/%s/roles/%s' % (
        project['id'], stranger['id'], admin.role_id('member')), status=204)
    foreign = requests.post(keystone.auth_url + '/auth/tokens', json={
        'auth': {'identity': {'methods': ['password'], 'password': {
            'user': {'id': stranger['id'], 'password': password}}},
            'scope': {'project': {'id': project['id']}}}},
        timeout=30).headers['X-Subject-Token']
    status, body = exchange(foreign)
    assert (status, body['error']) == (400, 'invalid_grant'), body
    # a revoked keystone token no longer exchanges
    admin.request('DELETE', '/auth/tokens', status=204,
                  headers={'X-Subject-Token': token})
    status, body = exchange(token)
    assert (status, body['error']) == (400, 'invalid_grant'), body
