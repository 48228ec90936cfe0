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
"""A verified federated identity becomes a keystone user and token."""

import datetime
import hashlib
from unittest import mock

from oslo_db import exception as db_exception

from keystone.common import provider_api
from keystone.common import sql as ks_sql
from keystone import exception
from keystone.identity.backends import sql_model
from keystone.tests import unit

from keystone_ng_plugin.federation import core
from keystone_ng_plugin.federation import flow
from keystone_ng_plugin.federation import login
from keystone_ng_plugin.federation.mapping_engine import Identity
from keystone_ng_plugin.federation import records
from keystone_ng_plugin_tests.unit import base

PROVIDERS = provider_api.ProviderAPIs
MAPPING = records.Mapping(id='m', idp_id='idp')


class FederatedLoginTest(base.TestCase):

    def setUp(self):
        super().setUp()
        # Audit notifications name the request's initiator.
        request = self.make_request()
        request.__enter__()
        self.addCleanup(request.__exit__, None, None, None)
        self.idp = core.get_manager().create({
            'name': 'idp-%s' % unit.uuid.uuid4().hex[:8],
            'domain_id': self.domain_id,
            'bound_issuer': 'https://idp.example/%s' % unit.uuid.uuid4().hex})
        self.alice = Identity('alice@idp', 'alice', self.domain_id,
                              ('devs', 'ops'))

    def _token(self, identity=None, scope=None, mapping=MAPPING,
               protocol=login.PROTOCOL_OIDC):
        # as a login endpoint runs it: refusals are keystone's errors
        with flow.attempt(flow.OIDC_CALLBACK, self.idp.id, protocol):
            return login.issue_token(self.idp.id, protocol, mapping,
                                     identity or self.alice, scope=scope)

    def _memberships(self, user_id):
        with ks_sql.session_for_read() as session:
            return {row.group_id: row.last_verified for row in session.query(
                sql_model.ExpiringUserGroupMembership).filter_by(
                    user_id=user_id)}

    def test_v3_protocols_exist_with_the_idp(self):
        for protocol in login.PROTOCOLS:
            ref = PROVIDERS.federation_api.get_protocol(self.idp.id,
                                                        protocol)
            self.assertEqual(core.V3_MAPPING_ID, ref['mapping_id'])
        rules = PROVIDERS.federation_api.get_mapping(core.V3_MAPPING_ID)
        self.assertEqual([], rules['rules'])

    def test_shadow_user_with_keystones_id_and_federated_token(self):
        token = self._token()
        expected = hashlib.sha256(
            (self.domain_id + 'user' + 'alice%40idp').encode()).hexdigest()
        self.assertEqual(expected, token.user_id)
        self.assertTrue(token.is_federated)
        self.assertEqual(self.idp.id, token.identity_provider_id)
        self.assertEqual(login.PROTOCOL_OIDC, token.protocol_id)
        self.assertEqual(['mapped'], token.methods)
        user = PROVIDERS.identity_api.get_user(token.user_id)
        self.assertEqual('alice', user['name'])
        self.assertEqual(self.domain_id, user['domain_id'])
        self.assertEqual(
            [{'idp_id': self.idp.id,
              'protocols': [{'protocol_id': 'oidc',
                             'unique_id': 'alice%40idp'}]}],
            PROVIDERS.shadow_users_api.get_federated_objects(user['id']))
        # keystone validates it like any federated token
        validated = PROVIDERS.token_provider_api.validate_token(token.id)
        self.assertEqual(token.user_id, validated.user_id)
        self.assertEqual(
            {PROVIDERS.identity_api.get_group_by_name(
                name, self.domain_id)['id'] for name in ('devs', 'ops')},
            {g['id'] for g in validated.federated_groups})

    def test_openid_method_when_configured(self):
        self.config_fixture.config(
            group='auth', methods=['password', 'token', 'mapped', 'openid'])
        self.assertEqual(['openid'], self._token().methods)
        self.config_fixture.config(group='auth', methods=['password'])
        self.assertRaises(exception.ValidationError, self._token)

    def test_second_login_reuses_the_user_and_refreshes_groups(self):
        first = self._token()
        groups = self._memberships(first.user_id)
        self.assertEqual(2, len(groups))
        with ks_sql.session_for_write() as session:
            session.query(sql_model.ExpiringUserGroupMembership).filter_by(
                user_id=first.user_id).update({
                    'last_verified': datetime.datetime(2020, 1, 1)})
        second = self._token(Identity('alice@idp', 'alice renamed',
                                      self.domain_id, ('devs',)))
        self.assertEqual(first.user_id, second.user_id)
        after = self._memberships(first.user_id)
        # ops is no longer asserted: gone; devs refreshed.
        self.assertEqual(1, len(after))
        self.assertGreater(list(after.values())[0],
                           datetime.datetime(2025, 1, 1))
        self.assertEqual('alice renamed',
                         PROVIDERS.shadow_users_api.get_federated_user(
                             self.idp.id, 'oidc', 'alice%40idp')['name'])

    def test_returning_user_is_not_shadowed_again_for_a_while(self):
        # keystone's tests run with [cache] enabled (memory backend).
        identity_api = PROVIDERS.identity_api
        first = self._token()
        devs_only = Identity('alice@idp', 'alice', self.domain_id, ('devs',))
        with mock.patch.object(identity_api, 'shadow_federated_user',
                               wraps=identity_api.shadow_federated_user
                               ) as shadowed:
            again = self._token()
            self.assertEqual(first.user_id, again.user_id)
            self.assertEqual({g['id'] for g in first.federated_groups},
                             {g['id'] for g in again.federated_groups})
            self.assertEqual(0, shadowed.call_count)
            # Other groups: shadowed (then remembered too).
            self._token(devs_only)
            self._token(devs_only)
            self.assertEqual(1, shadowed.call_count)
            # A group deleted meanwhile: shadowed (the group is made again).
            identity_api.delete_group(identity_api.get_group_by_name(
                'devs', self.domain_id)['id'])
            token = self._token(devs_only)
            self.assertEqual(2, shadowed.call_count)
            self.assertEqual(
                [identity_api.get_group_by_name('devs', self.domain_id)[
                    'id']], [g['id'] for g in token.federated_groups])
            # The user deleted meanwhile: shadowed (made again).
            identity_api.delete_user(first.user_id)
            self.assertEqual(first.user_id, self._token().user_id)
            self.assertEqual(3, shadowed.call_count)
            # Disabled meanwhile: refused at once.
            identity_api.update_user(first.user_id, {'enabled': False})
            self.assertRaises(exception.Unauthorized, self._token)
            identity_api.update_user(first.user_id, {'enabled': True})
            # shadow_refresh 0: every login shadows.
            self.config_fixture.config(group='ng_federation',
                                       shadow_refresh=0)
            calls = shadowed.call_count
            self._token()
            self._token()
            self.assertEqual(calls + 2, shadowed.call_count)

    def test_keystones_v3_identity_providers_are_cached(self):
        federation_api = PROVIDERS.federation_api
        driver = federation_api.driver
        idp_id = self.idp.id
        federation_api.get_idp(idp_id)
        with mock.patch.object(driver, 'get_idp',
                               wraps=driver.get_idp) as reads:
            token = self._token()
            first = federation_api.get_idp(idp_id)
            # A caller changing its copy changes nothing cached.
            first['description'] = 'changed by a caller'
            self.assertNotEqual('changed by a caller',
                                federation_api.get_idp(idp_id)['description'])
            PROVIDERS.token_provider_api.validate_token(token.id)
            self.assertEqual(0, reads.call_count)
            # keystone's own update and delete forget it at once.
            federation_api.update_idp(idp_id, {'description': 'new'})
            self.assertEqual('new', federation_api.get_idp(idp_id)[
                'description'])
            self.assertEqual(1, reads.call_count)
        core.get_manager().delete(idp_id)
        self.assertRaises(exception.IdentityProviderNotFound,
                          federation_api.get_idp, idp_id)

    def test_keystones_v3_protocols_are_cached(self):
        federation_api = PROVIDERS.federation_api
        driver = federation_api.driver
        idp_id, protocol = self.idp.id, login.PROTOCOL_OIDC
        mapping_id = federation_api.get_protocol(idp_id, protocol)[
            'mapping_id']
        with mock.patch.object(driver, 'get_protocol',
                               wraps=driver.get_protocol) as reads:
            first = federation_api.get_protocol(idp_id, protocol)
            first['remote_id_attribute'] = 'changed by a caller'
            self.assertNotEqual('changed by a caller',
                                federation_api.get_protocol(
                                    idp_id, protocol).get(
                                        'remote_id_attribute'))
            self.assertEqual(0, reads.call_count)
            # keystone's own update and delete forget it at once
            federation_api.update_protocol(idp_id, protocol, {
                'mapping_id': mapping_id, 'remote_id_attribute': 'X-Iss'})
            self.assertEqual('X-Iss', federation_api.get_protocol(
                idp_id, protocol)['remote_id_attribute'])
            self.assertEqual(1, reads.call_count)
            federation_api.delete_protocol(idp_id, protocol)
            self.assertRaises(exception.FederatedProtocolNotFound,
                              federation_api.get_protocol, idp_id, protocol)
            # so does deleting the identity provider (its protocols go)
            federation_api.get_protocol(idp_id, login.PROTOCOL_JWT)
        core.get_manager().delete(idp_id)
        self.assertRaises((exception.FederatedProtocolNotFound,
                           exception.IdentityProviderNotFound),
                          federation_api.get_protocol, idp_id,
                          login.PROTOCOL_JWT)

    def test_groups_created_once_in_the_users_domain(self):
        self._token()
        self._token(Identity('bob@idp', 'bob', self.domain_id, ('devs',)))
        groups = PROVIDERS.identity_api.list_groups(
            domain_scope=self.domain_id)
        self.assertEqual(1, len([g for g in groups if g['name'] == 'devs']))

    def test_group_roles_scope_the_token(self):
        project = unit.new_project_ref(domain_id=self.domain_id)
        PROVIDERS.resource_api.create_project(project['id'], project)
        scope = {'project': {'id': project['id']}}
        # No role yet: no token, but keystone's 401.
        self.assertRaises(exception.Unauthorized, self._token, scope=scope)
        devs = PROVIDERS.identity_api.get_group_by_name('devs',
                                                        self.domain_id)
        PROVIDERS.assignment_api.create_grant(
            self.role_id, group_id=devs['id'], project_id=project['id'])
        token = self._token(scope=scope)
        self.assertEqual(project['id'], token.project_id)
        self.assertEqual([self.role_id], [r['id'] for r in token.roles])
        # The mapping's token_project_id applies when no scope is asked.
        token = self._token(
            mapping=MAPPING.replace(token_project_id=project['id']))
        self.assertEqual(project['id'], token.project_id)

    def test_refused_identities(self):
        self.assertRaises(exception.ValidationError, self._token,
                          scope={'system': {'all': True}})
        self.assertRaises(exception.Unauthorized, self._token,
                          Identity('x', 'x', 'no-such-domain', ()))
        domain = unit.new_domain_ref(enabled=False)
        PROVIDERS.resource_api.create_domain(domain['id'], domain)
        self.assertRaises(exception.Unauthorized, self._token,
                          Identity('x', 'x', domain['id'], ()))
        user_id = self._token().user_id
        PROVIDERS.identity_api.update_user(user_id, {'enabled': False})
        self.assertRaises(exception.Unauthorized, self._token)

    def test_other_idp_cannot_take_over_a_user(self):
        user_id = self._token().user_id
        other = core.get_manager().create({
            'name': 'other', 'domain_id': self.domain_id,
            'bound_issuer': 'https://other.example'})
        self.assertRaises(exception.Conflict, login.issue_token,
                          other.id, login.PROTOCOL_OIDC, MAPPING,
                          self.alice)
        self.assertEqual(
            [self.idp.id],
            [ref['idp_id'] for ref in
             PROVIDERS.shadow_users_api.get_federated_objects(user_id)])

    def test_deleting_the_idp_deletes_its_users(self):
        user_id = self._token().user_id
        local = unit.create_user(PROVIDERS.identity_api,
                                 domain_id=self.domain_id)
        core.get_manager().delete(self.idp.id)
        self.assertRaises(exception.UserNotFound,
                          PROVIDERS.identity_api.get_user, user_id)
        PROVIDERS.identity_api.get_user(local['id'])
        self.assertRaises(exception.IdentityProviderNotFound,
                          PROVIDERS.federation_api.get_idp, self.idp.id)


