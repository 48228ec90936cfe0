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
"""Functional fixtures: a real Keystone + plugin server per database."""

import os
import shutil
import tempfile

import pytest
import requests

from keystone_ng_plugin.server import deployment
from keystone_ng_plugin.tests.functional import databases

# Fast password hashing: these tests are about behaviour, not bcrypt.
TEST_CONFIG = {'identity': {'password_hash_rounds': '4'}}


def _database(backend, state_dir):
    try:
        return databases.create(backend, state_dir)
    except databases.Unavailable as exc:
        if os.environ.get('CI'):
            pytest.fail('CI needs %s: %s' % (backend, exc))
        pytest.skip(str(exc))


@pytest.fixture(scope='session', params=databases.BACKENDS)
def keystone(request):
    """A started :class:`Deployment` on a fresh database of each backend."""
    backend = request.param
    state_dir = tempfile.mkdtemp(prefix='ng-func-%s-' % backend)
    url = _database(backend, state_dir)
    dep = deployment.Deployment(
        state_dir=state_dir, database_url=url,
        port=deployment.free_port(), extra_config=TEST_CONFIG)
    dep.backend = backend
    try:
        dep.setup()
        dep.start()
        yield dep
    finally:
        dep.stop()
        databases.drop(backend, url)
        if request.session.testsfailed:
            print('\nkeystone state kept for inspection: %s' % state_dir)
        else:
            shutil.rmtree(state_dir, ignore_errors=True)


@pytest.fixture
def admin_token(keystone):
    """A project-scoped admin token (password method)."""
    return password_token(keystone)


def password_token(dep, user='admin', password=None, project='admin'):
    body = {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': user, 'domain': {'id': 'default'},
            'password': password or dep.admin_password}}},
        'scope': {'project': {'name': project,
                              'domain': {'id': 'default'}}}}}
    r = requests.post(dep.auth_url + '/auth/tokens', json=body, timeout=30)
    assert r.status_code == 201, r.text
    return r.headers['X-Subject-Token']
