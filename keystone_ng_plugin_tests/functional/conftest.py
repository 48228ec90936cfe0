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

import contextlib
import os
import shutil
import tempfile
import uuid

import pytest
import requests

from keystone_ng_plugin.server import deployment
from keystone_ng_plugin_tests.functional import browser as ng_browser
from keystone_ng_plugin_tests.functional import databases
from keystone_ng_plugin_tests.functional import memcached as ng_memcached
from keystone_ng_plugin_tests.functional import oidc_provider as ng_oidc

# Fast password hashing: these tests are about behaviour, not bcrypt.
TEST_CONFIG = {'identity': {'password_hash_rounds': '4'},
               # The test OpenID provider serves plain http on loopback.
               'ng_federation': {'allow_insecure_loopback': 'true',
                                 'max_token_bytes': '4096'},
               # CADF audit events go to keystone's log, for the tests:
               # successful authentications too (keystone opts out of
               # identity.authenticate.success by default).
               'oslo_messaging_notifications': {'driver': 'log'},
               'DEFAULT': {'notification_opt_out': ''},
               # Every test is one client address (127.0.0.1): throttling
               # is on, with limits only the throttling tests reach (on a
               # node of their own with tight ones).
               'keystone_ng': {'throttle_rate': '2000',
                               'throttle_burst': '5000',
                               'max_outstanding_ceremonies': '100000'}}
# Where the test OpenID provider may send browsers back to.
OIDC_REDIRECT_URI = 'http://127.0.0.1:8790/callback'


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'client_only: tests the client (keystone-ng-client), '
        'which no database changes: collected on SQLite only')


def pytest_collection_modifyitems(config, items):
    """Deselect ``client_only`` tests on the other databases, before any
    deployment of theirs is started (the server's side of what they do
    is tested on every database by the other modules)."""
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, 'callspec', None), 'params', {})
        backend = params.get('keystone', params.get('short_lived'))
        if (item.get_closest_marker('client_only') and backend and
                backend != 'sqlite'):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _database(backend, state_dir):
    try:
        return databases.create(backend, state_dir)
    except databases.Unavailable as exc:
        if os.environ.get('CI'):
            pytest.fail('CI needs %s: %s' % (backend, exc))
        pytest.skip(str(exc))


@contextlib.contextmanager
def fresh_deployment(backend: str, session=None, port=None,
                     **config_changes):
    """A started :class:`Deployment` on a fresh database of ``backend``
    (its state is kept when tests of ``session`` failed); on ``port`` or
    a free one, with ``config_changes`` ({section: {option: value}})."""
    state_dir = tempfile.mkdtemp(prefix='ng-func-%s-' % backend)
    url = _database(backend, state_dir)
    dep = deployment.Deployment(
        state_dir=state_dir, database_url=url,
        port=port or deployment.free_port(),
        extra_config=dict(TEST_CONFIG, **config_changes))
    dep.backend = backend
    try:
        dep.setup()
        dep.start()
        yield dep
    finally:
        dep.stop()
        databases.drop(backend, url)
        if session is not None and session.testsfailed:
            print('\nkeystone state kept for inspection: %s' % state_dir)
        else:
            shutil.rmtree(state_dir, ignore_errors=True)


@pytest.fixture(scope='session', params=databases.BACKENDS)
def keystone(request):
    """A started :class:`Deployment` on a fresh database of each backend."""
    with fresh_deployment(request.param, request.session) as dep:
        yield dep


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


@pytest.fixture(scope='session')
def browser():
    """Headless Debian Chromium (one process for the whole run)."""
    if not ng_browser.available():
        if os.environ.get('CI'):
            pytest.fail('CI needs chromium at %s' % ng_browser.CHROMIUM)
        pytest.skip('chromium is not installed')
    chromium = ng_browser.Browser()
    yield chromium
    chromium.close()


@pytest.fixture
def passkey_page(keystone, browser):
    """A page of the keystone under test with a virtual authenticator."""
    page = browser.new_page(keystone.passkey_page)
    yield page
    page.close()


