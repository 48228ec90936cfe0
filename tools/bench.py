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
"""The benchmark report: every Rally scenario, keystone's flows and ours.

Starts, on a fresh PostgreSQL database, Keystone + plugin as production
runs it (gunicorn sync workers, keystone's default bcrypt cost, keystone's
cache on memcached when it is installed: tools/setup-env.sh bench), a real
OpenID provider (tools/oidc-provider) and Rally (.venv-rally). Runs the
smoke task once to warm up, then rally-jobs/keystone-ng.yaml with every
scenario at each concurrency for a bounded time, counts the SQL statements
of every request (tools/bench_gunicorn_hooks.py), and writes the report:
median / p95 latency, throughput, errors, the ratio of each new flow to
keystone's closest own flow measured in the same run, and statements per
request.

Then, on a second fresh database, the same login flows at growing row
counts (--scale, seeded in bulk by tools/bench_scale.py), and, when Apache
httpd, mod_wsgi and mod_auth_openidc are installed, stock keystone under
them beside the plugin (tools/bench_apache.py): the OIDC bearer login at
each concurrency and the memory of both. The page shows the tables and
SVG plots (matplotlib) of all three parts.

Usage: tools/bench [--concurrency 1 4 16] [--duration 10] [--rounds 2]
           [--workers 2]
           [--cache memcached|none] [--backend postgresql]
           [--scale 100 10000 100000] [--scale-duration 10]
           [--only flows|scale|apache]
           [--rst doc/source/performance.rst] [--markdown FILE]
           [--json doc/source/performance.json]
           [--profile DIR] [--scenarios token_login oidc_login ...]

Not a test: it asserts nothing; it measures.
"""

import argparse
import collections
import contextlib
import datetime
import glob
import itertools
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import types
import urllib.parse

import requests

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
sys.path.insert(0, TOP)
sys.path.insert(0, os.path.join(TOP, 'tools'))

from keystone_ng_plugin.server import deployment  # noqa: E402
from keystone_ng_plugin_tests.functional import conftest  # noqa: E402
from keystone_ng_plugin_tests.functional import databases  # noqa: E402
from keystone_ng_plugin_tests.functional import memcached  # noqa: E402
from keystone_ng_plugin_tests.functional import oidc_provider  # noqa: E402
from keystone_ng_plugin_tests.functional import test_v3_bearer  # noqa: E402,E501
from keystone_ng_plugin_tests import kube_apiserver  # noqa: E402
from keystone_ng_plugin_tests import rally_task  # noqa: E402
from keystone_ng_plugin_tests.rally import ng_client  # noqa: E402
import bench_apache  # noqa: E402 (tools/)
import bench_scale  # noqa: E402 (tools/)

HOOKS = os.path.join(TOP, 'tools', 'bench_gunicorn_hooks.py')
# The flows of the scaling run (--scale), at concurrency 1.
SCALE_SCENARIOS = ['token_login', 'passkey_login', 'oidc_login',
                   'oauth2_code_flow', 'jwt_login', 'k8s_login',
                   'validate_token', 'restricted_validate',
                   'service_account_token']
# Flows whose latency at the largest row count has a goal (a ratio to the
# smallest).
SCALE_GOAL = 1.2
SCALE_FLOWS = ['passkey_login', 'passkey_finish', 'oidc_callback',
               'oauth2_code', 'jwt_login', 'k8s_login',
               'restricted_validate', 'service_account_token']
# WebSSO (the Apache comparison): the dashboard keystone hands the token
# to, the plugin's callback, and the provider's users the logins cycle
# through (tools/oidc-provider: load-1 ... load-999)
DASHBOARD = 'http://localhost:9990/auth/websso/'
WEBSSO_CALLBACK = '/v4/federation/websso/callback'
WEBSSO_USERS = 999
# The plots, beside the report (relative to doc/source).
FIGURES = 'figures'
IMAGE_ALT = {
    'latency-concurrency.svg': 'Median latency against concurrency of each '
                               'new flow and of keystone\'s closest flow',
    'ratios.svg': 'Ratios of median latencies to keystone\'s closest flow, '
                  'with their goals',
    'latency-rows.svg': 'Median latency of each flow and list against the '
                        'number of rows per table',
    'apache-websso.svg': 'WebSSO latency (keystone\'s part) and whole-flow '
                         'throughput: the plugin against Apache with '
                         'mod_auth_openidc',
    'apache.svg': 'OIDC bearer login latency and throughput: the plugin '
                  'against Apache with mod_auth_openidc',
}
# Which plots open which table of the report (by the title's start).
IMAGE_BEFORE = {
    'Latency and throughput': ['latency-concurrency.svg'],
    'Ratios to keystone\'s closest own flow': ['ratios.svg'],
    'Latency against row count': ['latency-rows.svg'],
    'OIDC bearer login: the plugin against Apache + mod_auth_openidc':
        ['apache.svg'],
    'WebSSO, keystone\'s part': ['apache-websso.svg'],
}

# What a flow's measured time is: the sum of these atomic actions of its
# scenario's iterations ("-x": minus the child action x, the IdP's share
# keystone reports in Server-Timing).
MEASURED = {
    'password_login': ['keystone.password_login'],
    'token_login': ['keystone.token_login'],
    'token_login_scoped': ['keystone.token_login'],
    'validate_token': ['keystone.validate'],
    'passkey_login': ['ng.passkey_start', 'ng.passkey_finish'],
    'passkey_finish': ['ng.passkey_finish'],
    'oidc_login': ['ng.oidc_start', 'ng.oidc_callback', '-idp.token'],
    'oidc_callback': ['ng.oidc_callback', '-idp.token'],
    'jwt_login': ['ng.jwt_login'],
    'k8s_login': ['ng.k8s_login'],
    'restricted_mint': ['ng.restricted_mint'],
    'restricted_validate': ['ng.restricted_validate'],
    'service_account_token': ['ng.service_account_token'],
    'keystone_client_creds': ['keystone.oauth2_token'],
    'oauth2_client_creds': ['ng.oauth2_client_credentials'],
    'oauth2_authorize': ['ng.oauth2_authorize'],
    'oauth2_code': ['ng.oauth2_code'],
    'oauth2_userinfo': ['ng.oauth2_userinfo'],
    'oauth2_refresh': ['ng.oauth2_refresh'],
    'oauth2_jwks': ['ng.oauth2_jwks'],
    'oauth2_discovery': ['ng.oauth2_discovery'],
}
# Flows measured from another scenario's iterations.
SOURCE = {'passkey_finish': 'passkey_login', 'oidc_callback': 'oidc_login',
          'restricted_mint': 'restricted_token',
          'oauth2_authorize': 'oauth2_code_flow',
          'oauth2_code': 'oauth2_code_flow',
          'oauth2_userinfo': 'oauth2_code_flow',
          'oauth2_refresh': 'oauth2_code_flow',
          'oauth2_jwks': 'oauth2_metadata',
          'oauth2_discovery': 'oauth2_metadata'}
