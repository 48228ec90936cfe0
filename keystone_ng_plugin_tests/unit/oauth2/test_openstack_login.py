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
"""Keystone tokens from the provider's own access tokens, through
keystone's v3 federation auth route: the same local user (never a shadow
copy), a service account's restricted token, and what is refused (no
scope openstack, revoked, another domain's keys, a service-account client
without a restriction)."""

from keystone.common import provider_api
from keystone.tests import unit

from keystone_ng_plugin.oauth2 import keys
from keystone_ng_plugin.oauth2 import openstack
from keystone_ng_plugin_tests.unit import base
from keystone_ng_plugin_tests.unit.oauth2 import flow

PROVIDERS = provider_api.ProviderAPIs


class OpenStackLoginTest(flow.ProviderTestCase):

    def auth_plugin_config_override(self, methods=None, **method_classes):
        super().auth_plugin_config_override(
            methods=methods or base.AUTH_METHODS + ['openid'],
            **method_classes)

    def config_overrides(self):
        super().config_overrides()
        self.config_fixture.config(group='ng_federation',
                                   v3_oidc_protocols=['openid'])

    def setUp(self):
        super().setUp()
        self.issuer = 'http://localhost' + self.base
        self.assertIn('created', openstack.set_up_login(
            self.domain_id, self.issuer)[0])
        self.idp_id = openstack.federation_ids(self.domain_id)
        self.auth_path = ('/v3/OS-FEDERATION/identity_providers/%s/'
                          'protocols/openid/auth' % self.idp_id)
        self.web = self.make_client(
            'os-web', confidential=True,
            allowed_scopes=['openid', 'profile', 'openstack'],
            grant_types=['authorization_code'])
        self.web_id = self.web['oauth2_client']['client_id']

    def user_access_token(self, scope='openid openstack'):
        response = self.authorize(client_id=self.web_id, scope=scope)
        code = self.code_of(self.sign_in(response))
        return self.exchange(code, headers=self.basic(
            self.web_id, self.web['client_secret']))['access_token']

    def login(self, access_token, status=201):
        with self.test_client() as c:
            return c.post(self.auth_path, expected_status_code=status,
                          headers={'Authorization': 'Bearer ' +
                                   access_token})

    def test_a_user_logs_in_as_the_same_local_user(self):
        users_before = len(PROVIDERS.identity_api.list_users())
        token = self.login(self.user_access_token()).json['token']
        self.assertEqual(self.user['id'], token['user']['id'])
        self.assertNotIn('OS-FEDERATION', token['user'])
        self.assertEqual(['openid'], token['methods'])
        # no shadow user
        self.assertEqual(users_before,
                         len(PROVIDERS.identity_api.list_users()))

    def test_the_scope_openstack_gates_it(self):
        self.login(self.user_access_token('openid profile'), status=401)

    def test_a_revoked_access_token_is_refused(self):
        access = self.user_access_token()
        self.call('post', self.base + '/revoke', status=200,
                  headers=self.basic(self.web_id, self.web['client_secret']),
                  data={'token': access}, content_type=flow.FORM)
        self.login(access, status=401)

    def test_a_disabled_user_is_refused(self):
        access = self.user_access_token()
        PROVIDERS.identity_api.update_user(self.user['id'],
                                           {'enabled': False})
        self.login(access, status=401)

    def test_tokens_of_another_domains_provider_are_refused(self):
        other = unit.new_domain_ref()
        PROVIDERS.resource_api.create_domain(other['id'], other)
        keys.rotate(other['id'])
        # an IdP whose remote ID names the other domain's issuer: tokens
        # of this domain's provider do not verify with the other's keys
        openstack.set_up_login(other['id'], 'http://localhost/v4/oauth2/'
                               + other['id'])
        with self.test_client() as c:
            c.post('/v3/OS-FEDERATION/identity_providers/%s/protocols/'
                   'openid/auth' % openstack.federation_ids(other['id']),
                   expected_status_code=401, headers={
                       'Authorization': 'Bearer ' +
                       self.user_access_token()})

    def test_only_this_keystones_issuer_is_its_own_provider(self):
        self.config_fixture.config(public_endpoint='http://localhost')
        self.assertEqual((self.domain_id, self.issuer),
                         openstack.provider_of(['urn:x', self.issuer]))
        # another keystone's provider, on a path of the same shape, is an
        # external identity provider (its own keys, its discovery)
        self.assertIsNone(openstack.provider_of([
            'https://keystone-a.example.org/v4/oauth2/' + self.domain_id]))

    def test_set_up_login_is_idempotent_and_disables(self):
        self.assertIn('up to date', openstack.set_up_login(
            self.domain_id, self.issuer)[0])
        self.assertIn('updated', openstack.set_up_login(
            self.domain_id, self.issuer, enabled=False)[0])
        self.login(self.user_access_token(), status=401)


