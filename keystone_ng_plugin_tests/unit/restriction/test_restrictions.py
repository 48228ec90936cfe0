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
"""Token restrictions: CRUD, policy, minting, and the escalation suite."""

import datetime
import http.client
import time
from unittest import mock

import msgpack
from oslo_utils import timeutils

from keystone.common import provider_api
from keystone.tests import unit
from keystone.token import provider as ks_token_provider
from keystone.token.providers.fernet import core as stock_fernet
from keystone.token import token_formatters as tf

from keystone_ng_plugin.common import cache
from keystone_ng_plugin.restriction import core as restriction_core
from keystone_ng_plugin_tests.unit import base
from keystone_ng_plugin.token import provider

PROVIDERS = provider_api.ProviderAPIs
URL = '/v4/tokens/restrictions'
OK, CREATED, NO_CONTENT = (http.client.OK, http.client.CREATED,
                           http.client.NO_CONTENT)
BAD, UNAUTHORIZED, FORBIDDEN, NOT_FOUND = (
    http.client.BAD_REQUEST, http.client.UNAUTHORIZED,
    http.client.FORBIDDEN, http.client.NOT_FOUND)


class RestrictionTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.admin = self.admin_token()
        for name in ('reader', 'member', 'manager'):
            setattr(self, name, self._role(name))
        # alice: member and reader on the project, member on another one
        self.alice = unit.create_user(PROVIDERS.identity_api,
                                      domain_id=self.domain_id)
        for role in (self.member, self.reader):
            PROVIDERS.assignment_api.add_role_to_user_and_project(
                self.alice['id'], self.project_id, role['id'])
        other = unit.new_project_ref(domain_id=self.domain_id)
        self.other_project = PROVIDERS.resource_api.create_project(
            other['id'], other)
        PROVIDERS.assignment_api.add_role_to_user_and_project(
            self.alice['id'], other['id'], self.member['id'])

    def create(self, token=None, status=CREATED, **fields):
        ref = {'domain_id': self.domain_id, 'roles': [{'name': 'reader'}]}
        ref.update(fields)
        r = self.call('post', URL, token or self.admin, status,
                      {'restriction': ref})
        return r.json.get('restriction') if r.json else None

    def mint(self, restriction_id, token, status=CREATED):
        r = self.call('post', '%s/%s/tokens' % (URL, restriction_id), token,
                      status)
        return r.headers.get('X-Subject-Token'), r.json

    def validate(self, token, status=OK):
        r = self.call('get', '/v3/auth/tokens', self.admin, status,
                      headers={'X-Subject-Token': token})
        return r.json.get('token') if status == OK else None

    def restricted(self, **fields):
        restriction = self.create(**fields)
        token, _ = self.mint(restriction['id'], self.token_for(
            self.alice, project_id=self.project_id))
        return restriction, token

    def rescope(self, token, status, scope=None):
        auth = {'identity': {'methods': ['token'], 'token': {'id': token}}}
        if scope is not None:
            auth['scope'] = scope
        r = self.call('post', '/v3/auth/tokens', None, status, {'auth': auth})
        return r.headers.get('X-Subject-Token')


