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
"""A real Keystone + plugin server, per database, driven by real clients."""

import json
import os
import subprocess
import sys
import time

from keystoneauth1 import discover
from keystoneauth1.identity import v3 as ka_v3
from keystoneauth1 import session as ka_session
from openapi_spec_validator import validate as validate_spec
import pytest
import requests
import sqlalchemy as sa

from keystone_ng_plugin.db import migration
from keystone_ng_plugin.server import deployment
from keystone_ng_plugin_tests.functional import conftest
from keystone_ng_plugin_tests.unit import test_migrations


def _bin(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def test_password_token_issue_and_validate(keystone, admin_token):
    # The server runs under gunicorn with command-line flags: the argv guard
    # of the plugin's WSGI entry point is what lets keystone start there.
    r = requests.get(keystone.auth_url + '/auth/tokens', timeout=30,
                     headers={'X-Auth-Token': admin_token,
                              'X-Subject-Token': admin_token})
    assert r.status_code == 200, r.text
    assert r.json()['token']['project']['name'] == 'admin'


def test_v4_version_document(keystone):
    r = requests.get(keystone.base_url + '/v4', timeout=30)
    assert r.status_code == 200
    version = r.json()['version']
    assert (version['id'], version['status']) == ('v4.0', 'EXPERIMENTAL')
    assert {'rel': 'self', 'href': keystone.base_url + '/v4/'} in (
        version['links'])


def test_v4_json_home(keystone):
    r = requests.get(keystone.base_url + '/v4', timeout=30,
                     headers={'Accept': 'application/json-home'})
    assert r.headers['Content-Type'] == 'application/json-home'
    hrefs = {res.get('href') for res in r.json()['resources'].values()}
    assert {'/v4', '/v4/openapi.json'} <= hrefs


def test_openapi_served_and_valid(keystone):
    r = requests.get(keystone.base_url + '/v4/openapi.json', timeout=30)
    assert r.status_code == 200
    validate_spec(r.json())
    r_yaml = requests.get(keystone.base_url + '/v4/openapi.yaml', timeout=30)
    assert r_yaml.headers['Content-Type'].startswith('application/yaml')


def test_root_lists_v4_experimental_and_prefers_v3(keystone):
    r = requests.get(keystone.base_url + '/', timeout=30,
                     allow_redirects=False)
    assert r.status_code == 300
    assert r.headers['Location'] == keystone.base_url + '/v3/'
    statuses = {v['id']: v['status'] for v in r.json()['versions']['values']}
    assert statuses == {'v3.14': 'stable', 'v4.0': 'EXPERIMENTAL'}


def test_unknown_v4_path_is_keystone_404(keystone):
    r = requests.get(keystone.base_url + '/v4/nope', timeout=30)
    assert r.status_code == 404
    assert r.json()['error']['code'] == 404


def test_keystoneauth_discovery_picks_v3(keystone):
    # An unversioned auth URL makes keystoneauth discover from GET /.
    auth = ka_v3.Password(
        auth_url=keystone.base_url, username='admin',
        password=keystone.admin_password, project_name='admin',
        user_domain_id='default', project_domain_id='default')
    sess = ka_session.Session(auth=auth)
    assert sess.get_token()
    endpoint = sess.get_endpoint(service_type='identity', interface='public')
    assert endpoint.rstrip('/') == keystone.auth_url
    disc = discover.Discover(sess, keystone.base_url)
    ids = [v['version'] for v in disc.version_data()]
    assert ids == [(3, 14)]
    with_experimental = disc.version_data(allow_experimental=True)
    assert (4, 0) in [v['version'] for v in with_experimental]
    url = disc.url_for((3, 0))
    assert url.rstrip('/') == keystone.auth_url


def _openstack(keystone, *args):
    env = dict(os.environ)
    env.update({
        'OS_AUTH_URL': keystone.base_url, 'OS_IDENTITY_API_VERSION': '3',
        'OS_USERNAME': 'admin', 'OS_PASSWORD': keystone.admin_password,
        'OS_PROJECT_NAME': 'admin', 'OS_USER_DOMAIN_NAME': 'Default',
        'OS_PROJECT_DOMAIN_NAME': 'Default', 'PYTHONWARNINGS': 'ignore'})
    result = subprocess.run([_bin('openstack'), *args, '-f', 'json'],
                            capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_openstack_cli_token_issue_and_versions(keystone):
    token = _openstack(keystone, 'token', 'issue')
    assert token['id'] and token['project_id']
    versions = _openstack(keystone, 'versions', 'show', '--service',
                          'identity')
    assert [v['Version'] for v in versions] == ['3.14']
    users = _openstack(keystone, 'user', 'list')
    assert 'admin' in [u['Name'] for u in users]


def test_plugin_and_keystone_schemas_at_head(keystone):
    engine = sa.create_engine(keystone.database_url)
    try:
        assert migration.is_current(engine)
        assert test_migrations.schema_diff(engine) == []
    finally:
        engine.dispose()
    keystone.manage('db_sync', '--check', tool='keystone-ng-manage')
    out = keystone.manage('ng_db_version', tool='keystone-ng-manage')
    heads = ','.join(migration.heads())
    assert out.strip() == 'current: %s heads: %s' % (heads, heads)


def test_db_sync_is_idempotent(keystone):
    keystone.manage('db_sync', tool='keystone-ng-manage')
    out = keystone.manage('db_version', tool='keystone-ng-manage')
    assert 'keystone_ng_plugin: ' in out


def test_ceremony_consumed_once_across_processes(keystone):
    helper = [sys.executable, '-W', 'ignore', '-m',
              'keystone_ng_plugin_tests.functional.ceremony_race',
              keystone.config_file]
    handle = subprocess.run(helper + ['start', 'race.test'], check=True,
                            capture_output=True, text=True).stdout.strip()
    at = '%.3f' % (time.time() + 6)
    procs = [subprocess.Popen(helper + ['consume', 'race.test', handle, at,
                                        '4'],
                              stdout=subprocess.PIPE, text=True)
             for _ in range(3)]
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        results += out.split()
    assert len(results) == 12
    assert results.count('won') == 1


def test_stock_entry_point_is_unaffected(keystone, admin_token, tmp_path):
    if keystone.backend != 'sqlite':
        pytest.skip('checked once, on SQLite')
    port = deployment.free_port()
    # Stock keystone under gunicorn must get no command-line flags (its
    # oslo.config would parse them): everything goes in gunicorn.conf.py.
    (tmp_path / 'gunicorn.conf.py').write_text(
        'bind = "127.0.0.1:%d"\nworkers = 1\n'
        'wsgi_app = "keystone.wsgi.api:application"\n'
        'control_socket_disable = True\n' % port)
    proc = subprocess.Popen([sys.executable, '-m', 'gunicorn'],
                            cwd=tmp_path, env=keystone.environ(),
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = 'http://127.0.0.1:%d' % port
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(base + '/v3', timeout=10)
                break
            except requests.RequestException:
                # Refused, or accepted while the worker still loads.
                time.sleep(0.2)
        assert requests.get(base + '/v4', timeout=30).status_code == 404
        root = requests.get(base + '/', timeout=30).json()
        assert [v['id'] for v in root['versions']['values']] == ['v3.14']
        r = requests.get(base + '/v3/auth/tokens', timeout=30,
                         headers={'X-Auth-Token': admin_token,
                                  'X-Subject-Token': admin_token})
        assert r.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_devserver_setup_is_idempotent(keystone):
    if keystone.backend != 'sqlite':
        pytest.skip('checked once, on SQLite')
    password = keystone.admin_password
    keystone.setup()
    assert keystone.admin_password == password
    assert conftest.password_token(keystone)
