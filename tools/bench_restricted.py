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


def _workers(dep, admin, args):
    restriction = admin.request(
        'POST', '/v4/tokens/restrictions', status=201, json={
            'restriction': {'domain_id': 'default',
                            'roles': [{'name': 'reader'}]}}
    ).json()['restriction']
    return [Worker(dep, admin, restriction['id'])
            for _ in range(args.concurrency)]


def main(argv=None):
    return benchmark.main(__doc__, ('ordinary_validate',
                                    'restricted_validate'), _workers,
                          'restricted_validate', 'ordinary_validate',
                          'within 1.1x', argv)


if __name__ == '__main__':
    sys.exit(main())