class CrudTest(RestrictionTestCase):

    def test_create_show_update_delete(self):
        ref = self.create(roles=[{'name': 'reader'},
                                 {'id': self.member['id']}],
                          project_id=self.project_id, max_ttl=600,
                          description='CI job')
        self.assertEqual({'reader', 'member'},
                         {r['name'] for r in ref['roles']})
        self.assertEqual((False, False, 600, self.project_id),
                         (ref['allow_renew'], ref['allow_rescope'],
                          ref['max_ttl'], ref['project_id']))
        shown = self.call('get', URL + '/' + ref['id'], self.admin, OK)
        self.assertEqual(ref, shown.json['restriction'])
        updated = self.call('put', URL + '/' + ref['id'], self.admin, OK, {
            'restriction': {'allow_renew': True, 'project_id': None,
                            'roles': [{'name': 'reader'}]}}).json[
            'restriction']
        self.assertTrue(updated['allow_renew'])
        self.assertIsNone(updated['project_id'])
        self.assertEqual(['reader'], [r['name'] for r in updated['roles']])
        listed = self.call('get', URL + '?domain_id=' + self.domain_id,
                           self.admin, OK).json['restrictions']
        self.assertIn(ref['id'], [r['id'] for r in listed])
        self.call('delete', URL + '/' + ref['id'], self.admin, NO_CONTENT)
        self.call('get', URL + '/' + ref['id'], self.admin, NOT_FOUND)

    def test_bad_input_is_400_and_writes_nothing(self):
        before = len(self.call('get', URL, self.admin, OK).json[
            'restrictions'])
        other_domain = unit.new_domain_ref()
        PROVIDERS.resource_api.create_domain(other_domain['id'],
                                             other_domain)
        foreign = unit.new_project_ref(domain_id=other_domain['id'])
        PROVIDERS.resource_api.create_project(foreign['id'], foreign)
        for fields in ({'roles': []}, {'roles': [{'name': 'no-such-role'}]},
                       {'roles': [{'id': 'nope'}]},
                       {'domain_id': 'no-such-domain'},
                       {'project_id': foreign['id']},
                       {'project_id': 'no-such-project'},
                       {'user_id': 'no-such-user'}, {'max_ttl': 5},
                       {'unknown': 1}, {'allow_renew': 'yes'}):
            self.create(status=BAD, **fields)
        self.call('put', URL + '/x', self.admin, BAD,
                  {'restriction': {'domain_id': 'other'}})
        self.assertEqual(before, len(self.call('get', URL, self.admin,
                                               OK).json['restrictions']))

    def test_policy_personas(self):
        alice = self.token_for(self.alice, project_id=self.project_id)
        # A member may make restrictions about themself only.
        own = self.create(token=alice, user_id=self.alice['id'])
        self.create(token=alice, status=FORBIDDEN)
        self.create(token=alice, status=FORBIDDEN, user_id=self.user_id)
        # A domain manager manages those of their domain.
        manager = unit.create_user(PROVIDERS.identity_api,
                                   domain_id=self.domain_id)
        PROVIDERS.assignment_api.create_grant(
            self.manager['id'], user_id=manager['id'],
            domain_id=self.domain_id)
        manager_token = self.token_for(manager, domain_id=self.domain_id)
        shared = self.create(token=manager_token)
        other_domain = unit.new_domain_ref()
        PROVIDERS.resource_api.create_domain(other_domain['id'],
                                             other_domain)
        self.create(token=manager_token, status=FORBIDDEN,
                    domain_id=other_domain['id'])
        seen = {r['id'] for r in self.call('get', URL, alice,
                                           OK).json['restrictions']}
        self.assertEqual({own['id']}, seen)
        self.call('get', URL + '/' + shared['id'], alice, FORBIDDEN)
        self.call('delete', URL + '/' + own['id'], alice, NO_CONTENT)
        self.call('delete', URL + '/' + shared['id'], alice, FORBIDDEN)
        self.call('delete', URL + '/' + shared['id'], manager_token,
                  NO_CONTENT)

    def test_deleted_user_project_or_role_clean_up(self):
        bob = unit.create_user(PROVIDERS.identity_api,
                               domain_id=self.domain_id)
        for_bob = self.create(user_id=bob['id'])
        fixed = self.create(project_id=self.other_project['id'])
        extra = unit.new_role_ref()
        PROVIDERS.role_api.create_role(extra['id'], extra)
        two_roles = self.create(roles=[{'name': 'reader'},
                                       {'id': extra['id']}])
        only_extra = self.create(roles=[{'id': extra['id']}])
        PROVIDERS.identity_api.delete_user(bob['id'])
        PROVIDERS.resource_api.delete_project(self.other_project['id'])
        PROVIDERS.role_api.delete_role(extra['id'])
        for gone in (for_bob, fixed, only_extra):
            self.call('get', URL + '/' + gone['id'], self.admin, NOT_FOUND)
        left = self.call('get', URL + '/' + two_roles['id'], self.admin,
                         OK).json['restriction']
        self.assertEqual(['reader'], [r['name'] for r in left['roles']])