# (new flow, keystone's closest own flow, goal on the median ratio, why).
COMPARISONS = [
    ('passkey_login', 'token_login', 1.5,
     'start + finish (two requests) against one re-authentication; both '
     'give an unscoped token'),
    ('passkey_finish', 'token_login', 1.5,
     'the login request: verifies the assertion, issues the token'),
    ('jwt_login', 'token_login_scoped', 1.3,
     'both give a project-scoped token'),
    ('oidc_callback', 'token_login', 1.5,
     'state check, ID token check, mapping, shadow user, unscoped token; '
     'without the IdP\'s time (its token endpoint, as keystone reports it '
     'in Server-Timing)'),
    ('oidc_login', 'token_login', None,
     'start + callback (the IdP\'s sign-in pages excluded)'),
    ('k8s_login', 'token_login_scoped', None,
     'a pod\'s service account token, reviewed by the cluster\'s '
     'TokenReview API (a stand-in on the same CPUs), for a service '
     'account\'s restricted token'),
    ('restricted_validate', 'validate_token', 1.1,
     'GET /v3/auth/tokens of a restricted token against an ordinary one'),
    ('restricted_mint', 'token_login_scoped', None,
     'a restricted token from the caller\'s own against a scoped '
     're-authentication'),
    ('service_account_token', 'token_login_scoped', None,
     'a service account\'s restricted token, issued to an orchestrator'),
    ('oauth2_client_creds', 'keystone_client_creds', 1.0,
     'OAuth 2.0 client credentials, each a slow secret hash: the '
     'provider\'s signed JWT against keystone\'s own POST '
     '/v3/OS-OAUTH2/token (an application credential\'s keystone token)'),
    ('oauth2_code', 'token_login', 1.5,
     'the code exchange (code spent in SQL, client secret, access, ID and '
     'refresh tokens signed) against a re-authentication'),
    ('oauth2_refresh', 'token_login', None,
     'a refresh (the old token spent, a new pair signed)'),
    ('oauth2_authorize', 'token_login', None,
     'an authorization request with an SSO session: the code'),
    ('oauth2_userinfo', 'validate_token', None,
     'userinfo against a token validation'),
    ('oauth2_jwks', 'validate_token', 1.0,
     'the JWKS, which relying parties fetch'),
    ('oauth2_discovery', 'validate_token', 1.0,
     'the discovery document'),
]
# The measured requests, for the statement counts.
ROUTES = [
    ('token_login', 'POST', '/v3/auth/tokens'),
    ('token_login_scoped', 'POST', '/v3/auth/tokens'),
    ('password_login', 'POST', '/v3/auth/tokens'),
    ('validate_token', 'GET', '/v3/auth/tokens'),
    ('passkey_login', 'POST', '/v4/auth/passkey/start'),
    ('passkey_login', 'POST', '/v4/auth/passkey/finish'),
    ('oidc_login', 'POST', '/v4/federation/identity_providers/{id}/auth'),
    ('oidc_login', 'POST', '/v4/federation/oidc/callback'),
    ('jwt_login', 'POST', '/v4/federation/identity_providers/{id}/jwt'),
    ('k8s_login', 'POST', '/v4/k8s_auth/instances/{id}/auth'),
    ('restricted_token', 'POST', '/v4/tokens/restrictions/{id}/tokens'),
    ('restricted_validate', 'GET', '/v3/auth/tokens'),
    ('service_account_token', 'POST', '/v4/service_accounts/{id}/tokens'),
    ('keystone_client_creds', 'POST', '/v3/OS-OAUTH2/token'),
    ('oauth2_client_creds', 'POST', '/v4/oauth2/default/token'),
    ('oauth2_code_flow', 'GET', '/v4/oauth2/default/authorize'),
    ('oauth2_code_flow', 'POST', '/v4/oauth2/default/token'),
    ('oauth2_code_flow', 'GET', '/v4/oauth2/default/userinfo'),
    ('oauth2_metadata', 'GET', '/v4/oauth2/default/jwks'),
    ('oauth2_metadata', 'GET',
     '/v4/oauth2/default/.well-known/openid-configuration'),
]

# Why each measured request makes the statements it makes.
WHY = {
    'token_login': 'keystone\'s own: all it reads is in memcached',
    'token_login_scoped': 'keystone\'s own: all it reads is in memcached',
    'password_login': 'keystone\'s own: the password hash is never cached',
    'validate_token': 'keystone\'s own: the validation is cached',
    'passkey_login POST /v4/auth/passkey/start':
        'the single-use challenge, in the database so that any node can '
        'finish the login (SET: asynchronous commit, PostgreSQL only)',
    'passkey_login POST /v4/auth/passkey/finish':
        'the challenge taken out (DELETE ... RETURNING: single use, before '
        'anything is verified); the passkey\'s sign count and last use '
        '(clone detection; fails for a passkey deleted meanwhile)',
    'oidc_login POST /v4/federation/identity_providers/{id}/auth':
        'state, nonce and PKCE verifier, single use, for any node (SET: '
        'asynchronous commit)',
    'oidc_login POST /v4/federation/oidc/callback':
        'the state taken out (DELETE ... RETURNING: single use, before the '
        'code is redeemed); identity provider, keys and mapping are cached, '
        'and the shadow user is refreshed only every [ng_federation] '
        'shadow_refresh seconds (about 12 statements then)',
    'jwt_login': 'none: identity provider, keys, mapping, service account '
                 'and restriction are cached (the maximum is a cache refill)',
    'k8s_login': 'instance and role (by instance and name); the review '
                 'itself is an HTTPS call to the cluster',
    'restricted_token POST /v4/tokens/restrictions/{id}/tokens':
        'none: restriction, assignments and roles are cached',
    'restricted_validate':
        'none: the restriction comes from the cache backend',
    'keystone_client_creds': 'keystone\'s own: the application credential '
                             'and its secret hash',
    'oauth2_client_creds POST /v4/oauth2/default/token':
        'the client (its secret hash), the service account, the signing '
        'key',
    'oauth2_code_flow GET /v4/oauth2/default/authorize':
        'the client, the session, the new code (INSERT)',
    'oauth2_code_flow POST /v4/oauth2/default/token':
        'code exchange and refresh pooled: the client and its secret hash '
        '(one read), the code or refresh token spent (one conditional '
        'UPDATE), the new refresh token (INSERT); the signing key is read '
        'every 10 s, the user comes from keystone\'s cache',
    'oauth2_code_flow GET /v4/oauth2/default/userinfo':
        'the published keys, the revoked-token check, the client, the user',
    'oauth2_metadata GET /v4/oauth2/default/jwks': 'the published keys',
    'oauth2_metadata GET /v4/oauth2/default/.well-known/openid-configuration':
        'the published keys (their algorithms)',
    'service_account_token':
        'the service account read for the policy check (primary key); '
        'SELECT service: keystone lists the catalog\'s services for every '
        'CADF audit event it emits (this issuance is audited)',
}


