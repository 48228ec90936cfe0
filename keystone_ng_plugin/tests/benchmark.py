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
"""What the tools/bench_*.py benchmarks share: a server, closed loops,
figures. Benchmarks are not tests: they measure, they assert nothing."""

import argparse
import contextlib
import json
import statistics
import tempfile
import threading
import time

from keystone_ng_plugin.server import deployment
from keystone_ng_plugin.tests.functional import conftest
from keystone_ng_plugin.tests.functional import databases


def add_server_arguments(parser):
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


@contextlib.contextmanager
def server(args):
    """A started Keystone + plugin on a fresh database, then dropped."""
    state = tempfile.mkdtemp(prefix='ng-bench-')
    url = databases.create(args.backend, state)
    config = dict(conftest.TEST_CONFIG)
    # Production-like: audit events not written to keystone's log.
    config.pop('oslo_messaging_notifications', None)
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
        yield dep
    finally:
        dep.stop()
        databases.drop(args.backend, url)


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))
    return ordered[index]


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


def measure(workers, scenarios, args) -> dict:
    """Warm up, then alternate timed rounds of each scenario; figures."""
    for scenario in scenarios:
        run(workers, scenario, 2)
    results = {s: ([], 0, 0.0) for s in scenarios}
    for _ in range(args.rounds):
        for scenario in scenarios:
            lat, err, wall = run(workers, scenario, args.seconds)
            total = results[scenario]
            results[scenario] = (total[0] + lat, total[1] + err,
                                 total[2] + wall)
    return {name: summary(*values) for name, values in results.items()}


def compare(figures, new, baseline):
    """Ratios new / baseline (latency) and baseline / new (throughput)."""
    a, b = figures[new], figures[baseline]
    return {'median': a['median_ms'] / b['median_ms'],
            'p95': a['p95_ms'] / b['p95_ms'],
            'throughput': b['throughput_per_s'] / a['throughput_per_s']}


def print_table(figures, scenarios):
    print('%-20s %8s %8s %9s %7s' % ('scenario', 'p50 ms', 'p95 ms',
                                     'per s', 'errors'))
    for name in scenarios:
        f = figures[name]
        print('%-20s %8.2f %8.2f %9.1f %7d' % (
            name, f['median_ms'], f['p95_ms'], f['throughput_per_s'],
            f['errors']))


def main(doc: str, scenarios: tuple, make_workers, new: str,
         baseline: str, goal: str, argv=None) -> int:
    """The whole benchmark: arguments, server, workers, rounds, report.

    Args:
        doc: the script's docstring (first line: description).
        scenarios: worker method names, measured in turn.
        make_workers: callable(dep, admin, args) -> list of workers.
        new, baseline: the scenarios compared (ratio new / baseline).
        goal: the goal, as printed.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    add_server_arguments(parser)
    args = parser.parse_args(argv)
    with server(args) as dep:
        workers = make_workers(dep, conftest.Admin(dep), args)
        figures = measure(workers, scenarios, args)
    ratio = compare(figures, new, baseline)
    figures['ratio'] = ratio
    figures['setup'] = {
        'backend': args.backend, 'cache': args.cache,
        'concurrency': args.concurrency, 'gunicorn_workers': dep.workers,
        'seconds_per_round': args.seconds, 'rounds': args.rounds}
    print('%s vs %s: %%(backend)s, cache %%(cache)s, concurrency '
          '%%(concurrency)d, %%(gunicorn_workers)d sync workers' % (
              new, baseline) % figures['setup'])
    print_table(figures, scenarios)
    print('ratio %s/%s: median %.2fx, p95 %.2fx, throughput %.2fx '
          '(goal: %s)' % (new, baseline, ratio['median'], ratio['p95'],
                          ratio['throughput'], goal))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(figures, f, indent=2)
    return 0
