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
"""Who may manage whose passkeys; passkeys go with their user."""

import http.client

from keystone.common import provider_api
from keystone.tests import unit

from keystone_ng_plugin_tests.unit.passkey import base

PROVIDERS = provider_api.ProviderAPIs
FORBIDDEN = http.client.FORBIDDEN


class PolicyTest(base.PasskeyTestCase):

    def setUp(self):
        super().setUp()
        self.owner = self.new_user()
        self.passkey = self.register(self.owner)
        self.url = '/v4/users/%s/passkeys' % self.owner['id']

    def _domain_token(self, role_name):
        user = unit.create_user(PROVIDERS.identity_api,
                                domain_id=self.domain_id)
        PROVIDERS.assignment_api.create_grant(
            self._role(role_name)['id'], user_id=user['id'],
            domain_id=self.domain_id)
        return self.get_requested_token(self.build_authentication_request(
            user_id=user['id'], password=user['password'],
            domain_id=self.domain_id))

    def test_other_member_cannot_see_or_touch(self):
        token = self.token_of(self.new_user())
        self.get(self.url, token, status=FORBIDDEN)
        self.get(self.url + '/' + self.passkey['id'], token,
                 status=FORBIDDEN)
        self.post(self.url + '/register_start', {}, token, status=FORBIDDEN)
        with self.test_client() as c:
            c.delete(self.url + '/' + self.passkey['id'],
                     headers={'X-Auth-Token': token},
                     expected_status_code=FORBIDDEN)

    def test_admin_can_list_and_delete(self):
        admin = self.admin_token()
        self.assertEqual(1, len(self.get(self.url, admin).json['passkeys']))
        with self.test_client() as c:
            c.delete(self.url + '/' + self.passkey['id'],
                     headers={'X-Auth-Token': admin})

    def test_domain_reader_lists_but_cannot_delete(self):
        token = self._domain_token('reader')
        self.get(self.url, token)
        with self.test_client() as c:
            c.delete(self.url + '/' + self.passkey['id'],
                     headers={'X-Auth-Token': token},
                     expected_status_code=FORBIDDEN)

    def test_only_the_user_registers_a_passkey_by_default(self):
        # an admin or manager holding a passkey for someone else could log
        # in as them
        for token in (self.admin_token(), self._domain_token('manager')):
            self.post(self.url + '/register_start', {}, token,
                      status=FORBIDDEN)
        self.post(self.url + '/register_start', {},
                  self.token_of(self.owner))

    def test_domain_manager_manages_users_of_their_domain(self):
        token = self._domain_token('manager')
        self.get(self.url, token)
        with self.test_client() as c:
            c.patch(self.url + '/' + self.passkey['id'],
                    json={'passkey': {'description': 'renamed'}},
                    headers={'X-Auth-Token': token})

    def test_manager_of_another_domain_cannot(self):
        domain = unit.new_domain_ref()
        PROVIDERS.resource_api.create_domain(domain['id'], domain)
        user = unit.create_user(PROVIDERS.identity_api,
                                domain_id=domain['id'])
        PROVIDERS.assignment_api.create_grant(
            self._role('manager')['id'], user_id=user['id'],
            domain_id=domain['id'])
        token = self.get_requested_token(self.build_authentication_request(
            user_id=user['id'], password=user['password'],
            domain_id=domain['id']))
        self.get(self.url, token, status=FORBIDDEN)

    def test_unknown_user_is_404_and_no_token_is_401(self):
        self.get('/v4/users/nobody/passkeys', self.admin_token(),
                 status=http.client.NOT_FOUND)
        with self.test_client() as c:
            c.get(self.url, expected_status_code=http.client.UNAUTHORIZED)

    def test_passkey_of_another_user_is_404(self):
        other = self.new_user()
        self.get('/v4/users/%s/passkeys/%s' % (other['id'],
                                               self.passkey['id']),
                 self.admin_token(), status=http.client.NOT_FOUND)

    def test_operator_can_tighten_in_policy_file(self):
        import os

        import fixtures

        from keystone.common.rbac_enforcer import enforcer
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'policy.yaml')
        with open(path, 'w') as f:
            f.write('"identity:ng:passkey:list": "rule:admin_required"\n')
        self.config_fixture.config(group='oslo_policy', policy_file=path)
        enforcer.RBACEnforcer()._reset()
        self.get(self.url, self.token_of(self.owner), status=FORBIDDEN)

    def test_deleting_the_user_deletes_its_passkeys(self):
        admin = self.admin_token()
        with self.test_client() as c:
            c.delete('/v3/users/%s' % self.owner['id'],
                     headers={'X-Auth-Token': admin})
        from keystone_ng_plugin.passkey import core
        self.assertEqual([], core.get_manager().list_passkeys(
            self.owner['id']))
