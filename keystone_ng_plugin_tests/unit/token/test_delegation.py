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
"""A delegated token never creates a credential or a broader token, and a
service account never logs in unrestricted (in process; the matrix of
every token kind against every endpoint runs on a real server in
tests/functional/test_delegation.py)."""

import os
from unittest import mock
import uuid

import fixtures
from pycadf import cadftaxonomy as taxonomy

from keystone.auth.plugins import totp
from keystone.common import provider_api
from keystone.common.rbac_enforcer import enforcer
from keystone import notifications

from keystone_ng_plugin.passkey import core as passkeys
from keystone_ng_plugin_tests import jwtissuer
from keystone_ng_plugin_tests import softauthn
from keystone_ng_plugin_tests.unit.passkey import base as passkey_base
from keystone_ng_plugin_tests.unit.restriction import test_restrictions
from keystone_ng_plugin_tests.unit.service_account import test_workloads
from keystone_ng_plugin.token import delegation

PROVIDERS = provider_api.ProviderAPIs
OK, CREATED, UNAUTHORIZED, FORBIDDEN = 200, 201, 401, 403


class DelegationTestCase(test_workloads.ServiceAccountHelpers,
                         test_restrictions.RestrictionTestCase):

    def setUp(self):
        super().setUp()
        self.authn = softauthn.SoftAuthenticator(
            origin=passkey_base.ORIGIN)
        self.alice_token = self.token_for(self.alice,
                                          project_id=self.project_id)

    def register_start(self, user_id, token, status):
        return self.call('post', '/v4/users/%s/passkeys/register_start' %
                         user_id, token, status, {})

    def app_cred_token(self, unrestricted):
        r = self.call('post', '/v3/users/%s/application_credentials' %
                      self.alice['id'], self.alice_token, CREATED, {
                          'application_credential': {
                              'name': uuid.uuid4().hex,
                              'unrestricted': unrestricted,
                              'roles': [{'name': 'reader'}]}})
        ref = r.json['application_credential']
        r = self.call('post', '/v3/auth/tokens', None, CREATED, {'auth': {
            'identity': {'methods': ['application_credential'],
                         'application_credential': {
                             'id': ref['id'], 'secret': ref['secret']}}}})
        return r.headers['X-Subject-Token']


class PasskeyRegistrationTest(DelegationTestCase):

    def test_restricted_tokens_register_no_passkey(self):
        _, restricted = self.restricted()
        self.register_start(self.alice['id'], restricted, FORBIDDEN)
        # finish is guarded too (a challenge started with a good token)
        options = self.register_start(self.alice['id'], self.alice_token,
                                      CREATED).json['public_key']
        self.call('post', '/v4/users/%s/passkeys/register_finish' %
                  self.alice['id'], restricted, FORBIDDEN,
                  self.authn.create(options))
        self.assertEqual([], passkeys.get_manager().list_passkeys(
            self.alice['id']))

    def test_application_credential_tokens_register_no_passkey(self):
        for unrestricted in (False, True):
            with self.subTest(unrestricted=unrestricted):
                self.register_start(self.alice['id'],
                                    self.app_cred_token(unrestricted),
                                    FORBIDDEN)

    def test_service_account_gets_no_passkey_whoever_asks(self):
        sa = self.account()
        self.grant(sa, self.reader)
        restriction = self.create(user_id=sa['id'],
                                  project_id=self.project_id)
        sa_token, _ = self.sa_token(sa, restriction['id'])
        self.register_start(sa['id'], sa_token, FORBIDDEN)
        # even where an operator lets admins register for others
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'policy.yaml')
        with open(path, 'w') as f:
            f.write('"identity:ng:passkey:register": '
                    '"rule:admin_required or user_id:%(target.user.id)s"\n')
        self.config_fixture.config(group='oslo_policy', policy_file=path)
        enforcer.RBACEnforcer()._reset()
        self.register_start(sa['id'], self.admin, FORBIDDEN)
        self.register_start(self.alice['id'], self.admin, CREATED)

    def test_refusal_is_a_cadf_failure_event(self):
        _, restricted = self.restricted()
        with mock.patch.object(notifications,
                               '_send_audit_notification') as sent:
            r = self.register_start(self.alice['id'], restricted, FORBIDDEN)
        self.assertEqual(FORBIDDEN, r.json['error']['code'])
        events = [c for c in sent.call_args_list
                  if c.args[4] == 'identity.passkey.created']
        self.assertEqual(1, len(events))
        action, initiator, outcome, target = events[0].args[:4]
        self.assertEqual(taxonomy.OUTCOME_FAILURE, outcome)
        self.assertEqual(self.alice['id'], target.id)
        self.assertEqual(self.alice['id'], initiator.user_id)


