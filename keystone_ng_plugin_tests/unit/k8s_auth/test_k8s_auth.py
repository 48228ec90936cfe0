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
"""Kubernetes login: instances and roles (CRUD, policy, pagination, the
encrypted reviewer token) and the login against the HTTPS stand-in of the
API server's TokenReview (keystone_ng_plugin_tests.kube_apiserver)."""

import http.client
import uuid
from unittest import mock

import sqlalchemy as sa

from keystone.common import provider_api
from keystone.tests import unit

from keystone_ng_plugin.common import sql
from keystone_ng_plugin.k8s_auth import login
from keystone_ng_plugin_tests import kube_apiserver
from keystone_ng_plugin_tests.unit import base

PROVIDERS = provider_api.ProviderAPIs
URL = '/v4/k8s_auth/instances'
AUD = 'keystone'
OK, CREATED, NO_CONTENT = (http.client.OK, http.client.CREATED,
                           http.client.NO_CONTENT)
BAD, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, BAD_GATEWAY = (
    http.client.BAD_REQUEST, http.client.UNAUTHORIZED,
    http.client.FORBIDDEN, http.client.NOT_FOUND, http.client.BAD_GATEWAY)


class K8sAuthTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.cluster = kube_apiserver.KubeAPIServer()
        self.addCleanup(self.cluster.stop)
        self.admin = self.admin_token()
        self.reviewer = self.cluster.reviewer()

    def k8s_instance(self, token=None, status=CREATED, **fields):
        ref = {'domain_id': self.domain_id, 'name': uuid.uuid4().hex,
               'host': self.cluster.url, 'ca_cert': self.cluster.ca_pem,
               'token_reviewer_jwt': self.reviewer}
        ref.update(fields)
        r = self.call('post', URL, token or self.admin, status,
                      {'instance': ref})
        return r.json.get('instance') if r.json else None

    def k8s_role(self, instance_id, token=None, status=CREATED, **fields):
        ref = {'name': uuid.uuid4().hex,
               'bound_service_account_names': ['deployer'],
               'bound_service_account_namespaces': ['ci'],
               'bound_audience': AUD,
               'token_project_id': self.project_id}
        ref.update(fields)
        r = self.call('post', '%s/%s/roles' % (URL, instance_id),
                      token or self.admin, status, {'role': ref})
        return r.json.get('role') if r.json else None

    def login(self, instance_id, jwt, role_name, status=OK):
        r = self.call('post', '%s/%s/auth' % (URL, instance_id), None,
                      status, {'jwt': jwt, 'role_name': role_name})
        if status == OK:
            self.assertIn('X-Subject-Token', r.headers)
            return r.json['token']
        self.assertNotIn('X-Subject-Token', r.headers)
        self.assertEqual(status, r.json['error']['code'])
        return None

    def manager_token(self, domain_id):
        user = unit.create_user(PROVIDERS.identity_api, domain_id=domain_id)
        PROVIDERS.assignment_api.create_grant(
            self._role('manager')['id'], user_id=user['id'],
            domain_id=domain_id)
        return self.token_for(user, domain_id=domain_id)