class ServiceAccountLoginTest(OpenStackLoginTest):
    """client_credentials: the account's restricted token."""

    def setUp(self):
        super().setUp()
        self.account = self.call(
            'post', '/v4/service_accounts', self.admin, 201,
            {'service_account': {'name': 'ci', 'domain_id': self.domain_id}}
        ).json['service_account']
        reader = unit.new_role_ref(name='reader-%s' % self.domain_id[:6])
        PROVIDERS.role_api.create_role(reader['id'], reader)
        PROVIDERS.assignment_api.create_grant(
            self.role_id, user_id=self.account['id'],
            project_id=self.project_id)
        PROVIDERS.assignment_api.create_grant(
            reader['id'], user_id=self.account['id'],
            project_id=self.project_id)
        self.reader_id = reader['id']
        self.restriction = self.call(
            'post', '/v4/tokens/restrictions', self.admin, 201,
            {'restriction': {'domain_id': self.domain_id,
                             'project_id': self.project_id,
                             'roles': [{'id': reader['id']}]}}
        ).json['restriction']

    def ci_client(self, **ref):
        body = self.make_client(
            'ci-%s' % len(ref), confidential=True, redirect_uris=[],
            grant_types=['client_credentials'],
            allowed_scopes=['openstack'],
            service_account_id=self.account['id'], **ref)
        return body['oauth2_client']['client_id'], body['client_secret']

    def service_token(self, client_id, secret, scope='openstack'):
        return self.token(headers=self.basic(client_id, secret),
                          grant_type='client_credentials',
                          scope=scope)['access_token']

    def test_a_service_account_gets_its_restricted_token(self):
        client_id, secret = self.ci_client(
            token_restriction_id=self.restriction['id'])
        answer = self.login(self.service_token(client_id, secret))
        token = answer.json['token']
        self.assertEqual(self.account['id'], token['user']['id'])
        self.assertEqual(self.project_id, token['project']['id'])
        self.assertIn('restricted', token['methods'])
        self.assertEqual([self.reader_id],
                         [r['id'] for r in token['roles']])
        # a restricted token: keystone's own guards refuse credentials
        self.call('post', '/v3/users/%s/application_credentials' %
                  self.account['id'], answer.headers['X-Subject-Token'],
                  403, {'application_credential': {'name': 'grow'}})

    def test_without_a_restriction_a_service_account_is_refused(self):
        client_id, secret = self.ci_client()
        self.login(self.service_token(client_id, secret), status=401)

    def test_a_restriction_must_have_a_project_and_be_of_the_account(self):
        for ref in ({'domain_id': self.domain_id,
                     'roles': [{'id': self.reader_id}]},
                    {'domain_id': self.domain_id,
                     'project_id': self.project_id,
                     'user_id': self.user['id'],
                     'roles': [{'id': self.reader_id}]}):
            other = self.call('post', '/v4/tokens/restrictions', self.admin,
                              201, {'restriction': ref}).json['restriction']
            self.call('post', self.base + '/clients', self.admin, 400,
                      {'oauth2_client': {
                          'provider_id': 'bad', 'confidential': True,
                          'grant_types': ['client_credentials'],
                          'service_account_id': self.account['id'],
                          'token_restriction_id': other['id']}})

    def test_a_deleted_restriction_is_unset_on_its_clients(self):
        client_id, secret = self.ci_client(
            token_restriction_id=self.restriction['id'])
        self.call('delete', '/v4/tokens/restrictions/' +
                  self.restriction['id'], self.admin, 204)
        client = self.call('get', self.base + '/clients/ci-1',
                           self.admin).json['oauth2_client']
        self.assertIsNone(client['token_restriction_id'])
        self.login(self.service_token(client_id, secret), status=401)
