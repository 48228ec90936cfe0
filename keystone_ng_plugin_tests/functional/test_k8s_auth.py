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
"""Kubernetes login on a real server, every database.

No kube-apiserver can run here: the cluster is the HTTPS STAND-IN of its
TokenReview API (keystone_ng_plugin_tests.kube_apiserver), with a CA of
its own that the instance pins. Keystone, a separate server process, asks
it over TLS as the instance's reviewer.
"""

import contextlib
import uuid

import pytest
import requests

from keystone_ng_plugin_tests.functional import conftest
from keystone_ng_plugin_tests.functional import test_client_cli
from keystone_ng_plugin_tests import kube_apiserver

AUD = 'keystone'


@pytest.fixture(scope='module')
def cluster():
    server = kube_apiserver.KubeAPIServer()
    yield server
    server.stop()


@contextlib.contextmanager
def _setup(admin, cluster):
    """A service account with a restriction in a new domain
    (conftest.service_account_in_new_domain), a group there with the
    member role on its project, and an instance of the cluster; deleted
    afterwards."""
    with conftest.service_account_in_new_domain(admin, prefix='k8s') as k:
        group = admin.request('POST', '/groups', status=201, json={
            'group': {'name': 'deployers', 'domain_id': k['domain']}}
        ).json()['group']
        admin.request('PUT', '/projects/%s/groups/%s/roles/%s' % (
            k['project']['id'], group['id'], admin.role_id('member')),
            status=204)
        instance = admin.request(
            'POST', '/v4/k8s_auth/instances', status=201, json={'instance': {
                'domain_id': k['domain'], 'name': 'cluster-1',
                'host': cluster.url, 'ca_cert': cluster.ca_pem,
                'disable_local_ca_jwt': True,
                'token_reviewer_jwt': cluster.reviewer()}}).json()['instance']
        try:
            yield dict(k, instance=instance)
        finally:
            admin.request('DELETE', '/v4/k8s_auth/instances/' +
                          instance['id'], status=204)


def _role(admin, instance_id, **fields):
    ref = dict({'name': uuid.uuid4().hex,
                'bound_service_account_names': ['deployer'],
                'bound_service_account_namespaces': ['ci'],
                'bound_audience': AUD}, **fields)
    return admin.request('POST', '/v4/k8s_auth/instances/%s/roles' %
                         instance_id, status=201,
                         json={'role': ref}).json()['role']


def _login(keystone, instance_id, jwt, role_name, status=200):
    r = requests.post(keystone.base_url +
                      '/v4/k8s_auth/instances/%s/auth' % instance_id,
                      json={'jwt': jwt, 'role_name': role_name}, timeout=30)
    assert r.status_code == status, r.text
    if status != 200:
        assert 'X-Subject-Token' not in r.headers
        assert r.json()['error']['code'] == status
        return None
    return r


def test_a_service_account_restricted(keystone, admin, cluster):
    with _setup(admin, cluster) as k:
        role = _role(admin, k['instance']['id'],
                     token_restriction_id=k['restriction']['id'])
        r = _login(keystone, k['instance']['id'], cluster.issue(
            'ci', 'deployer', audiences=[AUD], pod_name='runner-1',
            pod_uid='uid-1'), role['name'])
        token = r.json()['token']
        assert token['user']['id'] == k['account']['id']
        assert token['project']['id'] == k['project']['id']
        assert [x['name'] for x in token['roles']] == ['reader']
        assert 'restricted' in token['methods']
        # what every service sees
        validated = admin.get('/auth/tokens', status=200, headers={
            'X-Subject-Token': r.headers['X-Subject-Token']}).json()['token']
        assert [x['name'] for x in validated['roles']] == ['reader']
        assert cluster.reviews[-1]['audiences'] == [AUD]


def test_a_shadow_user_project_scoped(keystone, admin, cluster):
    with _setup(admin, cluster) as k:
        role = _role(admin, k['instance']['id'],
                     token_project_id=k['project']['id'],
                     groups=['deployers'])
        jwt = cluster.issue('ci', 'deployer', audiences=[AUD])
        token = _login(keystone, k['instance']['id'], jwt,
                       role['name']).json()['token']
        assert token['project']['id'] == k['project']['id']
        # the group's role (and the role it implies)
        assert sorted(x['name'] for x in token['roles']) == ['member',
                                                             'reader']
        assert token['user']['domain']['id'] == k['domain']
        assert token['user']['name'] == 'ci/deployer'
        # keystone's v3 API sees a federated user of the instance's IdP
        user = admin.get('/users/' + token['user']['id'],
                         status=200).json()['user']
        assert [f['idp_id'] for f in user['federated']] == [
            k['instance']['id']]
        # the same token again: the same user
        again = _login(keystone, k['instance']['id'], jwt,
                       role['name']).json()['token']
        assert again['user']['id'] == token['user']['id']


