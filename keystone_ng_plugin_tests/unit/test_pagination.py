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
"""Every list pages the same way: limit (at most keystone's [DEFAULT]
list_limit) and marker, links.next until the last page, every item once.
(test_openapi checks that every list of the document takes them.)"""

import http.client
import uuid

from keystone.common import provider_api

from keystone_ng_plugin_tests.unit.passkey import base

PROVIDERS = provider_api.ProviderAPIs
OK, CREATED, BAD = (http.client.OK, http.client.CREATED,
                    http.client.BAD_REQUEST)
LIMIT = 2


class PaginationTest(base.PasskeyTestCase):

    def setUp(self):
        super().setUp()
        self.config_fixture.config(list_limit=LIMIT)
        self.admin = self.admin_token()
        self._role('reader')

    def walk(self, url, plural, token=None, query='limit=50'):
        """The IDs of every page of a list, checking the pages' sizes."""
        seen, pages = [], 0
        url = '%s?%s' % (url, query)
        while url:
            page = self.call('get', url.replace('http://localhost', ''),
                             token or self.admin).json
            self.assertLessEqual(len(page[plural]), LIMIT)
            seen += [item['id'] for item in page[plural]]
            url = page['links']['next']
            pages += 1
        self.assertEqual(len(seen), len(set(seen)), 'an item twice')
        return seen, pages

    def post(self, path, body, token=None, status=CREATED, headers=None):
        return self.call('post', path, token or self.admin, status, body,
                         headers)

    def restriction(self, **fields):
        return self.post('/v4/tokens/restrictions', {'restriction': dict(
            {'domain_id': self.domain_id, 'roles': [{'name': 'reader'}]},
            **fields)}).json['restriction']

    def idp(self):
        return self.post('/v4/federation/identity_providers', {
            'identity_provider': {
                'name': uuid.uuid4().hex, 'domain_id': self.domain_id,
                'jwks_url': 'https://idp.example/jwks',
                'bound_issuer': 'https://idp.example/' + uuid.uuid4().hex}}
        ).json['identity_provider']

    def test_each_collection(self):
        idp = self.idp()
        makers = {
            '/v4/tokens/restrictions': ('restrictions', self.restriction),
            '/v4/federation/identity_providers': (
                'identity_providers', self.idp),
            '/v4/federation/mappings': ('mappings', lambda: self.post(
                '/v4/federation/mappings', {'mapping': {
                    'name': uuid.uuid4().hex, 'idp_id': idp['id'],
                    'user_id_claim': 'sub', 'user_name_claim': 'sub'}}
            ).json['mapping']),
            '/v4/service_accounts': ('service_accounts', lambda: self.post(
                '/v4/service_accounts', {'service_account': {
                    'name': uuid.uuid4().hex, 'domain_id': self.domain_id}}
            ).json['service_account']),
        }
        for url, (plural, make) in makers.items():
            made = {make()['id'] for _ in range(5)}
            seen, pages = self.walk(url, plural)
            self.assertLessEqual(made, set(seen), url)
            self.assertGreaterEqual(pages, 3, url)
            # a page after the last ID is empty, and says it is the last
            last = self.call('get', '%s?marker=%s' % (url, max(seen)),
                             self.admin).json
            self.assertEqual(([], None), (last[plural],
                                          last['links']['next']), url)

    def test_a_name_filter_reads_on_past_other_names(self):
        for _ in range(5):
            self.post('/v4/service_accounts', {'service_account': {
                'name': uuid.uuid4().hex, 'domain_id': self.domain_id}})
        wanted = self.post('/v4/service_accounts', {'service_account': {
            'name': 'the-one', 'domain_id': self.domain_id}}
        ).json['service_account']
        seen, _ = self.walk('/v4/service_accounts', 'service_accounts',
                            query='name=the-one&limit=1')
        self.assertEqual([wanted['id']], seen)

    def test_items_the_caller_may_not_see_do_not_shorten_pages(self):
        alice = self.new_user()
        own = {self.restriction(user_id=alice['id'])['id']
               for _ in range(3)}
        for _ in range(4):
            self.restriction()
        seen, pages = self.walk('/v4/tokens/restrictions', 'restrictions',
                                token=self.token_of(alice),
                                query='limit=1')
        self.assertEqual(own, set(seen))
        self.assertEqual(3, pages)

    def test_passkeys_oldest_first(self):
        user = self.new_user()
        made = [self.register(user)['id'] for _ in range(3)]
        token = self.token_of(user)
        url = '/v4/users/%s/passkeys' % user['id']
        seen, pages = self.walk(url, 'passkeys', token=token)
        self.assertEqual(made, seen)
        self.assertEqual(2, pages)
        self.call('get', url + '?marker=' + uuid.uuid4().hex, token, BAD)

    def test_limit_is_bounded_and_checked(self):
        for _ in range(3):
            self.restriction()
        page = self.call('get', '/v4/tokens/restrictions?limit=1000',
                         self.admin).json
        self.assertEqual(LIMIT, len(page['restrictions']))
        for bad in ('0', '-1', 'x', '1.5'):
            self.call('get', '/v4/tokens/restrictions?limit=' + bad,
                      self.admin, BAD)