class RestrictedTokenTest(RestrictionTestCase):

    def test_minted_token_is_narrowed_everywhere(self):
        restriction, token = self.restricted()
        body = self.validate(token)
        self.assertEqual(['reader'], [r['name'] for r in body['roles']])
        self.assertEqual(['password', 'restricted'], body['methods'])
        self.assertEqual(self.project_id, body['project']['id'])
        # Keystone's own policy sees the narrowed roles: an admin's token
        # restricted to reader cannot create a user.
        admin_user = unit.create_user(PROVIDERS.identity_api,
                                      domain_id=self.domain_id)
        for role in (self._role('admin'), self.reader):
            PROVIDERS.assignment_api.add_role_to_user_and_project(
                admin_user['id'], self.project_id, role['id'])
        full = self.token_for(admin_user, project_id=self.project_id)
        narrow, _ = self.mint(self.create()['id'], full)
        new_user = {'user': {'name': unit.uuid.uuid4().hex,
                             'domain_id': self.domain_id}}
        self.call('post', '/v3/users', full, CREATED, new_user)
        new_user['user']['name'] = unit.uuid.uuid4().hex
        self.call('post', '/v3/users', narrow, FORBIDDEN, new_user)
        # ... while what a reader may do still works.
        self.call('get', '/v3/projects/' + self.project_id, narrow, OK)

    def test_payload_is_version_11_and_plain_tokens_are_stock_fernet(self):
        restriction, token = self.restricted()
        formatter = tf.TokenFormatter()
        version = msgpack.unpackb(formatter.unpack(token))[0]
        self.assertEqual(provider.RESTRICTED_VERSION, version)
        payload = PROVIDERS.token_provider_api.driver.token_formatter \
            .restricted_payload(token)
        self.assertEqual(restriction['id'], payload['restriction_id'])
        # An unrestricted token of ngfernet is validated by keystone's own
        # fernet provider, unchanged.
        plain = self.token_for(self.alice, project_id=self.project_id)
        self.assertEqual(self.alice['id'],
                         stock_fernet.Provider().validate_token(plain)[0])

    def test_narrowing_only_with_implied_roles(self):
        # member implies reader; alice has member (and reader) for real.
        PROVIDERS.role_api.create_implied_role(self.member['id'],
                                               self.reader['id'])
        PROVIDERS.assignment_api.delete_grant(
            self.reader['id'], user_id=self.alice['id'],
            project_id=self.project_id)
        _, token = self.restricted(roles=[{'name': 'member'}])
        self.assertEqual({'member', 'reader'},
                         {r['name'] for r in self.validate(token)['roles']})
        # A role alice does not have is never granted by a restriction.
        restriction = self.create(roles=[{'name': 'admin'}])
        self.mint(restriction['id'], self.token_for(
            self.alice, project_id=self.project_id), status=UNAUTHORIZED)

    def test_fixed_user_project_and_lifetime(self):
        bob = unit.create_user(PROVIDERS.identity_api,
                               domain_id=self.domain_id)
        alice = self.token_for(self.alice, project_id=self.project_id)
        self.mint(self.create(user_id=bob['id'])['id'], alice,
                  status=FORBIDDEN)
        fixed = self.create(project_id=self.other_project['id'],
                            roles=[{'name': 'member'}], max_ttl=120)
        token, body = self.mint(fixed['id'], alice)
        self.assertEqual(self.other_project['id'],
                         body['token']['project']['id'])
        expires = timeutils.parse_isotime(body['token']['expires_at'])
        self.assertLessEqual(
            expires, timeutils.utcnow(with_timezone=True) +
            datetime.timedelta(seconds=121))
        # Only project-scoped tokens are restricted (policy scope types).
        manager = unit.create_user(PROVIDERS.identity_api,
                                   domain_id=self.domain_id)
        PROVIDERS.assignment_api.create_grant(
            self.reader['id'], user_id=manager['id'],
            domain_id=self.domain_id)
        self.mint(self.create()['id'],
                  self.token_for(manager, domain_id=self.domain_id),
                  status=FORBIDDEN)


