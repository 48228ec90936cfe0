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
"""Restricted tokens on a real server (ngfernet provider), every database.

A CI job's read-only token: made with curl-like calls, used with the
openstack CLI, validated as keystonemiddleware does, and every way out of
the restriction refused.
"""

import json
import os
import subprocess
import sys
import uuid

import requests

from keystone_ng_plugin_tests.functional import conftest

URL = '/v4/tokens/restrictions'


def _openstack(keystone, token, project_id, *args):
    """The openstack CLI authenticated with a token (v3token plugin)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env.update({'OS_AUTH_URL': keystone.base_url, 'OS_AUTH_TYPE': 'v3token',
                'OS_TOKEN': token, 'OS_PROJECT_ID': project_id,
                'OS_IDENTITY_API_VERSION': '3', 'PYTHONWARNINGS': 'ignore'})
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'openstack'), *args,
         '-f', 'json'], capture_output=True, text=True, env=env, timeout=120)


def _project_with_member(admin):
    """A project, and a user with member (hence reader) on it."""
    project = admin.request('POST', '/projects', status=201, json={
        'project': {'name': 'ci-%s' % uuid.uuid4().hex[:8],
                    'domain_id': 'default'}}).json()['project']
    user = admin.create_user()
    admin.request('PUT', '/projects/%s/users/%s/roles/%s' % (
        project['id'], user['id'], admin.role_id('member')), status=204)
    return project, user


def _post(keystone, path, token, status, body=None):
    r = requests.post(keystone.base_url + path, json=body or {},
                      headers={'X-Auth-Token': token}, timeout=30)
    assert r.status_code == status, r.text
    return r


def test_read_only_token_for_a_ci_job(keystone, admin):
    project, user = _project_with_member(admin)
    restriction = admin.request('POST', '/v4/tokens/restrictions',
                                status=201, json={'restriction': {
                                    'domain_id': 'default',
                                    'project_id': project['id'],
                                    'roles': [{'name': 'reader'}],
                                    'allow_renew': True, 'max_ttl': 900,
                                    'description': 'CI: read only'}}
                                ).json()['restriction']
    own = conftest.password_token(keystone, user['name'], user['password'],
                                  project=project['name'])
    r = _post(keystone, '%s/%s/tokens' % (URL, restriction['id']), own, 201)
    token = r.headers['X-Subject-Token']
    body = r.json()['token']
    assert [role['name'] for role in body['roles']] == ['reader']
    assert body['methods'] == ['password', 'restricted']

    # What keystonemiddleware in every service sees.
    validated = admin.get('/auth/tokens', status=200, headers={
        'X-Subject-Token': token}).json()['token']
    assert [role['name'] for role in validated['roles']] == ['reader']

    # The openstack CLI works with it (v3token renews it: allow_renew)...
    shown = _openstack(keystone, token, project['id'], 'project', 'show',
                       project['id'])
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)['id'] == project['id']
    # ... and is refused what a reader may not do.
    created = _openstack(keystone, token, project['id'], 'user', 'create',
                         'nope-%s' % uuid.uuid4().hex[:6])
    assert created.returncode != 0
    assert '403' in created.stderr

    # Every way out is refused.
    user_path = '/v3/users/%s' % user['id']
    for path, payload in (
            (user_path + '/application_credentials',
             {'application_credential': {'name': 'x'}}),
            (user_path + '/credentials/OS-EC2',
             {'tenant_id': project['id']}),
            ('/v3/OS-TRUST/trusts', {'trust': {
                'trustor_user_id': user['id'],
                'trustee_user_id': user['id'],
                'project_id': project['id'], 'impersonation': False,
                'roles': [{'name': 'reader'}]}}),
            (URL, {'restriction': {'domain_id': 'default',
                                   'user_id': user['id'],
                                   'roles': [{'name': 'reader'}]}}),
            ('%s/%s/tokens' % (URL, restriction['id']), {})):
        _post(keystone, path, token, 403, payload)
    rescope = {'auth': {'identity': {'methods': ['token'],
                                     'token': {'id': token}},
                        'scope': {'project': {'name': 'admin',
                                              'domain': {'id': 'default'}}}}}
    r = requests.post(keystone.auth_url + '/auth/tokens', json=rescope,
                      timeout=30)
    assert r.status_code == 403, r.text

    # Deleting the restriction ends its tokens.
    admin.request('DELETE', '%s/%s' % (URL, restriction['id']), status=204)
    admin.get('/auth/tokens', status=404,
              headers={'X-Subject-Token': token})
    r = requests.get(keystone.auth_url + '/projects/' + project['id'],
                     headers={'X-Auth-Token': token}, timeout=30)
    assert r.status_code == 401


def test_ordinary_tokens_are_stock_fernet(keystone, admin, tmp_path):
    """The same keys validate plain tokens on a node with keystone's own
    fernet provider: ngfernet changes nothing for them."""
    token = admin.token
    with conftest.second_node(keystone, tmp_path,
                              token={'provider': 'fernet'},
                              auth={'token': 'default'}) as stock:
        r = requests.get(stock.auth_url + '/auth/tokens', headers={
            'X-Auth-Token': token, 'X-Subject-Token': token}, timeout=30)
        assert r.status_code == 200, r.text


def test_an_admin_token_restricted_to_reader_is_a_reader(keystone, admin):
    """keystone's own policy enforces the narrowing: listing users needs
    admin, showing the project needs reader."""
    restriction = admin.request('POST', URL, status=201, json={
        'restriction': {'domain_id': 'default', 'allow_renew': True,
                        'roles': [{'name': 'reader'}]}}).json()['restriction']
    full = admin.token
    listed = _openstack(keystone, full, admin.project_id, 'user', 'list')
    assert listed.returncode == 0, listed.stderr
    r = _post(keystone, '%s/%s/tokens' % (URL, restriction['id']), full, 201)
    narrow = r.headers['X-Subject-Token']
    assert [role['name'] for role in r.json()['token']['roles']] == [
        'reader']
    listed = _openstack(keystone, narrow, admin.project_id, 'user', 'list')
    assert listed.returncode != 0 and '403' in listed.stderr
    shown = _openstack(keystone, narrow, admin.project_id, 'project', 'show',
                       admin.project_id)
    assert shown.returncode == 0, shown.stderr
    # Changing the restriction applies to the token already issued.
    admin.request('PUT', '%s/%s' % (URL, restriction['id']), status=200,
                  json={'restriction': {'roles': [{'name': 'admin'}]}})
    listed = _openstack(keystone, narrow, admin.project_id, 'user', 'list')
    assert listed.returncode == 0, listed.stderr
    admin.request('DELETE', '%s/%s' % (URL, restriction['id']), status=204)
