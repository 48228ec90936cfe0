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
"""Benchmark: passkey login against keystone's token re-authentication.

Starts one Keystone + plugin server (gunicorn, sync workers) on a fresh
database, registers one passkey per client thread (software authenticator:
the cost measured is the server's), then alternates timed rounds of

* token: POST /v3/auth/tokens with the "token" method (keystone's own
  re-authentication of an unscoped token), and
* passkey: POST /v4/auth/passkey/start + POST /v4/auth/passkey/finish,

at the same concurrency, closed loop, and prints median / p95 latency,
throughput and the ratio passkey / token. Not a test: no assertion.

Usage: python tools/bench_passkey.py [--backend postgresql] [--concurrency 4]
           [--seconds 20] [--rounds 2] [--workers 2] [--json FILE]
"""

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time

import requests

from keystone_ng_plugin.server import deployment
from keystone_ng_plugin.tests.functional import conftest
from keystone_ng_plugin.tests.functional import databases
from keystone_ng_plugin.tests import softauthn


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Worker:
    """One client: a user with a token and a passkey."""

    def __init__(self, dep, admin):
        self.dep = dep
        self.session = requests.Session()
        user = admin.create_user()
        self.user = user
        self.token = conftest.password_token(
            dep, user=user['name'], password=user['password'])
        self.authn = softauthn.SoftAuthenticator(
            origin=dep.passkey_origins[0])
        base = dep.base_url + '/v4/users/%s/passkeys/' % user['id']
        headers = {'X-Auth-Token': self.token}
        options = self.session.post(base + 'register_start', json={},
                                    headers=headers).json()['public_key']
        r = self.session.post(base + 'register_finish',
                              json=self.authn.create(options),
                              headers=headers)
        assert r.status_code == 201, r.text
        self.unscoped = self.session.post(
            dep.auth_url + '/auth/tokens', json={'auth': {'identity': {
                'methods': ['password'], 'password': {'user': {
                    'id': user['id'], 'password': user['password']}}}}}
        ).headers['X-Subject-Token']

    def token_reauth(self):
        r = self.session.post(self.dep.auth_url + '/auth/tokens', json={
            'auth': {'identity': {'methods': ['token'],
                                  'token': {'id': self.unscoped}}}})
        return r.status_code == 201

    def passkey_login(self):
        r = self.session.post(self.dep.base_url + '/v4/auth/passkey/start',
                              json={'passkey': {'user_id': self.user['id']}})
        if r.status_code != 201:
            return False
        assertion = self.authn.get(r.json()['public_key'])
        r = self.session.post(self.dep.base_url + '/v4/auth/passkey/finish',
                              json=assertion)
        return r.status_code == 201


def run(workers, scenario, seconds):
    """Closed loop: each worker repeats the scenario until time is up."""
    latencies, errors = [], [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop(worker):
        action = getattr(worker, scenario)
        while time.monotonic() < deadline:
            began = time.perf_counter()
            ok = action()
            elapsed = time.perf_counter() - began
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0], time.monotonic() - started


def summary(latencies, errors, wall):
    return {
        'requests_ok': len(latencies), 'errors': errors,
        'throughput_per_s': len(latencies) / wall if wall else 0.0,
        'median_ms': statistics.median(latencies) * 1000,
        'p95_ms': percentile(latencies, 0.95) * 1000,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--backend', default='postgresql',
                        choices=databases.BACKENDS)
    parser.add_argument('--concurrency', type=int, default=4)
    parser.add_argument('--seconds', type=float, default=20.0,
                        help='length of each timed round')
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument('--workers', type=int, default=2,
                        help='gunicorn workers (SQLite: forced to 1)')
    parser.add_argument('--cache', choices=('none', 'memory'),
                        default='none',
                        help="keystone's [cache]: none (keystone's default) "
                             'or an in-process dogpile memory cache (the '
                             'CPU cost of a deployment with memcached, '
                             'without its network round trips)')
    parser.add_argument('--json', help='also write the figures here')
    args = parser.parse_args(argv)

    state = tempfile.mkdtemp(prefix='ng-bench-')
    url = databases.create(args.backend, state)
    config = dict(conftest.TEST_CONFIG)
    if args.cache == 'memory':
        config['cache'] = {'enabled': 'true',
                           'backend': 'dogpile.cache.memory'}
    dep = deployment.Deployment(
        state_dir=state, database_url=url, port=deployment.free_port(),
        workers=1 if args.backend == 'sqlite' else args.workers,
        extra_config=config)
    try:
        dep.setup()
        dep.start()
        admin = conftest.Admin(dep)
        workers = [Worker(dep, admin) for _ in range(args.concurrency)]
        # Warm every worker process and cache before measuring.
        run(workers, 'token_reauth', 2)
        run(workers, 'passkey_login', 2)
        results = {'token_reauth': ([], 0, 0.0),
                   'passkey_login': ([], 0, 0.0)}
        for _ in range(args.rounds):
            for scenario in ('token_reauth', 'passkey_login'):
                lat, err, wall = run(workers, scenario, args.seconds)
                total = results[scenario]
                results[scenario] = (total[0] + lat, total[1] + err,
                                     total[2] + wall)
    finally:
        dep.stop()
        databases.drop(args.backend, url)

    figures = {name: summary(*values) for name, values in results.items()}
    token, passkey = figures['token_reauth'], figures['passkey_login']
    figures['ratio_median'] = passkey['median_ms'] / token['median_ms']
    figures['ratio_p95'] = passkey['p95_ms'] / token['p95_ms']
    figures['ratio_throughput'] = (token['throughput_per_s'] /
                                   passkey['throughput_per_s'])
    figures['setup'] = {
        'backend': args.backend, 'cache': args.cache,
        'concurrency': args.concurrency,
        'gunicorn_workers': dep.workers,
        'seconds_per_round': args.seconds, 'rounds': args.rounds}

    print('passkey login (start+finish) vs token re-authentication, '
          '%(backend)s, cache %(cache)s, concurrency %(concurrency)d, '
          '%(gunicorn_workers)d sync workers' % figures['setup'])
    print('%-14s %8s %8s %9s %7s' % ('scenario', 'p50 ms', 'p95 ms',
                                     'per s', 'errors'))
    for name in ('token_reauth', 'passkey_login'):
        f = figures[name]
        print('%-14s %8.1f %8.1f %9.1f %7d' % (
            name, f['median_ms'], f['p95_ms'], f['throughput_per_s'],
            f['errors']))
    print('ratio passkey/token: median %.2fx, p95 %.2fx, throughput %.2fx '
          '(goal: at most 1.5x)' % (figures['ratio_median'],
                                    figures['ratio_p95'],
                                    figures['ratio_throughput']))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(figures, f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
