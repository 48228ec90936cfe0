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
"""Rally (its own virtualenv) loads the plugin's scenarios both ways, and
the smoke variant of rally-jobs/keystone-ng.yaml runs every scenario
against the functional server with no failure and leaves nothing behind.
"""

import contextlib
import os
import re
import subprocess

import pytest
import sqlalchemy as sa

from keystone_ng_plugin.server import deployment
from keystone_ng_plugin_tests.functional import conftest
from keystone_ng_plugin_tests.functional import private_postgres
from keystone_ng_plugin_tests.functional import test_k8s_auth
from keystone_ng_plugin_tests import kube_apiserver
from keystone_ng_plugin_tests import rally_task

PLUGIN_DIR = rally_task.PLUGIN_DIR
SCENARIOS = ['KeystoneNG.jwt_login', 'KeystoneNG.k8s_login',
             'KeystoneNG.keystone_client_creds',
             'KeystoneNG.oauth2_client_creds', 'KeystoneNG.oauth2_code_flow',
             'KeystoneNG.oauth2_metadata', 'KeystoneNG.oidc_login',
             'KeystoneNG.passkey_login', 'KeystoneNG.password_login',
             'KeystoneNG.restricted_token',
             'KeystoneNG.service_account_token', 'KeystoneNG.token_login',
             'KeystoneNG.validate_token']
# Where each scenario's measured requests are (Rally atomic actions).
ACTIONS = {
    'password_login': ['keystone.password_login'],
    'token_login': ['keystone.token_login'],
    'token_login_scoped': ['keystone.token_login'],
    'validate_token': ['keystone.validate'],
    'passkey_login': ['ng.passkey_start', 'ng.passkey_finish'],
    'oidc_login': ['ng.oidc_start', 'idp.login', 'ng.oidc_callback'],
    'jwt_login': ['ng.jwt_login'],
    'k8s_login': ['ng.k8s_login'],
    'restricted_token': ['ng.restricted_mint', 'ng.restricted_validate'],
    'restricted_validate': ['ng.restricted_validate'],
    'service_account_token': ['ng.service_account_token'],
    'keystone_client_creds': ['keystone.oauth2_token'],
    'oauth2_client_creds': ['ng.oauth2_client_credentials'],
    'oauth2_code_flow': ['ng.oauth2_authorize', 'ng.oauth2_code',
                         'ng.oauth2_userinfo', 'ng.oauth2_refresh'],
    'oauth2_metadata': ['ng.oauth2_jwks', 'ng.oauth2_discovery'],
}
# The plugin's own tables: the contexts' cleanup empties them (deleted
# OpenID provider clients stay as tombstones).
NG_TABLES = ('ng_passkey', 'ng_identity_provider', 'ng_federation_mapping',
             'ng_token_restriction', 'ng_service_account')

LIST_PLUGINS = '''
import sys
from rally.task import scenario
%s
found = sorted(p.get_name() for p in scenario.Scenario.get_all()
               if p.get_name().startswith('KeystoneNG.'))
modules = sorted({p.__module__ for p in scenario.Scenario.get_all()
                  if p.get_name().startswith('KeystoneNG.')})
print(' '.join(found))
print(' '.join(modules))
'''


@pytest.fixture(scope='module')
def rally_python():
    if not rally_task.available():
        if os.environ.get('CI'):
            pytest.fail('CI needs Rally: tools/setup-env.sh test')
        pytest.skip('Rally is not installed (tools/setup-env.sh test)')
    return os.path.join(os.path.dirname(rally_task.rally_bin()), 'python')


def _plugins(python, load, env=None):
    result = subprocess.run([python, '-c', LIST_PLUGINS % load],
                            capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, **(env or {})))
    assert result.returncode == 0, result.stderr[-3000:]
    names, modules = result.stdout.strip().splitlines()[-2:]
    return names.split(), modules.split()


def test_rally_loads_the_scenarios_by_path_without_the_package(rally_python):
    # --plugin-paths from a checkout, the package not importable at all.
    names, _ = _plugins(rally_python, '''
sys.modules['keystone_ng_plugin'] = None
from rally.common.plugin import discover
discover.load_plugins(%r)''' % PLUGIN_DIR)
    assert names == SCENARIOS


def _rows(dep, table):
    engine = sa.create_engine(dep.database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(
                'SELECT COUNT(*) FROM %s' % table)).scalar()
    finally:
        engine.dispose()


# The PostgreSQL of the smoke task: every statement's plan logged
# (auto_explain), sequential scans only where no index can serve.
EXPLAINED = {'shared_preload_libraries': 'auto_explain',
             'auto_explain.log_min_duration': '0',
             'enable_seqscan': 'off'}
