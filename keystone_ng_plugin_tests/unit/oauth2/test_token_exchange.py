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
"""Token exchange (RFC 8693): keystone tokens of a user, an application
credential and a restriction exchange into access tokens for a target
client, never into more than they could do; other domains' tokens,
trusts, the scope openstack and malformed requests are refused."""

import time

from keystone.common import provider_api
from keystone.tests import unit

from keystone_ng_plugin.oauth2 import exchange
from keystone_ng_plugin_tests.unit.oauth2 import flow

PROVIDERS = provider_api.ProviderAPIs
KEYSTONE = exchange.KEYSTONE_TOKEN_TYPE


class TokenExchangeTest(flow.ProviderTestCase):

    def setUp(self):
        super().setUp()
        reader = unit.new_role_ref(name='reader')
        PROVIDERS.role_api.create_role(reader['id'], reader)
        for role_id in (self.role_id, reader['id']):
            PROVIDERS.assignment_api.create_grant(
                role_id, user_id=self.user['id'], project_id=self.project_id)
        self.reader = reader
        body = self.make_client(
            'gateway', confidential=True, redirect_uris=[],
            grant_types=[exchange.GRANT_TYPE],
            allowed_scopes=['openstack:api', 'profile', 'openstack'])
        self.gw_id = body['oauth2_client']['client_id']
        self.gw_secret = body['client_secret']
        self.target = self.make_client(
            'backend', confidential=True)['oauth2_client']['client_id']

    def exchange(self, subject, status=200, **form):
        form.setdefault('grant_type', exchange.GRANT_TYPE)
        form.setdefault('subject_token_type', KEYSTONE)
        form.setdefault('audience', self.target)
        return self.token(status=status,
                          headers=self.basic(self.gw_id, self.gw_secret),
                          subject_token=subject, **form)

    def validated(self, token):
        return self.call('get', '/v3/auth/tokens', self.admin, headers={
            'X-Subject-Token': token}).json['token']

    def test_a_user_token_for_a_target_client(self):
        subject = self.token_for(self.user, project_id=self.project_id)
        answer = self.exchange(subject, scope='openstack:api')
        self.assertEqual(exchange.ACCESS_TOKEN_TYPE,
                         answer['issued_token_type'])
        claims = self.decode(answer['access_token']).claims
        self.assertEqual(
            (self.user['id'], self.target, self.gw_id, {'sub': self.gw_id}),
            (claims['sub'], claims['aud'], claims['client_id'],
             claims['act']))
        keystone = self.validated(subject)
        self.assertEqual(sorted(r['name'] for r in keystone['roles']),
                         claims['roles'])
        self.assertEqual(self.project_id, claims['project_id'])
        self.assertEqual({'auth_method': 'plain'},
                         claims['delegation_context'])
        self.assertEqual('openstack:api', claims['scope'])
        # never outlives the subject
        self.assertLessEqual(claims['exp'], time.time() + 15 * 60 + 1)

    def test_a_restricted_token_stays_narrowed(self):
        restriction = self.call(
            'post', '/v4/tokens/restrictions', self.admin, 201,
            {'restriction': {'domain_id': self.domain_id,
                             'project_id': self.project_id,
                             'roles': [{'name': 'reader'}]}}
        ).json['restriction']
        restricted = self.call(
            'post', '/v4/tokens/restrictions/%s/tokens' % restriction['id'],
            self.token_for(self.user, project_id=self.project_id), 201
        ).headers['X-Subject-Token']
        answer = self.exchange(restricted)
        claims = self.decode(answer['access_token']).claims
        self.assertEqual(['reader'], claims['roles'])
        self.assertEqual({'auth_method': 'restricted',
                          'delegated_project_id': self.project_id},
                         claims['delegation_context'])
        # and it never logs in to keystone again
        answer = self.exchange(restricted, status=400, scope='openstack')
        self.assertEqual('invalid_scope', answer['error'])

    def test_an_application_credential_token(self):
        reader = self.reader
        body = self.call(
            'post', '/v3/users/%s/application_credentials' % self.user['id'],
            self.token_for(self.user, project_id=self.project_id), 201,
            {'application_credential': {
                'name': 'exchange', 'roles': [{'id': reader['id']}]}}
        ).json['application_credential']
        subject = self.call('post', '/v3/auth/tokens', status=201, body={
            'auth': {'identity': {
                'methods': ['application_credential'],
                'application_credential': {'id': body['id'],
                                           'secret': body['secret']}}}}
        ).headers['X-Subject-Token']
        answer = self.exchange(subject)
        claims = self.decode(answer['access_token']).claims
        self.assertEqual([reader['name']], claims['roles'])
        self.assertEqual('app_cred',
                         claims['delegation_context']['auth_method'])

    def test_another_domains_token_is_refused(self):
        other = unit.new_domain_ref()
        PROVIDERS.resource_api.create_domain(other['id'], other)
        stranger = unit.create_user(PROVIDERS.identity_api,
                                    domain_id=other['id'])
        project = unit.new_project_ref(domain_id=other['id'])
        PROVIDERS.resource_api.create_project(project['id'], project)
        PROVIDERS.assignment_api.create_grant(
            self.role_id, user_id=stranger['id'], project_id=project['id'])
        answer = self.exchange(self.token_for(
            stranger, project_id=project['id']), status=400)
        self.assertEqual('invalid_grant', answer['error'])
        self.assertIn('another domain', answer['error_description'])

    def test_a_trust_token_is_refused(self):
        trustee = unit.create_user(PROVIDERS.identity_api,
                                   domain_id=self.domain_id)
        trust = self.call('post', '/v3/OS-TRUST/trusts', self.token_for(
            self.user, project_id=self.project_id), 201, {'trust': {
                'trustor_user_id': self.user['id'],
                'trustee_user_id': trustee['id'],
                'project_id': self.project_id, 'impersonation': False,
                'roles': [{'id': self.role_id}]}}).json['trust']
        identity = {'methods': ['password'], 'password': {'user': {
            'id': trustee['id'], 'password': trustee['password']}}}
        subject = self.call('post', '/v3/auth/tokens', status=201, body={
            'auth': {'identity': identity,
                     'scope': {'OS-TRUST:trust': {'id': trust['id']}}}}
        ).headers['X-Subject-Token']
        answer = self.exchange(subject, status=400)
        self.assertEqual('invalid_grant', answer['error'])

    def test_malformed_requests(self):
        subject = self.token_for(self.user, project_id=self.project_id)
        cases = [
            ({'subject_token_type': 'urn:ietf:params:oauth:token-type:jwt'},
             'invalid_request'),
            ({'requested_token_type':
              'urn:ietf:params:oauth:token-type:refresh_token'},
             'invalid_request'),
            ({'actor_token': subject, 'actor_token_type': KEYSTONE},
             'invalid_request'),
            ({'audience': 'no-such-client'}, 'invalid_target'),
            ({'scope': 'email'}, 'invalid_scope'),
        ]
        for form, error in cases:
            self.assertEqual(error,
                             self.exchange(subject, 400, **form)['error'],
                             form)
        for garbage in ('not-a-token', 'x' * 9000, subject + 'x'):
            self.assertEqual('invalid_grant',
                             self.exchange(garbage, 400)['error'])

    def test_a_client_needs_the_grant_and_a_secret(self):
        subject = self.token_for(self.user, project_id=self.project_id)
        answer = self.token(status=400, grant_type=exchange.GRANT_TYPE,
                            subject_token=subject,
                            subject_token_type=KEYSTONE)
        self.assertEqual('unauthorized_client', answer['error'])
        self.call('post', self.base + '/clients', self.admin, 400,
                  {'oauth2_client': {
                      'provider_id': 'public-x', 'confidential': False,
                      'grant_types': [exchange.GRANT_TYPE]}})

    def test_discovery_lists_the_grant(self):
        document = self.call(
            'get', self.base + '/.well-known/openid-configuration').json
        self.assertIn(exchange.GRANT_TYPE, document['grant_types_supported'])