def why(key):
    scenario = key.split(' ', 1)[0]
    return WHY.get(key) or WHY.get(scenario, '')


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1,
                       int(round(fraction * (len(ordered) - 1))))]


# -- the run ------------------------------------------------------------------

def keystone_config(cache_servers):
    config = {
        # The test IdP serves plain http on loopback.
        'ng_federation': {'allow_insecure_loopback': 'true',
                          # OIDC bearer tokens on keystone's v3 federation
                          # auth URL (the Apache comparison)
                          'v3_oidc_protocols': 'openid',
                          'v3_bearer_audiences': 'keystone'},
        'auth': {'methods': ','.join(deployment.KEYSTONE_AUTH_METHODS +
                                     deployment.PLUGIN_AUTH_METHODS +
                                     ['openid'])},
        'openid': {'remote_id_attribute': 'OIDC-iss'},
        # WebSSO (the Apache comparison): keystone's callback template
        # posts the token to this dashboard
        'federation': {'trusted_dashboard': DASHBOARD,
                       'sso_callback_template': os.path.join(
                           sys.prefix, 'etc', 'keystone',
                           'sso_callback_template.html')},
        'cache': {'enabled': 'false'},
        # One load generator is one client address: throttling stays on
        # (its cost is measured) with limits it never reaches.
        'keystone_ng': {'throttle_rate': '1000000',
                        'throttle_burst': '1000000',
                        'max_outstanding_ceremonies': '1000000'},
    }
    if cache_servers:
        config['cache'] = {'enabled': 'true',
                           'backend': 'dogpile.cache.pymemcache',
                           'memcache_servers': cache_servers}
    return config


@contextlib.contextmanager
def _stack(args, warm=True, redirect_uris=()):
    """A fresh database, memcached, the OpenID provider (its client
    ``keystone`` may also redirect to ``redirect_uris``), the Kubernetes
    stand-in and keystone, warmed up by the smoke task."""
    state = tempfile.mkdtemp(prefix='ng-bench-')
    url = databases.create(args.backend, state)
    cache = (memcached.Memcached() if args.cache == 'memcached'
             else None)
    port = deployment.free_port()
    provider = oidc_provider.OIDCProvider(
        deployment.free_port(), redirect_uris=[
            conftest.OIDC_REDIRECT_URI,
            'http://127.0.0.1:%d%s' % (port, WEBSSO_CALLBACK),
            *redirect_uris],
        niceness=args.idp_niceness)
    # A stand-in: no Kubernetes API server runs here (named as such in
    # the report).
    cluster = kube_apiserver.KubeAPIServer()
    query_log = os.path.join(state, 'queries')
    os.environ['NG_BENCH_QUERY_LOG'] = query_log
    if args.profile:
        os.makedirs(args.profile, exist_ok=True)
        os.environ['NG_BENCH_PROFILE'] = os.path.join(args.profile, 'prof')
    dep = deployment.Deployment(
        state_dir=state, database_url=url, port=port,
        workers=args.workers, gunicorn_args=['--config', HOOKS],
        extra_config=keystone_config(
            cache and '127.0.0.1:%d' % cache.port))
    try:
        dep.setup()
        dep.start()
        rally = rally_task.Rally(os.path.join(state, 'rally'), dep)
        task_args = {'passkey_origin': dep.passkey_origins[0],
                     'oidc_discovery_url': provider.discovery_url}
        task_args.update(_k8s_login(dep, cluster))
        if warm:
            print('warming up (the smoke task)', flush=True)
            rally.start(task_args, args_file=rally_task.SMOKE_ARGS)
        yield types.SimpleNamespace(
            dep=dep, rally=rally, task_args=task_args, query_log=query_log,
            url=url, provider=provider, cache=cache)
    finally:
        dep.stop()
        provider.stop()
        cluster.stop()
        if cache:
            cache.stop()
        databases.drop(args.backend, url)
        shutil.rmtree(state, ignore_errors=True)


def _k8s_login(dep, cluster) -> dict:
    """A Kubernetes auth instance of the stand-in cluster whose role
    gives a service account's restricted token, and a pod's token for it
    (valid for a day): the task arguments of KeystoneNG.k8s_login."""
    admin = conftest.Admin(dep)
    domain = admin.request('POST', '/domains', status=201, json={
        'domain': {'name': 'k8s-bench'}}).json()['domain']['id']
    project = admin.request('POST', '/projects', status=201, json={
        'project': {'name': 'k8s-bench', 'domain_id': domain}}
    ).json()['project']['id']
    account = admin.request('POST', '/v4/service_accounts', status=201,
                            json={'service_account': {
                                'name': 'deployer', 'domain_id': domain}}
                            ).json()['service_account']
    member = admin.role_id('member')
    admin.request('PUT', '/projects/%s/users/%s/roles/%s' % (
        project, account['id'], member), status=204)
    restriction = admin.request(
        'POST', '/v4/tokens/restrictions', status=201, json={'restriction': {
            'domain_id': domain, 'user_id': account['id'],
            'project_id': project, 'roles': [{'id': member}]}}
    ).json()['restriction']
    instance = admin.request(
        'POST', '/v4/k8s_auth/instances', status=201, json={'instance': {
            'domain_id': domain, 'name': 'bench', 'host': cluster.url,
            'ca_cert': cluster.ca_pem, 'disable_local_ca_jwt': True,
            'token_reviewer_jwt': cluster.reviewer()}}).json()['instance']
    admin.request('POST', '/v4/k8s_auth/instances/%s/roles' % instance['id'],
                  status=201, json={'role': {
                      'name': 'deployer', 'bound_audience': 'keystone',
                      'bound_service_account_names': ['deployer'],
                      'bound_service_account_namespaces': ['ci'],
                      'token_restriction_id': restriction['id']}})
    return {'k8s_instance_id': instance['id'], 'k8s_role_name': 'deployer',
            'k8s_jwt': cluster.issue('ci', 'deployer',
                                     audiences=['keystone'],
                                     lifetime=86400)}