class Admin:
    """The bootstrap admin, through keystone's v3 API."""

    def __init__(self, dep):
        self.dep = dep
        self.token = password_token(dep)
        token = self.get('/auth/tokens', headers={
            'X-Subject-Token': self.token}).json()['token']
        self.project_id = token['project']['id']
        self.user_id = token['user']['id']

    def request(self, method, path, status=None, **kwargs):
        """A call to /v4/... or, for any other path, to /v3/..."""
        headers = dict(kwargs.pop('headers', {}))
        headers.setdefault('X-Auth-Token', self.token)
        base = (self.dep.base_url if path.startswith('/v4/')
                else self.dep.auth_url)
        r = requests.request(method, base + path,
                             headers=headers, timeout=30, **kwargs)
        if status is not None:
            assert r.status_code == status, r.text
        return r

    def get(self, path, **kwargs):
        return self.request('GET', path, **kwargs)

    def role_id(self, name):
        roles = self.get('/roles', params={'name': name}).json()['roles']
        return roles[0]['id']

    def create_user(self, role='member'):
        """A new user of the Default domain with role on the admin project."""
        name = 'user-%s' % uuid.uuid4().hex[:10]
        password = uuid.uuid4().hex
        user = self.request('POST', '/users', status=201, json={'user': {
            'name': name, 'password': password,
            'domain_id': 'default'}}).json()['user']
        self.request('PUT', '/projects/%s/users/%s/roles/%s' % (
            self.project_id, user['id'], self.role_id(role)), status=204)
        user['password'] = password
        return user


@pytest.fixture
def admin(keystone):
    return Admin(keystone)


@contextlib.contextmanager
def service_account_in_new_domain(admin, roles=('reader',), prefix='wl'):
    """A new domain with a project ``ci``, a service account ``deployer``
    with member and reader there, and a restriction of the account to
    ``roles`` on the project; the domain and all in it deleted
    afterwards."""
    domain = admin.request('POST', '/domains', status=201, json={'domain': {
        'name': '%s-%s' % (prefix, uuid.uuid4().hex[:10])}}
    ).json()['domain']['id']
    project = admin.request('POST', '/projects', status=201, json={
        'project': {'name': 'ci', 'domain_id': domain}}).json()['project']
    account = admin.request('POST', '/v4/service_accounts', status=201, json={
        'service_account': {'name': 'deployer', 'domain_id': domain}}
    ).json()['service_account']
    for role in ('member', 'reader'):
        admin.request('PUT', '/projects/%s/users/%s/roles/%s' % (
            project['id'], account['id'], admin.role_id(role)), status=204)
    restriction = admin.request('POST', '/v4/tokens/restrictions',
                                status=201, json={'restriction': {
                                    'domain_id': domain,
                                    'user_id': account['id'],
                                    'project_id': project['id'],
                                    'roles': [{'name': r} for r in roles]}}
                                ).json()['restriction']
    try:
        yield {'domain': domain, 'project': project, 'account': account,
               'restriction': restriction}
    finally:
        admin.request('DELETE', '/v4/service_accounts/' + account['id'])
        admin.request('PATCH', '/domains/' + domain,
                      json={'domain': {'enabled': False}})
        admin.request('DELETE', '/domains/' + domain)


@contextlib.contextmanager
def second_node(dep, tmp_path, port=None, **config_changes):
    """Another keystone node of the same deployment: same database, same
    keys and same public origins, its own process and port (``port``, or a
    free one). ``config_changes``: {section: {option: value}} for this
    node only."""
    state = tmp_path / 'node-b'
    state.mkdir()
    for keys in ('fernet-keys', 'receipt-keys', 'credential-keys'):
        shutil.copytree(dep.path(keys), state / keys)
    config = dict(TEST_CONFIG)
    config['passkey'] = {'origins': ','.join(dep.passkey_origins)}
    config.update(config_changes)
    node = deployment.Deployment(
        state_dir=str(state), database_url=dep.database_url,
        port=port or deployment.free_port(),
        admin_password=dep.admin_password,
        extra_config=config)
    node.setup(bootstrap=False)
    node.start()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope='session')
def oidc_provider():
    """A real OpenID provider (npm oidc-provider) on a loopback port."""
    if not ng_oidc.available():
        if os.environ.get('CI'):
            pytest.fail('CI needs node and tools/oidc-provider/node_modules')
        pytest.skip('node or oidc-provider is not installed')
    provider = ng_oidc.OIDCProvider(deployment.free_port(),
                                    redirect_uris=[OIDC_REDIRECT_URI])
    yield provider
    provider.stop()


@pytest.fixture(scope='session')
def memcached():
    """A memcached of the run's own (keystone's shared cache backend)."""
    if not ng_memcached.available():
        if os.environ.get('CI'):
            pytest.fail('CI needs memcached (bindep, profile test)')
        pytest.skip('memcached is not installed')
    server = ng_memcached.Memcached()
    yield server
    server.stop()
