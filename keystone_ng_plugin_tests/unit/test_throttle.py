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
"""Anonymous endpoints are throttled per client address, and a client's
outstanding ceremonies are capped (in process; every anonymous operation of
the OpenAPI document is flooded on a real server in
tests/functional/test_hostile_input.py)."""

import http.client
import uuid

from keystone_ng_plugin.common import throttle
from keystone_ng_plugin_tests.unit.passkey import base

CREATED, TOO_MANY = http.client.CREATED, http.client.TOO_MANY_REQUESTS


def address() -> str:
    """A client address of its own: buckets outlive a test in process."""
    value = uuid.uuid4().int
    return '2001:db8::%x:%x' % (value & 0xffff, (value >> 16) & 0xffff)


class ThrottleTest(base.PasskeyTestCase):

    def setUp(self):
        super().setUp()
        self.config_fixture.config(group='keystone_ng', throttle_rate=0.5,
                                   throttle_burst=3)
        # each test its own addresses: buckets outlive a test in process
        self.address = address()
        self.environ = {'REMOTE_ADDR': self.address}

    def start(self, body, status=CREATED, environ=None, headers=None):
        with self.test_client() as c:
            return c.post('/v4/auth/passkey/start', json={'passkey': body},
                          environ_base=environ or self.environ,
                          headers=headers or {},
                          expected_status_code=status)

    def test_burst_then_429_with_retry_after(self):
        for _ in range(3):
            self.start({})
        r = self.start({}, TOO_MANY)
        self.assertEqual(429, r.json['error']['code'])
        self.assertEqual('Too Many Requests', r.json['error']['title'])
        self.assertGreaterEqual(int(r.headers['Retry-After']), 1)

    def test_unknown_and_real_users_share_the_bucket(self):
        user = self.new_user()
        self.register(user)
        self.start({'user_id': uuid.uuid4().hex})     # a decoy
        self.start({'user_id': uuid.uuid4().hex})
        self.start({'user_id': user['id']})
        self.start({'user_id': user['id']}, TOO_MANY)
        self.start({'user_id': uuid.uuid4().hex}, TOO_MANY)

    def test_forwarded_for_only_from_trusted_proxies(self):
        for _ in range(3):
            self.start({})
        # a client cannot pick another bucket by itself
        self.start({}, TOO_MANY,
                   headers={'X-Forwarded-For': '198.51.100.7'})
        # behind a trusted proxy, the forwarded address is the client
        self.config_fixture.config(group='keystone_ng',
                                   trusted_proxies=[self.address + '/128'])
        self.start({}, headers={
            'X-Forwarded-For': '203.0.113.9, %s' % self.address})

    def test_client_address(self):
        self.config_fixture.config(group='keystone_ng',
                                   trusted_proxies=['10.0.0.0/8'])
        environ = {'REMOTE_ADDR': '10.1.1.1',
                   'HTTP_X_FORWARDED_FOR': '1.2.3.4, 5.6.7.8, 10.2.2.2'}
        self.assertEqual('5.6.7.8', throttle.client_address(environ))
        environ['REMOTE_ADDR'] = '192.0.2.1'
        self.assertEqual('192.0.2.1', throttle.client_address(environ))

    def test_v3_passkey_method_is_throttled_too(self):
        for _ in range(3):
            self.start({})
        with self.test_client() as c:
            c.post('/v3/auth/tokens', json={'auth': {'identity': {
                'methods': ['passkey'], 'passkey': {}}}},
                environ_base=self.environ, expected_status_code=TOO_MANY)

    def test_off_when_rate_is_zero(self):
        self.config_fixture.config(group='keystone_ng', throttle_rate=0)
        for _ in range(6):
            self.start({})


class CeremonyCapTest(base.PasskeyTestCase):
    """The cap counts ceremonies kept in the database (a passkey
    registration here, an OIDC login); a passkey login start is sealed,
    writes nothing, and is only throttled."""

    def setUp(self):
        super().setUp()
        self.config_fixture.config(group='keystone_ng',
                                   max_outstanding_ceremonies=2)
        self.user = self.new_user()
        self.token = self.token_of(self.user)
        self.path = '/v4/users/%s/passkeys/' % self.user['id']

    def start(self, environ, status=CREATED):
        with self.test_client() as c:
            return c.post(self.path + 'register_start',
                          json={'passkey': {}},
                          headers={'X-Auth-Token': self.token},
                          environ_base=environ, expected_status_code=status)

    def test_outstanding_ceremonies_are_capped_per_client(self):
        mine = {'REMOTE_ADDR': address()}
        first = self.start(mine).json['public_key']
        self.start(mine)
        r = self.start(mine, TOO_MANY)
        self.assertIn('Retry-After', r.headers)
        # another client is not affected
        self.start({'REMOTE_ADDR': address()})
        # finishing one frees its place
        with self.test_client() as c:
            c.post(self.path + 'register_finish',
                   json=self.authn.create(first),
                   headers={'X-Auth-Token': self.token},
                   environ_base=mine, expected_status_code=CREATED)
        self.start(mine)

    def test_passkey_login_starts_write_nothing(self):
        self.register(self.user)
        mine = {'REMOTE_ADDR': address()}
        for _ in range(4):
            with self.test_client() as c:
                c.post('/v4/auth/passkey/start',
                       json={'passkey': {'user_id': self.user['id']}},
                       environ_base=mine, expected_status_code=CREATED)
        self.start(mine)
        self.start(mine)
        self.start(mine, TOO_MANY)