class InstanceTest(K8sAuthTestCase):

    def test_crud_and_the_reviewer_token_is_write_only(self):
        created = self.k8s_instance(disable_local_ca_jwt=True)
        self.assertNotIn('token_reviewer_jwt', created)
        self.assertTrue(created['token_reviewer_jwt_set'])
        self.assertTrue(created['enabled'])
        with sql.session_for_read() as session:
            stored = session.execute(sa.text(
                'SELECT token_reviewer_jwt FROM ng_k8s_auth_instance '
                'WHERE id = :id'), {'id': created['id']}).scalar_one()
        # encrypted, not the JWT (nor any of its parts; a ciphertext may
        # hold "eyJ" by chance)
        for part in self.reviewer.split('.'):
            self.assertNotIn(part, stored)
        shown = self.call('get', '%s/%s' % (URL, created['id']),
                          self.admin).json['instance']
        self.assertEqual(created, shown)
        updated = self.call('put', '%s/%s' % (URL, created['id']),
                            self.admin, OK, {'instance': {
                                'enabled': False,
                                'token_reviewer_jwt': None}}
                            ).json['instance']
        self.assertFalse(updated['enabled'])
        self.assertFalse(updated['token_reviewer_jwt_set'])
        # its shadow users' v3 identity provider, gone with it
        PROVIDERS.federation_api.get_idp(created['id'])
        self.call('delete', '%s/%s' % (URL, created['id']), self.admin,
                  NO_CONTENT)
        self.call('get', '%s/%s' % (URL, created['id']), self.admin,
                  NOT_FOUND)
        self.assertRaises(Exception, PROVIDERS.federation_api.get_idp,
                          created['id'])

    def test_what_an_instance_cannot_be(self):
        self.k8s_instance(status=BAD, host='http://127.0.0.1:6443')
        self.k8s_instance(status=BAD, host='https://u:p@k8s.example')
        self.k8s_instance(status=BAD, ca_cert='-----BEGIN CERTIFICATE-----\n')
        self.k8s_instance(status=BAD, token_reviewer_jwt='not-a-jwt')
        self.k8s_instance(status=BAD, domain_id=uuid.uuid4().hex)
        self.k8s_instance(status=BAD, bogus=True)
        name = uuid.uuid4().hex
        self.k8s_instance(name=name)
        self.k8s_instance(name=name, status=http.client.CONFLICT)
        with sql.session_for_read() as session:
            self.assertEqual(1, session.execute(sa.text(
                'SELECT COUNT(*) FROM ng_k8s_auth_instance')).scalar_one())

    def test_policy_admin_and_the_domain_manager_in_their_domain(self):
        own = self.manager_token(self.domain_id)
        mine = self.k8s_instance(token=own)
        other = unit.new_domain_ref()
        PROVIDERS.resource_api.create_domain(other['id'], other)
        self.k8s_instance(token=own, status=FORBIDDEN, domain_id=other['id'])
        theirs = self.k8s_instance(domain_id=other['id'])
        self.call('get', '%s/%s' % (URL, theirs['id']), own, FORBIDDEN)
        self.call('delete', '%s/%s' % (URL, theirs['id']), own, FORBIDDEN)
        listed = self.call('get', URL, own).json['instances']
        self.assertEqual([mine['id']], [i['id'] for i in listed])
        self.k8s_instance(token=self.member_token(), status=FORBIDDEN)
        self.k8s_role(mine['id'], token=own, status=CREATED)
        self.k8s_role(theirs['id'], token=own, status=FORBIDDEN)
        self.call('get', '%s/%s/roles' % (URL, theirs['id']), own,
                  FORBIDDEN)

    def test_lists_are_paginated(self):
        self.config_fixture.config(list_limit=2)
        ids = sorted(self.k8s_instance()['id'] for _ in range(5))
        seen, url = [], URL + '?limit=50'
        while url:
            r = self.call('get', url.replace('http://localhost', ''),
                          self.admin).json
            self.assertLessEqual(len(r['instances']), 2)
            seen += [i['id'] for i in r['instances']]
            url = r['links']['next']
        self.assertEqual(ids, seen)
        r = self.call('get', URL + '?limit=1&marker=' + ids[3],
                      self.admin).json
        self.assertEqual([ids[4]], [i['id'] for i in r['instances']])
        self.assertIsNone(r['links']['next'])
        self.call('get', URL + '?limit=0', self.admin, BAD)

    def test_a_deleted_domain_takes_its_instances(self):
        ref = unit.new_domain_ref()
        domain = PROVIDERS.resource_api.create_domain(ref['id'], ref)
        created = self.k8s_instance(domain_id=domain['id'])
        self.call('patch', '/v3/domains/' + domain['id'], self.admin, OK,
                  {'domain': {'enabled': False}})
        self.call('delete', '/v3/domains/' + domain['id'], self.admin,
                  NO_CONTENT)
        self.call('get', '%s/%s' % (URL, created['id']), self.admin,
                  NOT_FOUND)


