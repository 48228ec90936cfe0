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
"""Identity provider CRUD, its keystone v3 view, secrets and policy."""

import http.client

from keystone.common import provider_api
from keystone import exception
from keystone.tests import unit

from keystone_ng_plugin.federation import backends  # noqa: F401
from keystone_ng_plugin.federation.backends import sql as backend_sql
from keystone_ng_plugin.federation import core
from keystone_ng_plugin.common import sql
from keystone_ng_plugin_tests.unit import base

PROVIDERS = provider_api.ProviderAPIs
URL = '/v4/federation/identity_providers'
SECRET = 'very-secret-client-secret'


class IdentityProviderTestCase(base.TestCase):
    """Identity providers over the API (no tests of its own)."""

    def setUp(self):
        super().setUp()
        self.admin = self.admin_token()

    def create(self, token=None, status=http.client.CREATED, **fields):
        ref = {'name': 'idp-%s' % unit.uuid.uuid4().hex[:8],
               'oidc_discovery_url':
                   'https://idp.example/.well-known/openid-configuration',
               'oidc_client_id': 'keystone', 'oidc_client_secret': SECRET,
               'bound_issuer': 'https://idp.example/%s' % (
                   unit.uuid.uuid4().hex),
               'oidc_scopes': ['openid', 'profile'],
               'allowed_redirect_uris': ['https://dashboard.example/cb']}
        ref.update(fields)
        r = self.call('post', URL, token or self.admin, status,
                      {'identity_provider': ref})
        return r.json.get('identity_provider') if r.json else r

    def _domain_token(self, role, domain_id=None):
        domain_id = domain_id or self.domain_id
        user = unit.create_user(PROVIDERS.identity_api, domain_id=domain_id)
        PROVIDERS.assignment_api.create_grant(
            self._role(role)['id'], user_id=user['id'], domain_id=domain_id)
        return self.get_requested_token(self.build_authentication_request(
            user_id=user['id'], password=user['password'],
            domain_id=domain_id))

    def _other_domain(self):
        domain = unit.new_domain_ref()
        PROVIDERS.resource_api.create_domain(domain['id'], domain)
        return domain['id']