def closed_loop(call, concurrency, duration) -> dict:
    """``concurrency`` threads calling ``call(session)`` back to back for
    ``duration`` seconds. ``call`` answers True (success: its latency is
    the whole call), a number (success: its latency is that many ms, the
    part of the call measured) or False."""
    latencies, wholes, errors = [], [], []
    deadline = time.perf_counter() + duration

    def worker():
        session = requests.Session()
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                ok = call(session)
            except (requests.RequestException, ng_client.Failure,
                    RuntimeError):
                ok = False
            whole = (time.perf_counter() - began) * 1000
            if ok is False:
                errors.append(whole)
                continue
            latencies.append(whole if ok is True else ok)
            wholes.append(whole)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    return {'median_ms': statistics.median(latencies) if latencies else None,
            'p95_ms': percentile(latencies, 0.95) if latencies else None,
            'whole_median_ms': (statistics.median(wholes) if wholes
                                else None),
            'throughput_per_s': len(latencies) / seconds,
            'iterations': len(latencies) + len(errors),
            'errors': len(errors)}


def run_apache(args) -> dict:
    """Stock keystone under Apache with mod_wsgi and mod_auth_openidc, and
    the plugin's native routes, on one database, in interleaved rounds:
    the OIDC bearer login (keystoneauth's v3oidcaccesstoken) on keystone's
    v3 federation URL, WebSSO (the redirect to the provider and the
    callback), and the memory of their processes."""
    lacks = bench_apache.missing()
    if lacks:
        raise SystemExit('the Apache comparison needs: ' + ', '.join(lacks) +
                         ' (tools/setup-env.sh bench)')
    apache_port = deployment.free_port()
    with _stack(args, warm=False, redirect_uris=[
            bench_apache.websso_redirect_uri(apache_port)]) as stack:
        dep = stack.dep
        admin = conftest.Admin(dep)
        apache = bench_apache.Apache(dep, apache_port, stack.provider,
                                     args.workers)
        apache.start()
        try:
            began = time.time()
            runs = _apache_bearer(args, stack, admin, apache)
            websso = _apache_websso(args, stack, admin, apache)
            memory = {
                'apache_httpd': bench_apache.rss_mib(apache.httpd_conf),
                'plugin_gunicorn': bench_apache.rss_mib(
                    'keystone_ng_plugin.wsgi:application')}
            setup = setup_of(args, dep, began, time.time())
            return {'runs': runs, 'websso': websso, 'memory': memory,
                    'setup': setup}
        finally:
            apache.stop()


def _interleaved(args, servers, call, apache) -> dict:
    """{concurrency: {server: pooled figures}} of ``call(url)`` on each
    server, after a check and a warm-up of each."""
    for name, url in servers.items():
        if call(url)(requests.Session()) is False:
            raise RuntimeError('%s refused the login: %s' % (
                name, apache.log_tail() if name == 'apache' else ''))
        closed_loop(call(url), 2, 3)
    pooled = collections.defaultdict(list)
    for _ in range(args.rounds):
        for c in args.concurrency:
            for name, url in servers.items():
                pooled[(c, name)].append(closed_loop(
                    call(url), c, args.duration))
    runs = collections.defaultdict(dict)
    for (c, name), parts in sorted(pooled.items()):
        runs[c][name] = _pool(parts)
    return dict(runs)


def _apache_bearer(args, stack, admin, apache) -> dict:
    """The bearer login on keystone's v3 IdP (remote ID: the provider),
    which is deleted afterwards (the WebSSO IdP takes its remote ID)."""
    idp, _ = test_v3_bearer._v3_federation(admin, stack.provider.issuer,
                                           'bench')
    bearer = stack.provider.client_credentials()
    path = ('/v3/OS-FEDERATION/identity_providers/%s/protocols/openid/auth'
            % idp)
    servers = {'apache': apache.base_url + path,
               'plugin': stack.dep.auth_url[:-len('/v3')] + path}

    def login(url):
        def call(session):
            r = session.post(url, timeout=60, headers={
                'Authorization': 'Bearer ' + bearer})
            return r.status_code == 201
        return call
    try:
        return _interleaved(args, servers, login, apache)
    finally:
        admin.request('DELETE', '/OS-FEDERATION/identity_providers/' + idp,
                      status=204)


def _apache_websso(args, stack, admin, apache) -> dict:
    """WebSSO for protocol openid as Horizon starts it, on one IdP: the
    plugin's (its client at the provider, keystone's v3 mapping and
    protocol on it, the provider as its remote ID). What is measured is
    keystone's part: the redirect to the provider plus the callback (for
    Apache: mod_auth_openidc's redirect URI, then its redirect back to
    keystone's WebSSO URL); the provider's login pages are between the
    two, and in the whole flow's figures."""
    provider = stack.provider
    idp = admin.request('POST', '/v4/federation/identity_providers',
                        status=201, json={'identity_provider': {
                            'name': 'bench-sso', 'domain_id': 'default',
                            'oidc_discovery_url': provider.discovery_url,
                            'bound_issuer': provider.issuer,
                            'oidc_client_id': 'keystone',
                            'oidc_client_secret': 'keystone-secret',
                            'oidc_scopes': ['openid', 'profile']}}
                        ).json()['identity_provider']['id']
    test_v3_bearer._v3_federation(admin, provider.issuer, 'sso',
                                  idp_id=idp)
    path = ('/v3/auth/OS-FEDERATION/identity_providers/%s/protocols/openid/'
            'websso?origin=%s' % (idp, urllib.parse.quote(DASHBOARD,
                                                          safe='')))
    servers = {'apache': (apache.base_url + path,
                          bench_apache.websso_redirect_uri(apache.port)),
               'plugin': (stack.dep.base_url + path,
                          stack.dep.base_url + WEBSSO_CALLBACK)}
    users = itertools.count()

    def login(server):
        start, redirect_uri = server

        def call(session):
            session.cookies.clear()
            user = 'load-%d' % (next(users) % WEBSSO_USERS + 1)
            began = time.perf_counter()
            r = session.get(start, allow_redirects=False, timeout=60)
            if r.status_code != 302:
                return False
            keystone = time.perf_counter() - began
            params = ng_client.login_at_provider(
                r.headers['Location'], redirect_uri, user, user + '-pass')
            began = time.perf_counter()
            r = session.get(redirect_uri, params=params, timeout=60)
            keystone += time.perf_counter() - began
            ok = r.status_code == 200 and 'name="token"' in r.text
            return keystone * 1000 if ok else False
        return call
    return _interleaved(args, servers, login, apache)