def test_refused_with_no_token(keystone, admin, cluster):
    with _setup(admin, cluster) as k:
        instance_id = k['instance']['id']
        role = _role(admin, instance_id, token_project_id=k['project']['id'],
                     groups=['deployers'])
        name = role['name']
        # a deleted service account: the review says unauthenticated
        gone = cluster.issue('ci', 'deployer', audiences=[AUD])
        cluster.deleted.add(('ci', 'deployer'))
        try:
            _login(keystone, instance_id, gone, name, 401)
        finally:
            cluster.deleted.discard(('ci', 'deployer'))
        # a namespace or a name not bound
        _login(keystone, instance_id, cluster.issue(
            'prod', 'deployer', audiences=[AUD]), name, 401)
        _login(keystone, instance_id, cluster.issue(
            'ci', 'intruder', audiences=[AUD]), name, 401)
        # a wrong audience
        _login(keystone, instance_id, cluster.issue(
            'ci', 'deployer', audiences=['vault']), name, 401)
        # garbage JWTs: no outbound call
        asked = len(cluster.reviews)
        for garbage in ('x', 'a.b.c', 'eyJhbGciOiJub25lIn0.e30.',
                        cluster.issue('ci', 'deployer', audiences=[AUD],
                                      lifetime=-60)):
            _login(keystone, instance_id, garbage, name, 401)
        assert len(cluster.reviews) == asked
        # disabled role, then disabled instance
        path = '/v4/k8s_auth/instances/%s' % instance_id
        admin.request('PUT', '%s/roles/%s' % (path, role['id']), status=200,
                      json={'role': {'enabled': False}})
        _login(keystone, instance_id, cluster.issue(
            'ci', 'deployer', audiences=[AUD]), name, 401)
        admin.request('PUT', '%s/roles/%s' % (path, role['id']), status=200,
                      json={'role': {'enabled': True}})
        admin.request('PUT', path, status=200,
                      json={'instance': {'enabled': False}})
        _login(keystone, instance_id, cluster.issue(
            'ci', 'deployer', audiences=[AUD]), name, 401)
        # a missing reviewer JWT
        admin.request('PUT', path, status=200, json={'instance': {
            'enabled': True, 'token_reviewer_jwt': None}})
        _login(keystone, instance_id, cluster.issue(
            'ci', 'deployer', audiences=[AUD]), name, 401)
        # a CA other than the pinned one: TLS refused, 502
        _, other_ca = kube_apiserver.make_ca('not the cluster CA')
        admin.request('PUT', path, status=200, json={'instance': {
            'token_reviewer_jwt': cluster.reviewer(),
            'ca_cert': kube_apiserver.pem(other_ca)}})
        _login(keystone, instance_id, cluster.issue(
            'ci', 'deployer', audiences=[AUD]), name, 502)
        # plain http is refused when the instance is written
        r = admin.request('PUT', path, json={'instance': {
            'host': cluster.url.replace('https://', 'http://')}})
        assert r.status_code == 400, r.text
        # and with the pinned CA back, it logs in
        admin.request('PUT', path, status=200,
                      json={'instance': {'ca_cert': cluster.ca_pem}})
        _login(keystone, instance_id, cluster.issue(
            'ci', 'deployer', audiences=[AUD]), name)


def test_instances_and_roles_pages(keystone, admin, cluster):
    with _setup(admin, cluster) as k:
        ids = sorted(_role(admin, k['instance']['id'],
                           token_project_id=k['project']['id'])['id']
                     for _ in range(3))
        seen = []
        url = (keystone.base_url + '/v4/k8s_auth/instances/%s/roles?limit=2'
               % k['instance']['id'])
        while url:
            page = requests.get(url, headers={'X-Auth-Token': admin.token},
                                timeout=30).json()
            assert len(page['roles']) <= 2
            seen += [r['id'] for r in page['roles']]
            url = page['links']['next']
        assert seen == ids