MARK = 'ng-hot-paths-begin'


@pytest.fixture(scope='module')
def explained():
    """A keystone on a private PostgreSQL that EXPLAINs every statement
    into its log (private_postgres: the shared servers are not touched)."""
    try:
        pg = private_postgres.Cluster(settings=EXPLAINED)
    except private_postgres.Unavailable as exc:
        if os.environ.get('CI'):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    dep = deployment.Deployment(
        state_dir=os.path.join(pg.dir, 'keystone'),
        database_url=pg.create_database(),
        port=deployment.free_port(), extra_config=conftest.TEST_CONFIG)
    dep.setup()
    dep.start()
    yield pg, dep
    dep.stop()
    pg.destroy()


def _plans_after_mark(pg) -> list[str]:
    """Every statement's logged plan (with its query text) after MARK."""
    with open(pg.log, errors='replace') as f:
        log = f.read()
    log = log[log.rindex(MARK):]
    return re.split(r'LOG:\s+duration: [^\n]*plan:', log)[1:]


def _sequential_scans(pg) -> dict:
    """Plugin tables a logged plan reads sequentially, with the plans."""
    scans: dict = {}
    for plan in _plans_after_mark(pg):
        for table in re.findall(r'Seq Scan on (ng_\w+)', plan):
            scans.setdefault(table, set()).add(' '.join(plan.split())[:400])
    return scans


@contextlib.contextmanager
def _kubernetes(admin):
    """A Kubernetes auth instance of the stand-in cluster and a role of
    it: the k8s_* arguments of the task (KeystoneNG.k8s_login)."""
    cluster = kube_apiserver.KubeAPIServer()
    try:
        with test_k8s_auth._setup(admin, cluster) as k:
            role = test_k8s_auth._role(
                admin, k['instance']['id'],
                token_restriction_id=k['restriction']['id'])
            yield k, {'k8s_instance_id': k['instance']['id'],
                      'k8s_role_name': role['name'],
                      'k8s_jwt': cluster.issue(
                          'ci', 'deployer', audiences=[test_k8s_auth.AUD],
                          lifetime=3600)}
    finally:
        cluster.stop()


def _the_other_hot_paths(admin, k):
    """What the smoke task does not run: every list of the plugin
    (filtered as its clients filter)."""
    for path in ('/v4/k8s_auth/instances?domain_id=' + k['domain'],
                 '/v4/k8s_auth/instances/%s/roles' % k['instance']['id'],
                 '/v4/tokens/restrictions?domain_id=' + k['domain'],
                 '/v4/service_accounts?domain_id=' + k['domain'],
                 '/v4/federation/identity_providers',
                 '/v4/federation/mappings',
                 '/v4/users/%s/passkeys' % admin.user_id,
                 '/v4/oauth2/default/clients'):
        admin.request('GET', path, status=200)


def test_smoke_task_runs_every_scenario_without_failure(
        explained, oidc_provider, rally_python, tmp_path):
    """Every scenario, once, on PostgreSQL (the benchmark's database),
    with every plan of its statements logged: no hot path reads a plugin
    table sequentially."""
    pg, dep = explained
    admin = conftest.Admin(dep)
    before = {table: _rows(dep, table) for table in NG_TABLES}
    rally = rally_task.Rally(str(tmp_path), dep)
    engine = sa.create_engine(dep.database_url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT '%s'" % MARK))
    finally:
        engine.dispose()
    with _kubernetes(admin) as (k, k8s_args):
        uuid = rally.start(dict(
            k8s_args, passkey_origin=dep.passkey_origins[0],
            oidc_discovery_url=oidc_provider.discovery_url),
            args_file=rally_task.SMOKE_ARGS)
        _the_other_hot_paths(admin, k)
    assert rally.sla_ok(uuid)
    seen = {}
    for title, workload in rally_task.workloads(rally.results(uuid)):
        name = title.split()[0]
        seen[name] = workload
        assert len(workload['data']) == 4, title
        for iteration in workload['data']:
            assert not iteration['error'], (title, iteration['error'])
            assert [a['name'] for a in iteration['atomic_actions']] == \
                ACTIONS[name], title
    assert sorted(seen) == sorted(ACTIONS)
    # Every context cleaned up what it made.
    assert {table: _rows(dep, table) for table in NG_TABLES} == before
    # Plans were logged, and none reads a plugin table sequentially.
    plans = _plans_after_mark(pg)
    assert any('ng_' in plan for plan in plans), len(plans)
    scans = _sequential_scans(pg)
    assert scans == {}, '\n\n'.join(
        '%s:\n  %s' % (table, '\n  '.join(sorted(plans)))
        for table, plans in sorted(scans.items()))
