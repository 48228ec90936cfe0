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
"""Benchmark: validating restricted tokens against ordinary fernet tokens.

Starts one Keystone + plugin server ([token] provider = ngfernet, gunicorn
sync workers) on a fresh database. Each client thread has a user with the
member role on a project, an ordinary project-scoped token, and a token of
the same user and project restricted to reader. Timed rounds alternate

* ordinary: GET /v3/auth/tokens of the ordinary token, and
* restricted: GET /v3/auth/tokens of the restricted token

(what keystonemiddleware in every service calls), at the same concurrency,
closed loop, and print median / p95 latency, throughput and the ratio.
Run it with --cache none (keystone's default) and --cache memory.
Not a test: no assertion.

Usage: python tools/bench_restricted.py [--backend postgresql]
           [--concurrency 4] [--seconds 20] [--rounds 2] [--cache none]
"""

import argparse
import json
import sys

import requests

from keystone_ng_plugin.tests import benchmark
from keystone_ng_plugin.tests.functional import conftest


class Worker:
    """One client: a validating service with two tokens to check."""

    def __init__(self, dep, admin, restriction_id):
        self.dep = dep
        self.session = requests.Session()
        self.admin_token = admin.token
        user = admin.create_user(role='member')
        self.ordinary = conftest.password_token(
            dep, user=user['name'], password=user['password'])
        r = self.session.post(
            dep.base_url + '/v4/tokens/restrictions/%s/tokens' %
            restriction_id, headers={'X-Auth-Token': self.ordinary},
            json={})
        assert r.status_code == 201, r.text
        self.restricted_token = r.headers['X-Subject-Token']

    def _validate(self, token):
        r = self.session.get(self.dep.auth_url + '/auth/tokens', headers={
            'X-Auth-Token': self.admin_token, 'X-Subject-Token': token})
        return r.status_code == 200

    def ordinary_validate(self):
        return self._validate(self.ordinary)

    def restricted_validate(self):
        return self._validate(self.restricted_token)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    benchmark.add_server_arguments(parser)
    args = parser.parse_args(argv)
    scenarios = ('ordinary_validate', 'restricted_validate')
    with benchmark.server(args) as dep:
        admin = conftest.Admin(dep)
        restriction = admin.request(
            'POST', '/v4/tokens/restrictions', status=201, json={
                'restriction': {'domain_id': 'default',
                                'roles': [{'name': 'reader'}]}}
        ).json()['restriction']
        workers = [Worker(dep, admin, restriction['id'])
                   for _ in range(args.concurrency)]
        figures = benchmark.measure(workers, scenarios, args)
    ratio = benchmark.compare(figures, 'restricted_validate',
                              'ordinary_validate')
    figures['ratio'] = ratio
    figures['setup'] = {
        'backend': args.backend, 'cache': args.cache,
        'concurrency': args.concurrency, 'gunicorn_workers': dep.workers,
        'seconds_per_round': args.seconds, 'rounds': args.rounds}
    print('GET /v3/auth/tokens: restricted vs ordinary fernet tokens, '
          '%(backend)s, cache %(cache)s, concurrency %(concurrency)d, '
          '%(gunicorn_workers)d sync workers' % figures['setup'])
    benchmark.print_table(figures, scenarios)
    print('ratio restricted/ordinary: median %.2fx, p95 %.2fx, throughput '
          '%.2fx (goal: within 1.1x)' % (ratio['median'], ratio['p95'],
                                         ratio['throughput']))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(figures, f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
