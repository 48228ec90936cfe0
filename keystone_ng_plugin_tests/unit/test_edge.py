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
"""The edge: hostile input is a 400 before anything runs, an unreachable
database a 503, and a client error one log line (in process; every /v4
operation with every hostile value, on every database, is
tests/functional/test_hostile_input.py)."""

import http.client
import logging
from unittest import mock

import fixtures
from oslo_db import exception as db_exception

from keystone_ng_plugin.common import errors
from keystone_ng_plugin.federation import core as federation
from keystone_ng_plugin_tests.unit import base

BAD = http.client.BAD_REQUEST


def _nested(depth):
    return '[' * depth + ']' * depth


class EdgeTest(base.TestCase):

    def assert_refused(self, method, path, **kwargs):
        r = self.call(method, path, status=BAD, **kwargs)
        self.assertEqual({'code', 'title', 'message'}, set(r.json['error']))
        self.assertEqual(400, r.json['error']['code'])
        return r

    def test_bad_strings_in_json_bodies(self):
        for value in ('a\x00b', 'a\ud800b', '\udfff'):
            with self.subTest(value=repr(value)):
                self.assert_refused('post', '/v4/auth/passkey/start',
                                    json={'passkey': {'user_id': value}})
                # keystone's own routes
                self.assert_refused('post', '/v3/auth/tokens', json={
                    'auth': {'identity': {'methods': ['password'],
                                          'password': {'user': {
                                              'name': value,
                                              'domain': {'id': 'default'},
                                              'password': 'x'}}}}})
                # in a key, too
                self.assert_refused('post', '/v4/auth/passkey/start',
                                    json={'passkey': {value: 1}})

    def test_deep_json(self):
        token = self.admin_token()
        for depth in (33, 1000, 50000):
            with self.subTest(depth=depth):
                self.assert_refused(
                    'post', '/v3/projects', data=_nested(depth),
                    headers={'Content-Type': 'application/json',
                             'X-Auth-Token': token})
        # keystone's own nesting is far below the limit
        self.call('post', '/v3/projects', status=http.client.BAD_REQUEST,
                  data=_nested(8),
                  headers={'Content-Type': 'application/json',
                           'X-Auth-Token': token})

    def test_not_utf8_body(self):
        self.assert_refused('post', '/v4/auth/passkey/start',
                            data=b'{"passkey": {"user_id": "\xed\xa0\x80"}}',
                            headers={'Content-Type': 'application/json'})

    def test_path_query_and_form(self):
        token = self.admin_token()
        self.assert_refused('get', '/v4/users/a%00b/passkeys',
                            headers={'X-Auth-Token': token})
        self.assert_refused('get', '/v4/federation/mappings?idp_id=a%00b',
                            headers={'X-Auth-Token': token})
        self.assert_refused('get', '/v4/federation/mappings?idp_id=%ED%A0%80',
                            headers={'X-Auth-Token': token})
        self.assert_refused('get',
                            '/v4/federation/websso/callback?state=a%00b')
        self.assert_refused('post', '/v4/federation/oidc/callback',
                            data='state=a%00b&code=c',
                            headers={'Content-Type':
                                     'application/x-www-form-urlencoded'})

    def test_clean_requests_pass(self):
        self.call('get', '/v4/federation/mappings?idp_id=caf%C3%A9',
                  self.admin_token(), http.client.OK)
        self.call('post', '/v4/auth/passkey/start',
                  status=http.client.CREATED,
                  json={'passkey': {'user_id': 'caf\u00e9 \U0001f511'}})

    def test_database_outage_is_503_with_retry_after(self):
        self.config_fixture.config(group='keystone_ng',
                                   outage_retry_after=7)
        token = self.admin_token()
        with mock.patch.object(
                federation.IdentityProviderManager, 'page',
                side_effect=db_exception.DBConnectionError('gone')):
            r = self.call('get', '/v4/federation/identity_providers',
                          token, http.client.SERVICE_UNAVAILABLE)
        self.assertEqual('7', r.headers['Retry-After'])
        self.assertEqual(503, r.json['error']['code'])

    def test_other_errors_are_not_outages(self):
        self.assertFalse(errors.is_outage(ValueError('x')))
        self.assertFalse(errors.is_outage(db_exception.DBDataError('x')))
        self.assertTrue(errors.is_outage(db_exception.DBConnectionError('x')))
        wrapped = RuntimeError('wrapped')
        wrapped.__cause__ = db_exception.DBConnectionError('x')
        self.assertTrue(errors.is_outage(wrapped))

    def test_client_error_logs_one_line(self):
        logger = self.useFixture(fixtures.FakeLogger(level=logging.INFO))
        token = self.admin_token()
        for _ in range(3):
            self.call('post', '/v4/tokens/restrictions', token, BAD,
                      json={'restriction': {'domain_id': 'nope',
                                            'roles': [{'name': 'x'}]}})
        self.assertNotIn('Traceback', logger.output)
        self.assertEqual(3, logger.output.count('POST /v4/tokens/'
                                                'restrictions: 400'))

    def test_websso_callback_shapes(self):
        path = '/v4/federation/websso/callback'
        for body in ('abc', {'state': {'a': 1}}, {'state': ''}, [],
                     {'state': 's', 'code': 7}):
            self.assert_refused('post', path, json=body)
        self.assert_refused('get', path + '?state=')
        self.assert_refused('get', path)

    def test_urls_that_do_not_parse_are_400(self):
        token = self.admin_token()
        for url in ('http://[', 'https://[1.2.3]/x', 'https://h:99999/',
                    'https://a b'):
            self.call('post', '/v4/federation/identity_providers', token,
                      BAD, json={'identity_provider': {
                          'name': 'x', 'oidc_discovery_url': url}})