def _pool(parts) -> dict:
    """Round results of one server and concurrency, pooled (medians of the
    rounds' medians)."""
    return {'median_ms': statistics.median(p['median_ms'] for p in parts
                                           if p['median_ms']),
            'p95_ms': statistics.median(p['p95_ms'] for p in parts
                                        if p['p95_ms']),
            'whole_median_ms': statistics.median(
                p['whole_median_ms'] for p in parts
                if p.get('whole_median_ms')),
            'throughput_per_s': statistics.median(
                p['throughput_per_s'] for p in parts),
            'iterations': sum(p['iterations'] for p in parts),
            'errors': sum(p['errors'] for p in parts)}


def run(args) -> dict:
    with _stack(args) as stack:
        dep, rally = stack.dep, stack.rally
        task_args, query_log = stack.task_args, stack.query_log
        warm_lines = _log_lines(query_log)
        print('measuring: concurrency %s, %s s each, %d rounds' % (
            args.concurrency, args.duration, args.rounds), flush=True)
        began = time.time()
        measured = dict(task_args, concurrencies=args.concurrency,
                        duration=args.duration, rounds=args.rounds)
        if args.scenarios:
            measured['scenarios'] = args.scenarios
        uuid = rally.start(measured)
        report = rally.results(uuid)
        figures = figures_of(report)
        figures['statements'] = statements(report, query_log, warm_lines)
        figures['setup'] = setup_of(args, dep, began, time.time())
        return figures


def run_scale(args) -> dict:
    """Each login flow and the lists at each row count (seeded in bulk
    between the measurements, on the same server)."""
    sizes = sorted(args.scale)
    with _stack(args) as stack:
        dep, rally, task_args = stack.dep, stack.rally, stack.task_args
        token = conftest.password_token(dep)
        began = time.time()
        found, seeded = {}, 0
        for size in sizes:
            took = bench_scale.seed(stack.url, seeded, size)
            print('%d rows per table (%d seeded in %.0f s): measuring' % (
                size, size - seeded, took), flush=True)
            seeded = size
            uuid = rally.start(dict(
                task_args, concurrencies=[1], duration=args.scale_duration,
                rounds=1, scenarios=SCALE_SCENARIOS))
            flows = figures_of(rally.results(uuid))['runs'].get(1, {})
            flows.pop('idp_login', None)
            flows.update(bench_scale.time_lists(dep, token))
            found[size] = flows
        setup = setup_of(args, dep, began, time.time())
        setup.update(concurrency=[1], duration_s=args.scale_duration,
                     rounds=1)
        return {'sizes': found, 'setup': setup}


def _log_lines(prefix):
    return {path: sum(1 for _ in open(path))
            for path in glob.glob(prefix + '.*')}


# -- figures ------------------------------------------------------------------

def figures_of(report) -> dict:
    """{'runs': {concurrency: {flow: stats}}}; the workloads of one
    scenario and concurrency (one per round) pooled."""
    pooled = collections.defaultdict(lambda: {'data': [], 'seconds': 0.0})
    for title, workload in rally_task.workloads(report):
        name, c = title.split(' c=')
        pool = pooled[(name, int(c))]
        pool['data'] += workload['data']
        pool['seconds'] += workload['load_duration']
    runs = collections.defaultdict(dict)
    for (name, concurrency), pool in sorted(pooled.items(),
                                            key=lambda item: item[0][1]):
        data = pool['data']
        ok = [i for i in data if not i['error']]
        flows = [f for f in MEASURED if SOURCE.get(f, f) == name]
        for flow in flows:
            values = [sum(_action(i, a) for a in MEASURED[flow]) * 1000
                      for i in ok]
            runs[concurrency][flow] = {
                'iterations': len(data), 'errors': len(data) - len(ok),
                'error_samples': [i['error'][:2] for i in data
                                  if i['error']][:3],
                'median_ms': statistics.median(values) if values else None,
                'p95_ms': percentile(values, 0.95) if values else None,
                # An OIDC iteration is mostly the IdP's sign-in pages.
                'throughput_per_s': (None if name == 'oidc_login' else
                                     len(ok) / pool['seconds']),
            }
        if name == 'oidc_login' and ok:
            runs[concurrency]['idp_login'] = {
                'median_ms': statistics.median(
                    _action(i, 'idp.login') for i in ok) * 1000,
                'token_median_ms': statistics.median(
                    -_action(i, '-idp.token') for i in ok) * 1000}
    return {'runs': {c: dict(v) for c, v in sorted(runs.items())}}


def _action(iteration, name):
    if name.startswith('-'):
        return -sum(_action({'atomic_actions': a['children']}, name[1:])
                    for a in iteration['atomic_actions']
                    if any(c['name'] == name[1:] for c in a['children']))
    for action in iteration['atomic_actions']:
        if action['name'] == name:
            return action['finished_at'] - action['started_at']
    raise KeyError(name)


def statements(report, prefix, skip) -> dict:
    """Median SQL statements per measured request, from the hooks' log,
    each line attributed to the workload whose iterations it fell in."""
    windows = []
    for title, workload in rally_task.workloads(report):
        stamps = [(i['timestamp'], i['timestamp'] + i['duration'])
                  for i in workload['data']]
        if stamps:
            windows.append((title.split(' c=')[0], min(s for s, _ in stamps),
                            max(e for _, e in stamps)))
    counts = collections.defaultdict(list)
    for path in glob.glob(prefix + '.*'):
        with open(path) as f:
            for number, line in enumerate(f):
                if number < skip.get(path, 0):
                    continue
                when, method, route, status, count, summary = line.split()
                route = re.sub(r'/[0-9a-f]{32}(?=/|$)', '/{id}', route)
                for name, start, end in windows:
                    if start <= float(when) <= end:
                        counts[(name, method, route, status)].append(
                            (int(count), summary))
    found = {}
    for name, method, route in ROUTES:
        values = [v for (n, m, r, s), vs in counts.items() for v in vs
                  if (n, m, r) == (name, method, route) and s[0] == '2']
        if values:
            numbers = [number for number, _ in values]
            common = collections.Counter(
                summary for _, summary in values).most_common(1)[0][0]
            found['%s %s %s' % (name, method, route)] = {
                'median': statistics.median(numbers), 'max': max(numbers),
                'requests': len(values),
                'most_often': common.replace('+', ' ')}
    return found


def setup_of(args, dep, began, ended) -> dict:
    from importlib import metadata
    return {
        'date': datetime.datetime.utcfromtimestamp(began).strftime(
            '%Y-%m-%d %H:%M UTC'),
        'minutes': round((ended - began) / 60, 1),
        'backend': args.backend, 'cache': args.cache,
        'gunicorn_workers': dep.workers, 'duration_s': args.duration,
        'rounds': args.rounds, 'idp_niceness': args.idp_niceness,
        'concurrency': args.concurrency, 'cpus': os.cpu_count(),
        'python': platform.python_version(),
        'keystone': metadata.version('keystone'),
        'plugin': metadata.version('keystone-ng-plugin'),
    }


