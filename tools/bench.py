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

Usage: tools/bench [--concurrency 1 4 16] [--duration 10] [--rounds 2]
           [--workers 2]
           [--cache memcached|none] [--backend postgresql]
           [--rst doc/source/performance.rst] [--markdown FILE] [--json FILE]
           [--profile DIR] [--scenarios token_login oidc_login ...]

Not a test: it asserts nothing; it measures.
"""

import argparse
import collections
import datetime
import glob
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
sys.path.insert(0, TOP)

from keystone_ng_plugin.server import deployment  # noqa: E402
from keystone_ng_plugin_tests.functional import conftest  # noqa: E402
from keystone_ng_plugin_tests.functional import databases  # noqa: E402
from keystone_ng_plugin_tests.functional import memcached  # noqa: E402
from keystone_ng_plugin_tests.functional import oidc_provider  # noqa: E402
from keystone_ng_plugin_tests import rally_task  # noqa: E402

HOOKS = os.path.join(TOP, 'tools', 'bench_gunicorn_hooks.py')

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
        'ng_federation': {'allow_insecure_loopback': 'true'},
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


def run(args) -> dict:
    state = tempfile.mkdtemp(prefix='ng-bench-')
    url = databases.create(args.backend, state)
    cache = (memcached.Memcached() if args.cache == 'memcached'
             else None)
    provider = oidc_provider.OIDCProvider(
        deployment.free_port(), redirect_uris=[conftest.OIDC_REDIRECT_URI],
        niceness=args.idp_niceness)
    query_log = os.path.join(state, 'queries')
    os.environ['NG_BENCH_QUERY_LOG'] = query_log
    if args.profile:
        os.makedirs(args.profile, exist_ok=True)
        os.environ['NG_BENCH_PROFILE'] = os.path.join(args.profile, 'prof')
    dep = deployment.Deployment(
        state_dir=state, database_url=url, port=deployment.free_port(),
        workers=args.workers, gunicorn_args=['--config', HOOKS],
        extra_config=keystone_config(
            cache and '127.0.0.1:%d' % cache.port))
    try:
        dep.setup()
        dep.start()
        rally = rally_task.Rally(os.path.join(state, 'rally'), dep)
        task_args = {'passkey_origin': dep.passkey_origins[0],
                     'oidc_discovery_url': provider.discovery_url}
        print('warming up (the smoke task)', flush=True)
        rally.start(task_args, args_file=rally_task.SMOKE_ARGS)
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
    finally:
        dep.stop()
        provider.stop()
        if cache:
            cache.stop()
        databases.drop(args.backend, url)
        shutil.rmtree(state, ignore_errors=True)


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
    idp = ['%s: %s ms (sign-in pages), %s ms (token endpoint)' % (
        c, _ms(f['idp_login']['median_ms']),
        _ms(f['idp_login'].get('token_median_ms')))
        for c, f in figures['runs'].items() if 'idp_login' in f]
    return setup, out, idp


def _ms(value):
    return '-' if value is None else '%.1f' % value


def render_rst(figures, preamble) -> str:
    setup, out, idp = tables(figures)
    lines = [preamble.rstrip(), '']
    lines += _setup_lines(setup, idp, '* ')
    for title, header, rows in out:
        lines += ['', title, '-' * len(title), '',
                  '.. list-table::', '   :header-rows: 1', '']
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
    parser.add_argument('--markdown', help='also write Markdown here')
    parser.add_argument('--json', help='also write the figures here')
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
        figures = run(args)
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
        with open(args.rst, 'w') as f:
            f.write(render_rst(figures, preamble))
    return 0


if __name__ == '__main__':
    sys.exit(main())