class HandedOverShadowingTest(base.TestCase):
    """Logins the plugin verifies and hands to keystone's mapped auth (v3
    bearer tokens, WebSSO) remember keystone's shadowing too; every other
    caller of shadow_federated_user gets keystone's own."""

    def setUp(self):
        super().setUp()
        login.install()
        self.idp = core.get_manager().create({
            'name': 'idp-%s' % unit.uuid.uuid4().hex[:8],
            'domain_id': self.domain_id,
            'bound_issuer': 'https://idp.example/%s' % unit.uuid.uuid4().hex})
        self.group = PROVIDERS.identity_api.create_group(
            unit.new_group_ref(domain_id=self.domain_id))
        self.user = {'id': 'carol%40idp', 'name': 'carol',
                     'domain': {'id': self.domain_id}, 'type': 'ephemeral'}

    def _shadow(self, handed_over, user=None, group_ids=None):
        with self.make_request():
            if handed_over:
                login.handing_over()
            return PROVIDERS.identity_api.shadow_federated_user(
                self.idp.id, login.PROTOCOL_OIDC, user or self.user,
                group_ids=[self.group['id']] if group_ids is None
                else group_ids)

    def test_remembered_in_handed_over_logins_only(self):
        identity_api = PROVIDERS.identity_api
        with mock.patch.object(login, '_KEYSTONE_SHADOW',
                               wraps=login._KEYSTONE_SHADOW) as keystone:
            # keystone's own callers (a web server's REMOTE_USER, the
            # plugin's native logins, which remember on their own)
            first = self._shadow(False)
            self._shadow(False)
            self.assertEqual(2, keystone.call_count)
            # handed over: shadowed once, then remembered
            self.assertEqual(first['id'], self._shadow(True)['id'])
            self.assertEqual(first['id'], self._shadow(True)['id'])
            self.assertEqual(3, keystone.call_count)
            # anything else keystone would write: shadowed
            self._shadow(True, group_ids=[])
            self._shadow(True, user=dict(self.user, name='carol2'))
            self._shadow(True, user=dict(self.user, email='c@idp.example'))
            self.assertEqual(6, keystone.call_count)
            # the user deleted meanwhile: shadowed (made again)
            identity_api.delete_user(first['id'])
            self.assertEqual(first['id'], self._shadow(True)['id'])
            self.assertEqual(7, keystone.call_count)
            # disabled meanwhile: keystone's shadowing again (keystone
            # refuses the disabled user's token)
            identity_api.update_user(first['id'], {'enabled': False})
            self.assertFalse(self._shadow(True)['enabled'])
            self.assertEqual(8, keystone.call_count)
            identity_api.update_user(first['id'], {'enabled': True})
            # the group deleted meanwhile: keystone's shadowing (which
            # refuses a membership of a group that is gone)
            self._shadow(True)
            calls = keystone.call_count
            identity_api.delete_group(self.group['id'])
            self.assertRaises(db_exception.DBReferenceError, self._shadow,
                              True)
            self.assertEqual(calls + 1, keystone.call_count)
            # shadow_refresh 0: every login shadows
            self.config_fixture.config(group='ng_federation',
                                       shadow_refresh=0)
            self._shadow(True, group_ids=[])
            self._shadow(True, group_ids=[])
            self.assertEqual(calls + 3, keystone.call_count)