def ratios(figures) -> list:
    rows = []
    for c, flows in figures['runs'].items():
        for new, base, goal, why in COMPARISONS:
            a, b = flows.get(new), flows.get(base)
            if not a or not b or not a['median_ms'] or not b['median_ms']:
                continue
            ratio = a['median_ms'] / b['median_ms']
            rows.append({
                'concurrency': c, 'new': new, 'baseline': base,
                'median': ratio, 'p95': a['p95_ms'] / b['p95_ms'],
                'throughput': (b['throughput_per_s'] / a['throughput_per_s']
                               if a['throughput_per_s'] and
                               b['throughput_per_s'] else None),
                'goal': goal, 'met': None if goal is None else ratio <= goal,
                'why': why})
    return rows


# -- the plots ----------------------------------------------------------------

def plots(figures, directory) -> list:
    """SVG plots of the figures in ``directory``; returns their names.

    Latency against concurrency of each new flow next to keystone's flow it
    is compared with, and the ratios against their goals.
    """
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot
    matplotlib.rcParams.update({'svg.hashsalt': 'keystone-ng-bench',
                                'svg.fonttype': 'none', 'font.size': 8})
    os.makedirs(directory, exist_ok=True)
    written = []
    runs = figures['runs']
    pairs = [(new, base, goal) for new, base, goal, _ in COMPARISONS
             if any(new in f and base in f for f in runs.values())]
    if figures.get('scale'):
        written += _plot_scale(figures['scale'], directory)
    if figures.get('apache'):
        written += _plot_apache(figures['apache'], directory)
    if not pairs:
        return written
    columns = 4
    rows = -(-len(pairs) // columns)
    fig, axes = pyplot.subplots(rows, columns, squeeze=False,
                                figsize=(2.6 * columns, 2.2 * rows))
    for ax, (new, base, goal) in zip(axes.flat, pairs):
        for flow, style in ((base, '--'), (new, '-')):
            points = [(int(c), f[flow]['median_ms']) for c, f in runs.items()
                      if flow in f and f[flow]['median_ms']]
            ax.plot([c for c, _ in points], [m for _, m in points],
                    style, marker='o', markersize=3,
                    label=flow + (' (keystone)' if flow == base else ''))
        ax.set_xscale('log', base=2)
        ax.set_xticks([int(c) for c in runs])
        ax.set_xticklabels([str(c) for c in runs])
        ax.set_title(new + (' (goal %.1fx)' % goal if goal else ''))
        ax.set_xlabel('concurrency')
        ax.set_ylabel('median ms')
        ax.legend(fontsize=6)
    for ax in list(axes.flat)[len(pairs):]:
        ax.axis('off')
    written.append(_save(fig, directory, 'latency-concurrency.svg'))
    rows = [r for r in ratios(figures) if r['goal']]
    if rows:
        names = list(dict.fromkeys(r['new'] for r in rows))
        concurrencies = list(dict.fromkeys(r['concurrency'] for r in rows))
        fig, ax = pyplot.subplots(figsize=(8, 0.35 * len(names) + 1))
        height = 0.8 / len(concurrencies)
        for i, c in enumerate(concurrencies):
            found = {r['new']: r for r in rows if r['concurrency'] == c}
            ax.barh([n + i * height for n in range(len(names))],
                    [found[n]['median'] if n in found else 0
                     for n in names], height, label='concurrency %s' % c)
        for n, name in enumerate(names):
            goal = next(r['goal'] for r in rows if r['new'] == name)
            ax.plot([goal, goal], [n - 0.1, n + 0.9], 'k:', linewidth=1)
        ax.set_yticks([n + 0.4 - height / 2 for n in range(len(names))])
        ax.set_yticklabels(names)
        ax.invert_yaxis()
        ax.set_xlabel('median latency / keystone\'s closest flow '
                      '(dotted: the goal)')
        ax.legend(fontsize=6, loc='lower right')
        written.append(_save(fig, directory, 'ratios.svg'))
    return written


def _plot_scale(scale, directory) -> list:
    from matplotlib import pyplot
    written = []
    if scale:
        sizes = sorted(scale['sizes'], key=int)
        fig, (logins, lists) = pyplot.subplots(1, 2, figsize=(10, 3.6))
        for flow in SCALE_FLOWS + ['token_login', 'validate_token']:
            points = [(int(n), scale['sizes'][n][flow]['median_ms'])
                      for n in sizes if scale['sizes'][n].get(flow) and
                      scale['sizes'][n][flow].get('median_ms')]
            if points:
                logins.plot(*zip(*points), '--' if flow in (
                    'token_login', 'validate_token') else '-', marker='o',
                    markersize=3, label=flow + (
                        ' (keystone)' if flow in ('token_login',
                                                  'validate_token') else ''))
        for name, _ in bench_scale.LISTS:
            points = [(int(n), scale['sizes'][n]['list_' + name]['median_ms'])
                      for n in sizes if scale['sizes'][n].get('list_' + name)]
            if points:
                lists.plot(*zip(*points), marker='o', markersize=3,
                           label=name)
        for ax, title in ((logins, 'logins and validations'),
                          (lists, 'lists (first page)')):
            ax.set_xscale('log')
            ax.set_xlabel('rows per table')
            ax.set_ylabel('median ms (concurrency 1)')
            ax.set_ylim(bottom=0)
            ax.set_title(title)
            ax.legend(fontsize=6)
        written.append(_save(fig, directory, 'latency-rows.svg'))
    return written


def _plot_apache(apache, directory) -> list:
    written = [_plot_versus(apache['runs'], directory, 'apache.svg',
                            'OIDC bearer login latency', 'throughput',
                            'logins per second')]
    if apache.get('websso'):
        written.append(_plot_versus(
            apache['websso'], directory, 'apache-websso.svg',
            'WebSSO: keystone\'s part', 'whole flows (with the provider)',
            'logins per second'))
    return written


def _plot_versus(runs, directory, name, latency_title, rate_title,
                 rate_label):
    from matplotlib import pyplot
    runs = sorted(runs.items(), key=lambda item: int(item[0]))
    fig, (latency, rate) = pyplot.subplots(1, 2, figsize=(9, 3.4))
    for server, label, color in (
            ('apache', 'Apache + mod_auth_openidc', 'C0'),
            ('plugin', 'plugin (native)', 'C1')):
        points = [(int(c), f[server]) for c, f in runs if server in f]
        xs = [c for c, _ in points]
        latency.plot(xs, [f['median_ms'] for _, f in points], marker='o',
                     markersize=3, color=color, label=label + ', median')
        latency.plot(xs, [f['p95_ms'] for _, f in points], ':', marker='.',
                     color=color, label=label + ', p95')
        rate.plot(xs, [f['throughput_per_s'] for _, f in points],
                  marker='o', markersize=3, color=color, label=label)
    for ax, ylabel in ((latency, 'ms'), (rate, rate_label)):
        ax.set_xscale('log', base=2)
        ax.set_xticks([int(c) for c, _ in runs])
        ax.set_xticklabels([str(c) for c, _ in runs])
        ax.set_xlabel('concurrency')
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=6)
    latency.set_title(latency_title)
    rate.set_title(rate_title)
    return _save(fig, directory, name)


