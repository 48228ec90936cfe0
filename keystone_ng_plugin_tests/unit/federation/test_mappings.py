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
"""Federation mapping CRUD and the rules every mapping keeps."""

import http.client

from keystone.common import provider_api
from keystone.tests import unit

from keystone_ng_plugin.federation import mapping
from keystone_ng_plugin_tests.unit.federation import test_identity_providers

PROVIDERS = provider_api.ProviderAPIs
URL = '/v4/federation/mappings'
BAD = http.client.BAD_REQUEST


class MappingTest(test_identity_providers.IdentityProviderTestCase):
    """Mappings (IdPs made with the IdP tests' helpers)."""

    def setUp(self):
        super().setUp()
        self.idp = self.create(domain_id=self.domain_id)
        self.global_idp = self.create()

    def mapping(self, status=http.client.CREATED, token=None, **fields):
        ref = {'name': 'm-%s' % unit.uuid.uuid4().hex[:8],
               'idp_id': self.idp['id'], 'user_id_claim': 'sub',
               'user_name_claim': 'preferred_username'}
        ref.update(fields)
        r = self.call('post', URL, token or self.admin, status,
                      {'mapping': ref})
        return r.json.get('mapping') if r.json else r

    def test_create_show_update_delete(self):
        m = self.mapping(groups_claim='groups', oidc_scopes=['openid'])
        self.assertEqual(('oidc', True, self.domain_id),
                         (m['type'], m['enabled'], m['domain_id']))
        shown = self.call('get', URL + '/' + m['id'], self.admin,
                          http.client.OK).json['mapping']
        self.assertEqual(m, shown)
        r = self.call('put', URL + '/' + m['id'], self.admin,
                      http.client.OK,
                      {'mapping': {'groups_claim': None, 'enabled': False}})
        self.assertEqual((None, False), (r.json['mapping']['groups_claim'],
                                         r.json['mapping']['enabled']))
        self.call('delete', URL + '/' + m['id'], self.admin,
                  http.client.NO_CONTENT)
        self.call('get', URL + '/' + m['id'], self.admin,
                  http.client.NOT_FOUND)

    def test_jwt_mapping_must_bind_its_audience(self):
        self.mapping(type='jwt', status=BAD)
        m = self.mapping(type='jwt', bound_audiences=['keystone'])
        self.call('put', URL + '/' + m['id'], self.admin, BAD,
                  {'mapping': {'bound_audiences': None}})
        self.mapping(type='jwt', bound_claims={'repository': 'org/repo'},
                     status=BAD)

    def test_token_project_must_be_in_the_mapping_domain(self):
        mine = unit.new_project_ref(domain_id=self.domain_id)
        PROVIDERS.resource_api.create_project(mine['id'], mine)
        self.mapping(token_project_id=mine['id'])
        other_domain = self._other_domain()
        theirs = unit.new_project_ref(domain_id=other_domain)
        PROVIDERS.resource_api.create_project(theirs['id'], theirs)
        self.mapping(token_project_id=theirs['id'], status=BAD)
        self.mapping(token_project_id='no-such-project', status=BAD)

    def test_domain_follows_a_domain_owned_idp(self):
        self.mapping(domain_id=self._other_domain(), status=BAD)
        m = self.mapping(idp_id=self.global_idp['id'],
                         domain_id_claim='tenant')
        self.assertIsNone(m['domain_id'])
        # Without either, users land in the domain keystone made for the
        # v3 IdP, as with v3 federation.
        self.assertIsNone(self.mapping(idp_id=self.global_idp['id'],
                                       name='plain')['domain_id'])

    def test_unknown_idp_and_later_features_are_400(self):
        self.mapping(idp_id='nope', status=BAD)
        self.mapping(token_restriction_id='r1', status=BAD)
        self.mapping(service_account_id='s1', status=BAD)
        self.call('post', URL, self.admin, BAD, {'mapping': {'name': 'x'}})

    def test_names_unique_per_idp(self):
        self.mapping(name='default')
        self.mapping(name='default', status=http.client.CONFLICT)
        self.mapping(name='default', idp_id=self.global_idp['id'],
                     domain_id_claim='tenant')

    def test_visibility_and_domain_manager(self):
        m = self.mapping()
        shared = self.mapping(idp_id=self.global_idp['id'],
                              domain_id_claim='tenant')
        reader = self._domain_token('reader', self._other_domain())
        seen = {x['id'] for x in self.call(
            'get', URL, reader, http.client.OK).json['mappings']}
        self.assertIn(shared['id'], seen)
        self.assertNotIn(m['id'], seen)
        manager = self._domain_token('manager')
        self.mapping(token=manager)
        self.mapping(token=manager, idp_id=self.global_idp['id'],
                     domain_id_claim='tenant', status=http.client.FORBIDDEN)

    def test_deleting_the_idp_deletes_its_mappings(self):
        m = self.mapping()
        self.call('delete', test_identity_providers.URL + '/' +
                  self.idp['id'], self.admin, http.client.NO_CONTENT)
        self.assertEqual([], mapping.get_manager().list(idp_id=m['idp_id']))