class EscalationTest(RestrictionTestCase):
    """Every way out of a restriction, each a clean 4xx."""

    def test_rescope_refused_unless_allowed_and_inside(self):
        _, token = self.restricted()
        other = {'project': {'id': self.other_project['id']}}
        self.rescope(token, FORBIDDEN, other)
        self.rescope(token, FORBIDDEN, {'domain': {'id': self.domain_id}})
        self.rescope(token, FORBIDDEN, {'system': {'all': True}})
        self.rescope(token, FORBIDDEN)
        # allowed: another project (alice is only a member there), still
        # restricted
        _, token = self.restricted(allow_rescope=True, roles=[
            {'name': 'reader'}, {'name': 'member'}])
        new = self.rescope(token, CREATED, other)
        body = self.validate(new)
        self.assertEqual(self.other_project['id'], body['project']['id'])
        self.assertIn('restricted', body['methods'])
        self.assertEqual(['member'], [r['name'] for r in body['roles']])
        # a fixed project stays fixed even with allow_rescope
        _, token = self.restricted(allow_rescope=True,
                                   project_id=self.project_id)
        self.rescope(token, FORBIDDEN, other)

    def test_renew_only_when_allowed_never_outliving_the_source(self):
        _, token = self.restricted()
        same = {'project': {'id': self.project_id}}
        self.rescope(token, FORBIDDEN, same)
        _, token = self.restricted(allow_renew=True)
        source = self.validate(token)
        time.sleep(1)
        renewed = self.rescope(token, CREATED, same)
        body = self.validate(renewed)
        self.assertIn('restricted', body['methods'])
        self.assertLessEqual(timeutils.parse_isotime(body['expires_at']),
                             timeutils.parse_isotime(source['expires_at']))
        self.assertEqual(['reader'], [r['name'] for r in body['roles']])

    def test_no_credentials_trusts_or_restrictions_from_it(self):
        restriction, token = self.restricted()
        user = '/v3/users/%s' % self.alice['id']
        self.call('post', user + '/application_credentials', token,
                  FORBIDDEN, {'application_credential': {'name': 'x'}})
        self.call('post', user + '/credentials/OS-EC2', token, FORBIDDEN,
                  {'tenant_id': self.project_id})
        self.call('post', '/v3/credentials', token, FORBIDDEN, {
            'credential': {'type': 'ec2', 'user_id': self.alice['id'],
                           'project_id': self.project_id,
                           'blob': '{"access": "a", "secret": "s"}'}})
        self.call('post', '/v3/OS-TRUST/trusts', token, FORBIDDEN, {
            'trust': {'trustor_user_id': self.alice['id'],
                      'trustee_user_id': self.user_id,
                      'project_id': self.project_id, 'impersonation': False,
                      'roles': [{'name': 'reader'}]}})
        self.create(token=token, status=FORBIDDEN,
                    user_id=self.alice['id'])
        self.mint(restriction['id'], token, status=FORBIDDEN)
        self.call('delete', URL + '/' + restriction['id'], token, FORBIDDEN)

    def test_deleting_or_changing_the_restriction_applies_at_once(self):
        restriction, token = self.restricted()
        self.call('get', '/v3/projects/' + self.project_id, token, OK)
        self.call('put', URL + '/' + restriction['id'], self.admin, OK, {
            'restriction': {'roles': [{'name': 'member'}]}})
        self.assertEqual(['member'], [r['name'] for r in
                                      self.validate(token)['roles']])
        self.call('put', URL + '/' + restriction['id'], self.admin, OK, {
            'restriction': {'project_id': self.other_project['id']}})
        self.validate(token, NOT_FOUND)
        self.call('put', URL + '/' + restriction['id'], self.admin, OK, {
            'restriction': {'project_id': None}})
        self.validate(token)
        self.call('delete', URL + '/' + restriction['id'], self.admin,
                  NO_CONTENT)
        self.validate(token, NOT_FOUND)
        self.call('get', '/v3/projects/' + self.project_id, token,
                  UNAUTHORIZED)

    def test_validation_reads_restrictions_from_the_cache_backend(self):
        # keystone's tests run with [cache] enabled (memory backend).
        self.assertTrue(cache.ValidationCache.enabled())
        restriction, token = self.restricted()
        driver = restriction_core.get_manager().driver
        with mock.patch.object(driver, 'get', wraps=driver.get) as reads:
            for _ in range(3):
                self.validate(token)
            self.assertEqual(0, reads.call_count)
            # A write forgets it in the backend: the new one is read, then
            # cached again.
            self.call('put', URL + '/' + restriction['id'], self.admin, OK,
                      {'restriction': {'roles': [{'name': 'member'}]}})
            self.assertEqual(['member'], [
                r['name'] for r in self.validate(token)['roles']])
            self.assertGreater(reads.call_count, 0)
            reads.reset_mock()
            for _ in range(3):
                self.assertEqual(['member'], [
                    r['name'] for r in self.validate(token)['roles']])
            self.assertEqual(0, reads.call_count)
        self.config_fixture.config(group='keystone_ng', caching=False)
        with mock.patch.object(driver, 'get', wraps=driver.get) as reads:
            restriction_core.get_manager().get_cached(restriction['id'])
            restriction_core.get_manager().get_cached(restriction['id'])
            self.assertEqual(2, reads.call_count)

    def test_minting_with_an_unknown_or_deleted_restriction_is_404(self):
        source = self.token_for(self.alice, project_id=self.project_id)
        token, body = self.mint(unit.uuid.uuid4().hex, source, NOT_FOUND)
        self.assertIsNone(token)
        self.assertEqual(404, body['error']['code'])
        restriction = self.create()
        self.mint(restriction['id'], source)
        self.call('delete', URL + '/' + restriction['id'], self.admin,
                  NO_CONTENT)
        token, _ = self.mint(restriction['id'], source, NOT_FOUND)
        self.assertIsNone(token)

    def test_revocation_applies(self):
        _, token = self.restricted()
        self.call('delete', '/v3/auth/tokens', self.admin, NO_CONTENT,
                  headers={'X-Subject-Token': token})
        self.validate(token, NOT_FOUND)

    def _forge(self, restriction_id, user_id=None, project_id=None):
        """A payload-11 token built here, with keystone's own fernet keys
        (what a holder of the keys, or the Rust Keystone-NG, would mint)."""
        formatter = tf.TokenFormatter()
        expires = timeutils.utcnow() + datetime.timedelta(minutes=10)
        payload = provider.RestrictedPayload.pack(
            user_id or self.alice['id'], ['password'], restriction_id,
            provider.ks_utils.isotime(expires, subsecond=True),
            project_id or self.project_id, False, False,
            [ks_token_provider.random_urlsafe_str()])
        return formatter.pack(msgpack.packb((11,) + payload))

    def test_rust_keystone_ng_payload_validates_with_same_semantics(self):
        restriction = self.create()
        token = self._forge(restriction['id'])
        body = self.validate(token)
        self.assertEqual(['reader'], [r['name'] for r in body['roles']])
        self.assertEqual(['password', 'restricted'], body['methods'])
        self.call('get', '/v3/projects/' + self.project_id, token, OK)

    def test_forged_restriction_ids_are_refused(self):
        self.validate(self._forge('no-such-restriction'), NOT_FOUND)
        bob = unit.create_user(PROVIDERS.identity_api,
                               domain_id=self.domain_id)
        bobs = self.create(user_id=bob['id'])
        self.validate(self._forge(bobs['id']), NOT_FOUND)
        fixed = self.create(project_id=self.other_project['id'])
        self.validate(self._forge(fixed['id']), NOT_FOUND)
        self.call('get', '/v3/projects/' + self.project_id,
                  self._forge(bobs['id']), UNAUTHORIZED)


class StockTokenMethodTest(RestrictionTestCase):
    """Without [auth] token = ngrestricted, keystone's own token method
    refuses restricted tokens altogether (they are not primary)."""

    def config_overrides(self):
        super().config_overrides()
        self.config_fixture.config(group='auth', token='default')

    def test_no_renewal_or_rescope_at_all(self):
        _, token = self.restricted(allow_renew=True, allow_rescope=True)
        self.rescope(token, FORBIDDEN, {'project': {'id': self.project_id}})
        self.rescope(token, FORBIDDEN,
                     {'project': {'id': self.other_project['id']}})