def _save(fig, directory, name):
    from matplotlib import pyplot
    fig.tight_layout()
    fig.savefig(os.path.join(directory, name), metadata={'Date': None})
    pyplot.close(fig)
    return name


# -- the report ---------------------------------------------------------------

def tables(figures):
    """(title, header, rows) of the report."""
    setup = figures['setup']
    out = []
    rows = []
    for c, flows in figures['runs'].items():
        for flow, f in flows.items():
            if flow == 'idp_login':
                continue
            rows.append([str(c), flow, _ms(f['median_ms']), _ms(f['p95_ms']),
                         _ms(f['throughput_per_s']), str(f['errors'])])
    out.append(('Latency and throughput',
                ['concurrency', 'flow', 'median ms', 'p95 ms', 'per s',
                 'errors'], rows))
    rows = []
    for r in ratios(figures):
        rows.append([str(r['concurrency']), r['new'], r['baseline'],
                     '%.2fx' % r['median'], '%.2fx' % r['p95'],
                     '%.2fx' % r['throughput'] if r['throughput'] else '-',
                     ('<= %.1fx: %s' % (r['goal'], 'met' if r['met']
                                        else 'NOT met'))
                     if r['goal'] else '-'])
    out.append(('Ratios to keystone\'s closest own flow (same run)',
                ['concurrency', 'new flow', 'keystone flow',
                 'median', 'p95', 'throughput', 'goal'], rows))
    rows = [[key.split(' ', 1)[0], key.split(' ', 1)[1], '%g' % v['median'],
             str(v['max']), v.get('most_often', ''), why(key)]
            for key, v in figures['statements'].items()]
    out.append(('SQL statements per request (median over the run)',
                ['scenario', 'request', 'median', 'max',
                 'most frequent statements (verb:table)', 'why'], rows))
    out += scale_tables(figures.get('scale'))
    out += apache_tables(figures.get('apache'))
    idp = ['%s: %s ms (sign-in pages), %s ms (token endpoint)' % (
        c, _ms(f['idp_login']['median_ms']),
        _ms(f['idp_login'].get('token_median_ms')))
        for c, f in figures['runs'].items() if 'idp_login' in f]
    return setup, out, idp


def scale_tables(scale) -> list:
    if not scale:
        return []
    sizes = sorted(scale['sizes'], key=int)
    first, last = sizes[0], sizes[-1]
    flows = [f for f in SCALE_FLOWS + ['token_login', 'validate_token']
             if any(f in scale['sizes'][n] for n in sizes)]
    rows = []
    for flow in flows:
        values = [scale['sizes'][n].get(flow, {}).get('median_ms')
                  for n in sizes]
        ratio = (values[-1] / values[0] if values[0] and values[-1]
                 else None)
        goal = '-'
        if flow in SCALE_FLOWS and ratio:
            goal = '<= %.1fx: %s' % (SCALE_GOAL, 'met' if ratio <= SCALE_GOAL
                                     else 'NOT met')
        rows.append([flow] + [_ms(v) for v in values] +
                    ['%.2fx' % ratio if ratio else '-', goal])
    out = [('Latency against row count (concurrency 1; run: %s, %s '
            'minutes)' % (scale['setup'].get('date'),
                          scale['setup'].get('minutes')),
            ['flow'] + ['%s rows' % _count(n) for n in sizes] +
            ['%s / %s' % (_count(last), _count(first)), 'goal'], rows)]
    rows = []
    for name, _ in bench_scale.LISTS:
        key = 'list_' + name
        values = [scale['sizes'][n].get(key) for n in sizes]
        if not any(values):
            continue
        rows.append([name] + ['%s (%s items%s)' % (
            _ms(v['median_ms']), v['items'], ', next' if v['next'] else '')
            if v else '-' for v in values])
    out.append(('Lists against row count: the first page, median ms',
                ['list'] + ['%s rows' % _count(n) for n in sizes], rows))
    return out


def apache_tables(apache) -> list:
    if not apache:
        return []
    when = '(run: %s, %s minutes)' % (apache['setup'].get('date'),
                                      apache['setup'].get('minutes'))
    out = [('OIDC bearer login: the plugin against Apache + '
            'mod_auth_openidc ' + when,
            ['concurrency', 'server', 'median ms', 'p95 ms', 'per s',
             'errors'], _versus_apache(apache['runs'], goal=1.0))]
    if apache.get('websso'):
        out.append((
            'WebSSO, keystone\'s part (the redirect to the provider plus '
            'the callback): the plugin against Apache + mod_auth_openidc ' +
            when,
            ['concurrency', 'server', 'median ms', 'p95 ms', 'whole flow '
             'median ms', 'whole flows per s', 'errors'],
            _versus_apache(apache['websso'], whole=True)))
    memory = apache.get('memory') or {}
    rows = [[name, str(len(values)),
             ', '.join('%.0f' % v for v in sorted(values)),
             '%.0f' % sum(values)]
            for name, values in sorted(memory.items()) if values]
    out.append(('Memory after the run (resident, MiB)',
                ['processes', 'count', 'each', 'total'], rows))
    return out


def _versus_apache(runs, goal=None, whole=False) -> list:
    """Rows of each concurrency: Apache's figures, the plugin's, their
    ratios (and the latency goal's verdict)."""
    rows = []
    for c, servers in sorted(runs.items(), key=lambda i: int(i[0])):
        a, p = servers.get('apache'), servers.get('plugin')
        for name, f in (('Apache + mod_auth_openidc', a), ('plugin', p)):
            if f:
                rows.append([str(c), name, _ms(f['median_ms']),
                             _ms(f['p95_ms'])] +
                            ([_ms(f.get('whole_median_ms'))] if whole
                             else []) +
                            [_ms(f['throughput_per_s']), str(f['errors'])])
        if a and p and a['median_ms'] and p['median_ms']:
            ratio = p['median_ms'] / a['median_ms']
            rows.append(
                [str(c), 'plugin / Apache', '%.2fx' % ratio,
                 '%.2fx' % (p['p95_ms'] / a['p95_ms'])] +
                (['%.2fx' % (p['whole_median_ms'] / a['whole_median_ms'])]
                 if whole else []) +
                ['%.2fx' % (p['throughput_per_s'] / a['throughput_per_s']),
                 '' if goal is None else '<= %.1fx: %s' % (
                     goal, 'met' if ratio <= goal else 'NOT met')])
    return rows