class RoleTest(K8sAuthTestCase):

    def test_crud_nested_under_the_instance(self):
        instance = self.k8s_instance()
        role = self.k8s_role(instance['id'], groups=['deployers'])
        self.assertEqual(instance['id'], role['instance_id'])
        self.assertEqual(self.domain_id, role['domain_id'])
        self.assertEqual('serviceaccount_uid', role['alias_name_source'])
        path = '%s/%s/roles/%s' % (URL, instance['id'], role['id'])
        self.assertEqual(role, self.call('get', path, self.admin).json['role'])
        other = self.k8s_instance()
        self.call('get', '%s/%s/roles/%s' % (URL, other['id'], role['id']),
                  self.admin, NOT_FOUND)
        changed = self.call('put', path, self.admin, OK, {'role': {
            'bound_service_account_names': ['deploy-*'], 'token_ttl': 600}}
        ).json['role']
        self.assertEqual(['deploy-*'], changed['bound_service_account_names'])
        listed = self.call('get', '%s/%s/roles' % (URL, instance['id']),
                           self.admin).json['roles']
        self.assertEqual([role['id']], [r['id'] for r in listed])
        self.call('get', '%s/%s/roles' % (URL, uuid.uuid4().hex),
                  self.admin, NOT_FOUND)
        self.call('delete', path, self.admin, NO_CONTENT)
        self.call('get', path, self.admin, NOT_FOUND)

    def test_what_a_role_cannot_be(self):
        instance = self.k8s_instance()
        self.k8s_role(instance['id'], status=BAD,
                      bound_service_account_names=[])
        self.k8s_role(instance['id'], status=BAD,
                      bound_service_account_namespaces=[])
        self.k8s_role(instance['id'], status=BAD,
                      bound_service_account_names=['Bad Name'])
        self.k8s_role(instance['id'], status=BAD, token_project_id=None)
        self.k8s_role(instance['id'], status=BAD,
                      token_project_id=uuid.uuid4().hex)
        self.k8s_role(instance['id'], status=BAD,
                      token_restriction_id=uuid.uuid4().hex)
        self.k8s_role(instance['id'], status=BAD, alias_name_source='email')
        self.k8s_role(instance['id'], status=BAD, token_ttl=10)
        name = uuid.uuid4().hex
        self.k8s_role(instance['id'], name=name)
        self.k8s_role(instance['id'], name=name, status=http.client.CONFLICT)
        # another instance may have a role of that name
        self.k8s_role(self.k8s_instance()['id'], name=name)

    def test_deleting_the_instance_deletes_its_roles(self):
        instance = self.k8s_instance()
        role = self.k8s_role(instance['id'])
        self.call('delete', '%s/%s' % (URL, instance['id']), self.admin,
                  NO_CONTENT)
        with sql.session_for_read() as session:
            self.assertEqual(0, session.execute(sa.text(
                'SELECT COUNT(*) FROM ng_k8s_auth_role WHERE id = :id'),
                {'id': role['id']}).scalar_one())