class CredentialsTest(DelegationTestCase):

    def test_restricted_and_app_cred_tokens_mint_nothing(self):
        restriction = self.create()
        _, restricted = self.restricted()
        for token in (restricted, self.app_cred_token(False),
                      self.app_cred_token(True)):
            self.mint(restriction['id'], token, FORBIDDEN)
        self.mint(restriction['id'], self.alice_token, CREATED)

    def test_restricted_token_cannot_change_restrictions(self):
        restriction, restricted = self.restricted()
        self.create(token=restricted, status=FORBIDDEN,
                    user_id=self.alice['id'])
        self.call('put', '/v4/tokens/restrictions/' + restriction['id'],
                  restricted, FORBIDDEN, {'restriction': {
                      'roles': [{'name': 'member'}]}})

    def test_kinds(self):
        kinds = {}
        _, restricted = self.restricted()
        for name, token in (('password', self.alice_token),
                            ('restricted', restricted),
                            ('app', self.app_cred_token(False)),
                            ('unrestricted', self.app_cred_token(True))):
            model = PROVIDERS.token_provider_api.validate_token(token)
            kinds[name] = delegation.kind_of(model)
        self.assertEqual({
            'password': delegation.Kind.PRIMARY,
            'restricted': delegation.Kind.RESTRICTED,
            'app': delegation.Kind.APP_CRED,
            'unrestricted': delegation.Kind.UNRESTRICTED_APP_CRED}, kinds)

    def test_every_credential_has_a_rule(self):
        self.assertEqual(set(delegation.Credential),
                         set(delegation.ALLOWED))
        for allowed in delegation.ALLOWED.values():
            self.assertNotIn(delegation.Kind.RESTRICTED, allowed)
            self.assertNotIn(delegation.Kind.SERVICE_ACCOUNT, allowed)
            self.assertNotIn(delegation.Kind.WORKLOAD, allowed)
            self.assertNotIn(delegation.Kind.APP_CRED, allowed)
            self.assertNotIn(delegation.Kind.DELEGATED, allowed)


