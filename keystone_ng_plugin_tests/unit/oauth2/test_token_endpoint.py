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
"""The OpenID provider's token endpoint: the client_credentials grant."""

import base64
import time

from joserfc import jwk
from joserfc import jwt

from keystone_ng_plugin.oauth2 import keys
from keystone_ng_plugin_tests.unit import base

FORM = 'application/x-www-form-urlencoded'


class ClientCredentialsTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.admin = self.admin_token()
        self.account = self.call(
            'post', '/v4/service_accounts', self.admin, 201,
            {'service_account': {'name': 'ci', 'domain_id': self.domain_id}}
        ).json['service_account']
        body = self.call('post', '/v4/oauth2/%s/clients' % self.domain_id,
                         self.admin, 201, {'oauth2_client': {
                             'provider_id': 'ci', 'confidential': True,
                             'grant_types': ['client_credentials'],
                             'allowed_scopes': ['openstack', 'read'],
                             'service_account_id': self.account['id']}}
                         ).json
        self.client_id = body['oauth2_client']['client_id']
        self.secret = body['client_secret']
        keys.rotate(self.domain_id)
        self.url = '/v4/oauth2/%s/token' % self.domain_id

    def basic(self, client_id=None, secret=None):
        pair = '%s:%s' % (client_id or self.client_id,
                          secret if secret is not None else self.secret)
        return {'Authorization': 'Basic ' + base64.b64encode(
            pair.encode()).decode()}

    def token(self, status=200, headers=None, **form):
        form.setdefault('grant_type', 'client_credentials')
        return self.call('post', self.url, status=status,
                         headers=headers if headers is not None
                         else self.basic(), data=form, content_type=FORM)

    def test_an_rfc_9068_token_of_the_service_account(self):
        answer = self.token(scope='openstack')
        self.assertEqual('no-store', answer.headers['Cache-Control'])
        body = answer.json
        self.assertEqual(('Bearer', 900, 'openstack'), (
            body['token_type'], body['expires_in'], body['scope']))
        published = self.call('get', '/v4/oauth2/%s/jwks' % self.domain_id
                              ).json['keys']
        token = jwt.decode(body['access_token'],
                           jwk.KeySet.import_key_set({'keys': published}))
        self.assertEqual('at+jwt', token.header['typ'])
        self.assertEqual(published[0]['kid'], token.header['kid'])
        claims = token.claims
        self.assertEqual(self.account['id'], claims['sub'])
        self.assertEqual(self.client_id, claims['client_id'])
        self.assertEqual('openstack-apis:' + self.domain_id, claims['aud'])
        self.assertTrue(claims['iss'].endswith(
            '/v4/oauth2/' + self.domain_id))
        self.assertEqual('openstack', claims['scope'])
        self.assertLessEqual(abs(claims['iat'] - time.time()), 5)
        self.assertEqual(900, claims['exp'] - claims['iat'])
        self.assertTrue(claims['jti'])

    def test_client_secret_post(self):
        self.call('put', '/v4/oauth2/%s/clients/ci' % self.domain_id,
                  self.admin, 200, {'oauth2_client': {
                      'token_endpoint_auth_method': 'client_secret_post'}})
        self.token(headers={}, client_id=self.client_id,
                   client_secret=self.secret)
        # the method the client registered, and no other
        body = self.token(status=401).json
        self.assertEqual('invalid_client', body['error'])

    def test_client_authentication_failures_are_401_invalid_client(self):
        for headers in (self.basic(secret='wrong'),
                        self.basic(client_id='unknown'),
                        self.basic(client_id='a\x00b'),
                        self.basic(client_id='\ud800'.encode(
                            'utf-8', 'surrogatepass').decode('latin-1')),
                        self.basic(client_id='x' * 1000),
                        self.basic(secret='a\x00b'),
                        self.basic(secret='s' * 5000),
                        {}):
            answer = self.token(status=401, headers=headers)
            self.assertEqual('invalid_client', answer.json['error'])
        self.assertIn('Basic', self.token(
            status=401, headers=self.basic(secret='wrong')
        ).headers.get('WWW-Authenticate', ''))
        # another domain's endpoint does not know the client
        self.url = '/v4/oauth2/%s/token' % 'other-domain'
        self.assertEqual('invalid_client',
                         self.token(status=401).json['error'])

    def test_disabled_client_or_account(self):
        self.call('put', '/v4/oauth2/%s/clients/ci' % self.domain_id,
                  self.admin, 200, {'oauth2_client': {'enabled': False}})
        self.assertEqual('invalid_client',
                         self.token(status=401).json['error'])
        self.call('put', '/v4/oauth2/%s/clients/ci' % self.domain_id,
                  self.admin, 200, {'oauth2_client': {'enabled': True}})
        self.call('patch', '/v4/service_accounts/' + self.account['id'],
                  self.admin, 200,
                  {'service_account': {'enabled': False}})
        self.assertEqual('invalid_grant',
                         self.token(status=400).json['error'])

    def test_grant_and_scope_errors(self):
        self.assertEqual('invalid_scope', self.token(
            status=400, scope='openstack admin').json['error'])
        self.assertEqual('unsupported_grant_type', self.token(
            status=400, grant_type='password', username='x',
            password='y').json['error'])
        self.assertEqual('unsupported_grant_type', self.token(
            status=400, grant_type='').json['error'])
        self.call('put', '/v4/oauth2/%s/clients/ci' % self.domain_id,
                  self.admin, 400, {'oauth2_client': {
                      'grant_types': ['authorization_code']}})

    def test_no_signing_key_yet(self):
        keys.on_domain_deleted(self.domain_id)
        self.assertEqual('temporarily_unavailable',
                         self.token(status=503).json['error'])