@pytest.mark.client_only
def test_the_v4k8s_plugin_of_the_openstack_cli(keystone, admin,
                                               cluster, tmp_path):
    """``openstack token issue`` of the clean client venv, as a pod runs
    it: the token file is read again at every login (rotated here)."""
    with _setup(admin, cluster) as k:
        role = _role(admin, k['instance']['id'],
                     token_restriction_id=k['restriction']['id'])
        token_file = tmp_path / 'token'
        token_file.write_text(cluster.issue('ci', 'deployer',
                                            audiences=[AUD]) + '\n')
        cli = test_client_cli.CLI(
            keystone, tmp_path, auth_type='v4k8s',
            kubernetes_instance=k['instance']['id'],
            kubernetes_role=role['name'], jwt_file=str(token_file))
        token = cli.json('token', 'issue')
        assert (token['user_id'], token['project_id']) == (
            k['account']['id'], k['project']['id'])
        cloud = cli.cloud(tmp_path, 'v4k8s',
                          kubernetes_instance=k['instance']['id'],
                          kubernetes_role=role['name'],
                          jwt_file=str(token_file))
        token_file.write_text(cluster.issue('ci', 'deployer',
                                            audiences=[AUD]))
        assert cloud.json('token', 'issue')['user_id'] == \
            k['account']['id']
        # a service account the role does not bind: keystone's 401
        token_file.write_text(cluster.issue('ci', 'intruder',
                                            audiences=[AUD]))
        assert '401' in cli.fails('token', 'issue')


@pytest.mark.client_only
def test_the_openstack_ng_k8s_commands(keystone, admin, cluster, tmp_path):
    """Every ``openstack ng k8s`` command of the clean client venv, its
    JSON output parsed; then a pod logs in through what they made."""
    cli = test_client_cli._admin_cli(keystone, tmp_path)
    with conftest.service_account_in_new_domain(admin, prefix='k8s') as k:
        ca = tmp_path / 'ca.pem'
        ca.write_text(cluster.ca_pem)
        reviewer = tmp_path / 'reviewer.jwt'
        reviewer.write_text(cluster.reviewer() + '\n')
        instance = cli.json(
            'ng', 'k8s', 'instance', 'create', 'prod', '--domain',
            k['domain'], '--host', cluster.url, '--ca-cert-file', str(ca),
            '--reviewer-token-file', str(reviewer), '--disable-local-ca-jwt')
        assert instance['token_reviewer_jwt_set'] is True
        assert 'token_reviewer_jwt' not in instance
        assert instance['ca_cert'] == cluster.ca_pem
        listed = cli.json('ng', 'k8s', 'instance', 'list', '--domain',
                          k['domain'])
        assert [i['id'] for i in listed] == [instance['id']]
        shown = cli.json('ng', 'k8s', 'instance', 'show', 'prod')
        assert shown['id'] == instance['id']
        assert cli.json('ng', 'k8s', 'instance', 'set', 'prod', '--name',
                        'production')['name'] == 'production'
        role = cli.json(
            'ng', 'k8s', 'role', 'create', 'deployer', '--instance',
            'production', '--service-account', 'deploy-*', '--namespace',
            'ci', '--audience', AUD, '--token-restriction',
            k['restriction']['id'], '--token-ttl', '300')
        assert role['bound_service_account_names'] == ['deploy-*']
        long = cli.json('ng', 'k8s', 'role', 'list', '--instance',
                        instance['id'], '--long')
        assert [r['token_restriction_id'] for r in long] == [
            k['restriction']['id']]
        assert cli.json('ng', 'k8s', 'role', 'show', '--instance',
                        'production', 'deployer')['id'] == role['id']
        assert cli.json('ng', 'k8s', 'role', 'set', '--instance',
                        'production', 'deployer', '--service-account',
                        'deployer')['bound_service_account_names'] == [
                            'deployer']
        _login(keystone, instance['id'], cluster.issue(
            'ci', 'deployer', audiences=[AUD]), 'deployer')
        # keystone's refusal, as the CLI shows it
        assert 'HTTP 400' in cli.fails(
            'ng', 'k8s', 'instance', 'set', 'production', '--host',
            cluster.url.replace('https://', 'http://'))
        cli.ok('ng', 'k8s', 'role', 'delete', '--instance', 'production',
               'deployer')
        assert cli.json('ng', 'k8s', 'role', 'list', '--instance',
                        'production') == []
        cli.ok('ng', 'k8s', 'instance', 'delete', 'production')
        assert 'No kubernetes instance' in cli.fails(
            'ng', 'k8s', 'instance', 'show', 'production')