def _count(n):
    n = int(n)
    return '10^%d' % (len(str(n)) - 1) if str(n).strip('0') == '1' else str(n)


def _ms(value):
    return '-' if value is None else '%.1f' % value


def render_rst(figures, preamble, images=()) -> str:
    setup, out, idp = tables(figures)
    lines = [preamble.rstrip(), '']
    lines += _setup_lines(setup, idp, '* ')
    for title, header, rows in out:
        lines += ['', title, '-' * len(title), '']
        for image in IMAGE_BEFORE.get(title.split(' (')[0], ()):
            if image in images:
                lines += ['.. image:: %s/%s' % (FIGURES, image),
                          '   :alt: %s' % IMAGE_ALT[image],
                          '   :width: 100%', '']
        lines += ['.. list-table::', '   :header-rows: 1', '']
        for row in [header] + rows:
            lines.append('   * - ' + row[0])
            lines += ['     - ' + cell for cell in row[1:]]
    return '\n'.join(lines) + '\n'


def render_markdown(figures) -> str:
    setup, out, idp = tables(figures)
    lines = ['# keystone-ng-plugin benchmark', '']
    lines += _setup_lines(setup, idp, '- ')
    for title, header, rows in out:
        lines += ['', '## ' + title, '', '| ' + ' | '.join(header) + ' |',
                  '|' + '---|' * len(header)]
        lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines) + '\n'


def _setup_lines(setup, idp, bullet):
    lines = [
        bullet + ('Run: %(date)s, %(minutes)s minutes; %(cpus)s CPUs shared '
                  'by the server, its database, memcached, the IdP and '
                  'Rally' % setup) +
        (' (the IdP at nice %d, as if on another machine)' %
         setup['idp_niceness'] if setup.get('idp_niceness') else '') + '.',
        bullet + 'keystone %(keystone)s, keystone-ng-plugin %(plugin)s, '
        'Python %(python)s.' % setup,
        bullet + 'Server: gunicorn, %(gunicorn_workers)s sync workers; '
        'database: %(backend)s; keystone\'s cache: %(cache)s; bcrypt at '
        'keystone\'s default cost.' % setup,
        bullet + 'Load: Rally, closed loop, each scenario %(duration_s)s s '
        'at each concurrency of %(concurrency)s, in %(rounds)s interleaved '
        'rounds (pooled).' % dict({'rounds': 1}, **setup),
    ]
    if idp:
        lines.append(bullet + 'The OpenID provider\'s time (excluded from the '
                     'OIDC flows), median by concurrency: ' +
                     '; '.join(idp) + '.')
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--backend', default='postgresql',
                        choices=databases.BACKENDS)
    parser.add_argument('--concurrency', type=int, nargs='+',
                        default=[1, 4, 16])
    parser.add_argument('--duration', type=int, default=10,
                        help='seconds per scenario, concurrency and round')
    parser.add_argument('--rounds', type=int, default=2,
                        help='the whole set again, interleaved (drift on '
                             'the machine is shared by all flows)')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--idp-niceness', type=int, default=10,
                        help='nice(1) value of the OpenID provider, which '
                        'stands for another machine (0: same priority)')
    parser.add_argument('--scenarios', nargs='+', metavar='NAME',
                        help='only these subtasks of the task file '
                             '(token_login, passkey_login, ...)')
    parser.add_argument('--cache', choices=('memcached', 'none'),
                        default='memcached' if shutil.which('memcached')
                        else 'none')
    parser.add_argument('--rst', default=os.path.join(
        TOP, 'doc', 'source', 'performance.rst'))
    parser.add_argument('--preamble', default=os.path.join(
        TOP, 'tools', 'bench-preamble.rst'),
        help='the text above the figures in the RST report')
    parser.add_argument('--scale', type=int, nargs='*',
                        default=[100, 10000, 100000], metavar='ROWS',
                        help='the row counts of the scaling run (seeded in '
                             'bulk in every plugin table, users, passkeys '
                             '...); none: no scaling run')
    parser.add_argument('--scale-duration', type=int, default=10,
                        help='seconds per flow at each row count')
    parser.add_argument('--only', choices=('flows', 'scale', 'apache'),
                        help='measure only this part; the figures of the '
                             'others are kept from --json')
    parser.add_argument('--markdown', help='also write Markdown here')
    parser.add_argument('--json', default=os.path.join(
        TOP, 'doc', 'source', 'performance.json'),
        help='the figures (parts not measured in this run are read from '
             'it)')
    parser.add_argument('--from-json', help='only render these figures')
    parser.add_argument('--profile', metavar='DIR',
                        help='profile every request (cProfile, one pstats '
                             'file per route and worker in DIR; slows the '
                             'server down: figures are not comparable)')
    args = parser.parse_args(argv)
    if args.from_json:
        with open(args.from_json) as f:
            figures = json.load(f)
    else:
        if not rally_task.available():
            parser.error('Rally is not installed: tools/setup-env.sh bench')
        figures = {}
        if args.only and args.json and os.path.exists(args.json):
            with open(args.json) as f:
                figures = json.load(f)
        if args.only in (None, 'flows'):
            figures.update(run(args))
        if args.only in (None, 'scale') and args.scale:
            figures['scale'] = run_scale(args)
        if args.only == 'apache' or (args.only is None and
                                     not bench_apache.missing()):
            figures['apache'] = run_apache(args)
        elif args.only is None:
            print('no Apache comparison: missing ' +
                  ', '.join(bench_apache.missing()), flush=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(figures, f, indent=1)
    markdown = render_markdown(figures)
    print(markdown)
    if args.markdown:
        with open(args.markdown, 'w') as f:
            f.write(markdown)
    if args.rst:
        with open(args.preamble) as f:
            preamble = f.read()
        images = plots(figures, os.path.join(os.path.dirname(
            os.path.abspath(args.rst)), FIGURES))
        with open(args.rst, 'w') as f:
            f.write(render_rst(figures, preamble, images))
    return 0


if __name__ == '__main__':
    sys.exit(main())