class LoginTest(K8sAuthTestCase):

    def setUp(self):
        super().setUp()
        self.group = PROVIDERS.identity_api.create_group(
            unit.new_group_ref(domain_id=self.domain_id, name='deployers'))
        PROVIDERS.assignment_api.create_grant(
            self._role('member')['id'], group_id=self.group['id'],
            project_id=self.project_id)
        self.inst = self.k8s_instance(disable_local_ca_jwt=True)
        self.shadow_role = self.k8s_role(self.inst['id'], groups=['deployers'])

    def token(self, namespace='ci', name='deployer', audiences=(AUD,),
              **kwargs):
        return self.cluster.issue(namespace, name, audiences=audiences,
                                  **kwargs)

    def test_a_shadow_user_project_scoped_and_the_pod_audited(self):
        with mock.patch('keystone.notifications._send_audit_notification'
                        ) as sent:
            token = self.login(self.inst['id'], self.token(
                pod_name='runner-7', pod_uid='pod-uid-7'),
                self.shadow_role['name'])
        self.assertEqual(self.project_id, token['project']['id'])
        self.assertEqual(['member'], [r['name'] for r in token['roles']])
        self.assertEqual('ci/deployer', token['user']['name'])
        self.assertEqual(self.domain_id, token['user']['domain']['id'])
        # the reviewer's token was the bearer, the role's audience asked
        self.assertEqual([AUD], self.cluster.reviews[-1]['audiences'])
        event = [c for c in sent.call_args_list
                 if c.args[0] == 'authenticate'][-1]
        self.assertEqual('success', event.args[2])
        details = event.kwargs['attachments'][0].content
        self.assertEqual(('runner-7', 'pod-uid-7', 'ci/deployer'), (
            details['pod_name'], details['pod_uid'],
            details['service_account']))
        # the same service account is the same user; a re-created one
        # (a new UID) is another
        again = self.login(self.inst['id'], self.token(),
                           self.shadow_role['name'])
        self.assertNotEqual(token['user']['id'], again['user']['id'])
        same_uid = self.token(uid='fixed-uid')
        first = self.login(self.inst['id'], same_uid,
                           self.shadow_role['name'])
        second = self.login(self.inst['id'], self.token(uid='fixed-uid'),
                            self.shadow_role['name'])
        self.assertEqual(first['user']['id'], second['user']['id'])

    def test_by_name_alias_and_globs(self):
        role = self.k8s_role(self.inst['id'], groups=['deployers'],
                             alias_name_source='serviceaccount_name',
                             bound_service_account_names=['deploy-*'],
                             bound_service_account_namespaces=['ci-?', 'prod'])
        a = self.login(self.inst['id'], self.token('ci-1', 'deploy-web'),
                       role['name'])
        b = self.login(self.inst['id'], self.token('ci-1', 'deploy-web'),
                       role['name'])
        self.assertEqual(a['user']['id'], b['user']['id'])
        self.login(self.inst['id'], self.token('ci-10', 'deploy-web'),
                   role['name'], UNAUTHORIZED)
        self.login(self.inst['id'], self.token('prod', 'web'),
                   role['name'], UNAUTHORIZED)

    def test_a_service_account_restricted(self):
        account = self.call('post', '/v4/service_accounts', self.admin,
                            CREATED, {'service_account': {
                                'name': 'k8s-deployer',
                                'domain_id': self.domain_id}}
                            ).json['service_account']
        for name in ('member', 'reader'):
            PROVIDERS.assignment_api.add_role_to_user_and_project(
                account['id'], self.project_id, self._role(name)['id'])
        restriction = self.call('post', '/v4/tokens/restrictions',
                                self.admin, CREATED, {'restriction': {
                                    'domain_id': self.domain_id,
                                    'user_id': account['id'],
                                    'project_id': self.project_id,
                                    'roles': [{'name': 'reader'}]}}
                                ).json['restriction']
        role = self.k8s_role(self.inst['id'], token_project_id=None,
                             token_restriction_id=restriction['id'],
                             token_ttl=120)
        token = self.login(self.inst['id'], self.token(), role['name'])
        self.assertEqual(account['id'], token['user']['id'])
        self.assertEqual(['reader'], [r['name'] for r in token['roles']])
        self.assertEqual(self.project_id, token['project']['id'])
        # the restriction going takes the role with it
        self.call('delete', '/v4/tokens/restrictions/' + restriction['id'],
                  self.admin, NO_CONTENT)
        self.call('get', '%s/%s/roles/%s' % (URL, self.inst['id'],
                                             role['id']), self.admin,
                  NOT_FOUND)

    def test_refusals_without_a_token(self):
        name = self.shadow_role['name']
        instance_id = self.inst['id']
        # the cluster says unauthenticated: a deleted service account
        gone = self.token(name='deployer')
        self.cluster.deleted.add(('ci', 'deployer'))
        self.login(instance_id, gone, name, UNAUTHORIZED)
        self.cluster.deleted.clear()
        # not bound
        self.login(instance_id, self.token(namespace='prod'), name,
                   UNAUTHORIZED)
        self.login(instance_id, self.token(name='intruder'), name,
                   UNAUTHORIZED)
        # a wrong audience: in the JWT (no call), and as the cluster says
        asked = len(self.cluster.reviews)
        self.login(instance_id, self.token(audiences=['vault']), name,
                   UNAUTHORIZED)
        self.assertEqual(asked, len(self.cluster.reviews))
        # an unknown role, and disabled ones
        self.login(instance_id, self.token(), 'nope', UNAUTHORIZED)
        path = '%s/%s/roles/%s' % (URL, instance_id, self.shadow_role['id'])
        self.call('put', path, self.admin, OK, {'role': {'enabled': False}})
        self.login(instance_id, self.token(), name, UNAUTHORIZED)
        self.call('put', path, self.admin, OK, {'role': {'enabled': True}})
        self.call('put', '%s/%s' % (URL, instance_id), self.admin, OK,
                  {'instance': {'enabled': False}})
        self.login(instance_id, self.token(), name, UNAUTHORIZED)
        self.call('put', '%s/%s' % (URL, instance_id), self.admin, OK,
                  {'instance': {'enabled': True}})
        self.login(instance_id, self.token(), name)
        # no such instance
        self.login(uuid.uuid4().hex, self.token(), name, NOT_FOUND)

    def test_garbage_jwts_make_no_call(self):
        asked = len(self.cluster.reviews)
        for garbage in ('x', 'a.b.c', 'eyJhbGciOiJub25lIn0.e30.',
                        'eyJhbGciOiJIUzI1NiJ9.e30.c2ln', 'é' * 40,
                        self.token(lifetime=-60)):
            self.login(self.inst['id'], garbage, self.shadow_role['name'],
                       UNAUTHORIZED)
        self.assertEqual(asked, len(self.cluster.reviews))

    def test_the_reviewer_and_the_pinned_ca(self):
        name = self.shadow_role['name']
        # a reviewer the cluster refuses, and none at all
        path = '%s/%s' % (URL, self.inst['id'])
        self.call('put', path, self.admin, OK, {'instance': {
            'token_reviewer_jwt': self.token('kube-system', 'revoked')}})
        self.login(self.inst['id'], self.token(), name, UNAUTHORIZED)
        self.call('put', path, self.admin, OK, {'instance': {
            'token_reviewer_jwt': None}})
        asked = len(self.cluster.reviews)
        self.login(self.inst['id'], self.token(), name, UNAUTHORIZED)
        self.assertEqual(asked, len(self.cluster.reviews))
        # a CA other than the cluster's: TLS fails, 502, no address said
        _, other_ca = kube_apiserver.make_ca('another CA')
        other = self.k8s_instance(ca_cert=kube_apiserver.pem(other_ca),
                                  token_reviewer_jwt=self.reviewer)
        role = self.k8s_role(other['id'])
        r = self.call('post', '%s/%s/auth' % (URL, other['id']), None,
                      BAD_GATEWAY, {'jwt': self.token(),
                                    'role_name': role['name']})
        self.assertNotIn('127.0.0.1', r.json['error']['message'])
        self.assertNotIn('X-Subject-Token', r.headers)

    def test_no_local_service_account_outside_a_pod(self):
        instance = self.k8s_instance(ca_cert=None, token_reviewer_jwt=None)
        role = self.k8s_role(instance['id'])
        with mock.patch.object(login, 'LOCAL_JWT', '/nonexistent/token'):
            self.login(instance['id'], self.token(), role['name'],
                       UNAUTHORIZED)

    def test_the_login_is_throttled(self):
        self.config_fixture.config(group='keystone_ng', throttle_rate=0.5,
                                   throttle_burst=2)
        environ = {'REMOTE_ADDR': '192.0.2.%d' % (uuid.uuid4().int % 250)}
        for status in (UNAUTHORIZED, UNAUTHORIZED, 429):
            with self.test_client() as c:
                c.post('%s/%s/auth' % (URL, self.inst['id']),
                       json={'jwt': 'x', 'role_name': 'x'},
                       environ_base=environ, expected_status_code=status)