class IdentityProviderTest(IdentityProviderTestCase):

    def test_create_show_and_secret_never_returned(self):
        idp = self.create(domain_id=self.domain_id)
        self.assertNotIn('oidc_client_secret', idp)
        self.assertTrue(idp['enabled'])
        self.assertEqual(['openid', 'profile'], idp['oidc_scopes'])
        shown = self.call('get', URL + '/' + idp['id'], self.admin,
                          http.client.OK)
        self.assertEqual(idp, shown.json['identity_provider'])
        self.assertNotIn(SECRET, shown.data.decode())

    def test_secret_encrypted_at_rest_with_credential_keys(self):
        idp = self.create()
        with sql.session_for_read() as session:
            row = session.get(backend_sql.IdentityProviderModel, idp['id'])
            self.assertNotIn(SECRET, row.oidc_client_secret)
            self.assertTrue(row.oidc_client_secret_key_hash)
        self.assertEqual(SECRET, core.get_manager().client_secret(idp['id']))
        self.call('put', URL + '/' + idp['id'], self.admin, http.client.OK,
                  {'identity_provider': {'oidc_client_secret': None}})
        self.assertIsNone(core.get_manager().client_secret(idp['id']))

    def test_v3_identity_provider_follows(self):
        idp = self.create(domain_id=self.domain_id)
        v3 = PROVIDERS.federation_api.get_idp(idp['id'])
        self.assertEqual(idp['name'], v3['description'])
        self.assertEqual(self.domain_id, v3['domain_id'])
        self.assertEqual([idp['bound_issuer']], v3['remote_ids'])
        self.call('get', '/v3/OS-FEDERATION/identity_providers/' +
                  idp['id'], self.admin, http.client.OK)
        self.call('put', URL + '/' + idp['id'], self.admin, http.client.OK,
                  {'identity_provider': {'name': 'renamed',
                                         'enabled': False}})
        v3 = PROVIDERS.federation_api.get_idp(idp['id'])
        self.assertEqual(('renamed', False), (v3['description'],
                                              v3['enabled']))
        self.call('delete', URL + '/' + idp['id'], self.admin,
                  http.client.NO_CONTENT)
        self.assertRaises(Exception, PROVIDERS.federation_api.get_idp,
                          idp['id'])
        self.call('get', URL + '/' + idp['id'], self.admin,
                  http.client.NOT_FOUND)

    def test_global_idp_takes_its_generated_domain_along(self):
        idp = self.create()
        domain_id = PROVIDERS.federation_api.get_idp(idp['id'])['domain_id']
        group = PROVIDERS.identity_api.create_group(
            {'name': 'made-by-a-login', 'domain_id': domain_id})
        self.call('delete', URL + '/' + idp['id'], self.admin,
                  http.client.NO_CONTENT)
        self.assertRaises(exception.DomainNotFound,
                          PROVIDERS.resource_api.get_domain, domain_id)
        self.assertRaises(exception.GroupNotFound,
                          PROVIDERS.identity_api.get_group, group['id'])

    def test_generated_domain_with_projects_is_disabled_not_deleted(self):
        idp = self.create()
        domain_id = PROVIDERS.federation_api.get_idp(idp['id'])['domain_id']
        project = unit.new_project_ref(domain_id=domain_id)
        PROVIDERS.resource_api.create_project(project['id'], project)
        self.call('delete', URL + '/' + idp['id'], self.admin,
                  http.client.NO_CONTENT)
        self.assertFalse(
            PROVIDERS.resource_api.get_domain(domain_id)['enabled'])
        PROVIDERS.resource_api.get_project(project['id'])

    def test_a_domain_idp_leaves_its_domain_alone(self):
        idp = self.create(domain_id=self.domain_id)
        self.call('delete', URL + '/' + idp['id'], self.admin,
                  http.client.NO_CONTENT)
        self.assertTrue(
            PROVIDERS.resource_api.get_domain(self.domain_id)['enabled'])

    def test_issuer_of_another_idp_is_a_conflict_and_writes_nothing(self):
        first = self.create()
        before = len(core.get_manager().list())
        self.create(bound_issuer=first['bound_issuer'],
                    status=http.client.CONFLICT)
        self.assertEqual(before, len(core.get_manager().list()))

    def test_names_unique_per_domain_and_among_global_idps(self):
        self.create(name='corp')
        self.create(name='corp', status=http.client.CONFLICT)
        self.create(name='corp', domain_id=self.domain_id)
        self.create(name='corp', domain_id=self.domain_id,
                    status=http.client.CONFLICT)

    def test_invalid_bodies_are_400(self):
        for bad in ({'name': ''}, {'name': 'x', 'jwks_url': 'ftp://x'},
                    {'name': 'x', 'unknown': 1},
                    {'name': 'x', 'oidc_scopes': 'openid'},
                    {'name': 'x', 'domain_id': 'no-such-domain'},
                    {'name': 'x' * 256}):
            self.call('post', URL, self.admin, http.client.BAD_REQUEST,
                      {'identity_provider': bad})
        idp = self.create()
        self.call('put', URL + '/' + idp['id'], self.admin,
                  http.client.BAD_REQUEST,
                  {'identity_provider': {'domain_id': self.domain_id}})

    def test_list_visibility(self):
        global_idp = self.create()
        mine = self.create(domain_id=self.domain_id)
        theirs = self.create(domain_id=self._other_domain())

        def ids(response):
            return {i['id'] for i in response.json['identity_providers']}

        everything = ids(self.call('get', URL, self.admin, http.client.OK))
        self.assertTrue({global_idp['id'], mine['id'],
                         theirs['id']} <= everything)
        reader = self._domain_token('reader')
        seen = ids(self.call('get', URL, reader, http.client.OK))
        self.assertIn(global_idp['id'], seen)
        self.assertIn(mine['id'], seen)
        self.assertNotIn(theirs['id'], seen)
        self.call('get', URL + '/' + theirs['id'], reader,
                  http.client.FORBIDDEN)
        filtered = ids(self.call('get', URL + '?name=' + mine['name'],
                                 self.admin, http.client.OK))
        self.assertEqual({mine['id']}, filtered)

    def test_domain_manager_manages_only_their_domain(self):
        manager = self._domain_token('manager')
        idp = self.create(token=manager, domain_id=self.domain_id)
        self.call('put', URL + '/' + idp['id'], manager, http.client.OK,
                  {'identity_provider': {'enabled': False}})
        self.create(token=manager, status=http.client.FORBIDDEN)
        self.create(token=manager, domain_id=self._other_domain(),
                    status=http.client.FORBIDDEN)
        self.call('delete', URL + '/' + idp['id'], manager,
                  http.client.NO_CONTENT)

    def test_member_and_reader_cannot_create(self):
        reader = self._domain_token('reader')
        self.create(token=reader, domain_id=self.domain_id,
                    status=http.client.FORBIDDEN)

    def test_no_token_is_401(self):
        with self.test_client() as c:
            c.get(URL, expected_status_code=http.client.UNAUTHORIZED)
            c.get(URL + '/', expected_status_code=http.client.UNAUTHORIZED)