class WorkloadTokenTest(DelegationTestCase):
    """A shadow user's token from a JWT login (no restriction)."""

    def setUp(self):
        super().setUp()
        issuer = jwtissuer.JWTIssuer(test_workloads.ISSUER)
        idp = self.call('post', '/v4/federation/identity_providers',
                        self.admin, CREATED, {'identity_provider': {
                            'name': 'ci', 'domain_id': self.domain_id,
                            'bound_issuer': test_workloads.ISSUER,
                            'jwt_validation_pubkeys': [issuer.pem],
                            'default_mapping_name': 'people'}}
                        ).json['identity_provider']
        self.call('post', '/v4/federation/mappings', self.admin, CREATED, {
            'mapping': {'name': 'people', 'type': 'jwt', 'idp_id': idp['id'],
                        'user_id_claim': 'sub', 'user_name_claim': 'sub',
                        'bound_audiences': ['keystone']}})
        bearer = issuer.sign(issuer.claims(subject='octocat'))
        r = self.call('post', '/v4/federation/identity_providers/%s/jwt' %
                      idp['id'], status=OK,
                      headers={'Authorization': 'Bearer ' + bearer})
        self.token = r.headers['X-Subject-Token']
        self.user_id = r.json['token']['user']['id']

    def test_workload_tokens_create_no_credentials(self):
        model = PROVIDERS.token_provider_api.validate_token(self.token)
        self.assertEqual(delegation.Kind.WORKLOAD,
                         delegation.kind_of(model))
        self.register_start(self.user_id, self.token, FORBIDDEN)
        # keystone's own routes too
        self.call('post', '/v3/users/%s/application_credentials' %
                  self.user_id, self.token, FORBIDDEN,
                  {'application_credential': {'name': 'persist'}})
        self.call('post', '/v3/users/%s/credentials/OS-EC2' % self.user_id,
                  self.token, FORBIDDEN, {'tenant_id': self.project_id})
        self.call('post', '/v3/credentials', self.token, FORBIDDEN, {
            'credential': {'type': 'totp', 'user_id': self.user_id,
                           'blob': 'GEZDGNBVGY3TQOJQ'}})


class ServiceAccountLoginTest(DelegationTestCase):
    """Credentials a service account should never have, made behind the
    plugin's back (a rollback to stock keystone, a database edit): none of
    them logs in."""

    def setUp(self):
        super().setUp()
        self.sa = self.account()
        self.grant(self.sa, self.member)
        self.grant(self.sa, self.reader)

    def login(self, identity, status=UNAUTHORIZED, scoped=True):
        auth = {'identity': identity}
        if scoped:
            auth['scope'] = {'project': {'id': self.project_id}}
        return self.call('post', '/v3/auth/tokens', None, status,
                         {'auth': auth})

    def test_password_set_behind_the_plugins_back(self):
        PROVIDERS.identity_api.update_user(self.sa['id'], {
            'password': 'set-while-uninstalled-1'})
        self.login({'methods': ['password'], 'password': {'user': {
            'id': self.sa['id'], 'password': 'set-while-uninstalled-1'}}})

    def test_application_credential_behind_the_plugins_back(self):
        ref = PROVIDERS.application_credential_api \
            .create_application_credential({
                'id': uuid.uuid4().hex, 'name': 'old', 'secret': 'old-secret',
                'user_id': self.sa['id'], 'project_id': self.project_id,
                'roles': [{'id': self.member['id']}]})
        self.login({'methods': ['application_credential'],
                    'application_credential': {
                        'id': ref['id'], 'secret': 'old-secret'}},
                   scoped=False)

    def test_totp_behind_the_plugins_back(self):
        secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'
        PROVIDERS.credential_api.create_credential(uuid.uuid4().hex, {
            'id': uuid.uuid4().hex, 'type': 'totp', 'user_id': self.sa['id'],
            'blob': secret})
        self.login({'methods': ['totp'], 'totp': {'user': {
            'id': self.sa['id'],
            'passcode': totp._generate_totp_passcodes(secret)[0]}}})

    def test_passkey_behind_the_plugins_back(self):
        manager = passkeys.get_manager()
        user = PROVIDERS.identity_api.get_user(self.sa['id'])
        options = manager.registration_options(user)
        manager.register(self.sa['id'], self.authn.create(options))
        start = self.call('post', '/v4/auth/passkey/start', None, CREATED,
                          {'passkey': {'user_id': self.sa['id']}})
        assertion = self.authn.get(start.json['public_key'])
        self.call('post', '/v4/auth/passkey/finish', None, UNAUTHORIZED,
                  assertion)

    def test_its_restricted_tokens_still_work(self):
        restriction = self.create(user_id=self.sa['id'],
                                  project_id=self.project_id)
        token, body = self.sa_token(self.sa, restriction['id'])
        self.assertIn('restricted', body['token']['methods'])
