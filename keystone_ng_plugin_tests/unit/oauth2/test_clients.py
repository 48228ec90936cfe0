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
"""Clients of the OpenID provider: /v4/oauth2/{domain_id}/clients."""

from unittest import mock
import urllib.parse

from keystone.common import provider_api
from keystone.tests import unit
import sqlalchemy as sa

from keystone_ng_plugin.common import sql
from keystone_ng_plugin.oauth2 import clients
from keystone_ng_plugin_tests.unit import base

PROVIDERS = provider_api.ProviderAPIs
WEB = 'https://app.example.org/callback'


def _authenticate(domain_id, client_id, secret):
    """The client, if the token endpoint would take this secret for it
    (as oauth2/server.py asks: one read, then the check at the same
    cost)."""
    manager = clients.get_manager()
    found = manager.find_with_secret_hash(domain_id, client_id)
    client, hashed = found if found is not None else (None, None)
    ok = manager.check_secret(client['client_id'] if client else None,
                              hashed, secret)
    return client if ok else None


class ClientsTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.admin = self.admin_token()
        self.url = '/v4/oauth2/%s/clients' % self.domain_id

    def create(self, status=201, token=None, **fields):
        ref = dict({'provider_id': 'app', 'confidential': True,
                    'redirect_uris': [WEB]}, **fields)
        return self.call('post', self.url, token or self.admin, status,
                         {'oauth2_client': ref}).json

    def manager_of(self, domain_id):
        user = unit.create_user(PROVIDERS.identity_api,
                                domain_id=domain_id)
        PROVIDERS.assignment_api.create_grant(
            self._role('manager')['id'], user_id=user['id'],
            domain_id=domain_id)
        return self.token_for(user, domain_id=domain_id)

    def test_confidential_client_secret_shown_once_hash_stored(self):
        body = self.create(name='Grafana')
        client, secret = body['oauth2_client'], body['client_secret']
        self.assertEqual(
            {'provider_id': 'app', 'confidential': True, 'enabled': True,
             'grant_types': ['authorization_code'],
             'allowed_scopes': ['openid', 'profile', 'email'],
             'require_pkce': True, 'pre_authorized': False,
             'token_endpoint_auth_method': 'client_secret_basic',
             'name': 'Grafana', 'domain_id': self.domain_id},
            {k: client[k] for k in (
                'provider_id', 'confidential', 'enabled', 'grant_types',
                'allowed_scopes', 'require_pkce', 'pre_authorized',
                'token_endpoint_auth_method', 'name', 'domain_id')})
        shown = self.call('get', self.url + '/app', self.admin).json
        self.assertNotIn('client_secret', shown)
        self.assertEqual(client, shown['oauth2_client'])
        with sql.session_for_read() as session:
            row = session.get(clients.ClientModel, client['client_id'])
            self.assertNotIn(secret, row.secret_hash)
        self.assertEqual(client['client_id'], _authenticate(
            self.domain_id, client['client_id'], secret)['client_id'])
        self.assertIsNone(_authenticate(
            self.domain_id, client['client_id'], secret + 'x'))
        self.assertIsNone(_authenticate(
            'other-domain', client['client_id'], secret))
        self.assertIsNone(_authenticate(
            self.domain_id, 'unknown', secret))

    def test_public_client_rules(self):
        body = self.create(confidential=False)
        self.assertNotIn('client_secret', body)
        self.assertEqual('none',
                         body['oauth2_client']['token_endpoint_auth_method'])
        for bad in ({'require_pkce': False},
                    {'token_endpoint_auth_method': 'client_secret_post'},
                    {'grant_types': ['client_credentials']}):
            self.create(status=400, provider_id='p2', confidential=False,
                        **bad)
        self.call('post', self.url + '/app/rotate-secret', self.admin, 400)

    def test_redirect_uris_and_grants(self):
        for uri in ('http://app.example.org/cb', 'https://app/cb#x',
                    'https://*.example.org/cb', '/relative', 'myapp:/cb',
                    'https://[::1/cb', 'https://app.example.org:99999/'):
            self.create(status=400, redirect_uris=[uri])
        self.create(status=400, redirect_uris=[])
        self.create(status=400, grant_types=['refresh_token'])
        self.create(status=400, grant_types=['client_credentials'])
        self.create(status=400, token_endpoint_auth_method='none')
        self.create(status=400, provider_id='has/slash')
        self.create(status=400, unknown=1)
        for uri, pid in (('http://127.0.0.1:8400/cb', 'a'),
                         ('http://localhost/cb', 'b'),
                         ('com.example.app:/cb', 'c')):
            self.create(provider_id=pid, redirect_uris=[uri],
                        grant_types=['authorization_code', 'refresh_token'])
        with sql.session_for_read() as session:
            self.assertEqual(0, session.execute(sa.select(sa.func.count(
                clients.ClientModel.id)).where(
                clients.ClientModel.provider_id == 'app')).scalar())

    def test_client_credentials_bind_a_service_account_of_the_domain(self):
        account = self.call('post', '/v4/service_accounts', self.admin, 201,
                            {'service_account': {
                                'name': 'ci', 'domain_id': self.domain_id}}
                            ).json['service_account']
        other = unit.new_domain_ref()
        PROVIDERS.resource_api.create_domain(other['id'], other)
        elsewhere = self.call('post', '/v4/service_accounts', self.admin,
                              201, {'service_account': {
                                  'name': 'ci', 'domain_id': other['id']}}
                              ).json['service_account']
        self.create(status=400, grant_types=['client_credentials'],
                    redirect_uris=[], service_account_id=elsewhere['id'])
        self.create(status=400, service_account_id=account['id'])
        client = self.create(grant_types=['client_credentials'],
                             redirect_uris=[],
                             service_account_id=account['id'])
        self.assertEqual(account['id'],
                         client['oauth2_client']['service_account_id'])
        # the account goes, its client becomes a tombstone
        self.call('delete', '/v4/service_accounts/' + account['id'],
                  self.admin, 204)
        self.call('get', self.url + '/app', self.admin, 404)

    def test_update_rotate_and_tombstone(self):
        body = self.create()
        client_id, old = body['oauth2_client']['client_id'], body[
            'client_secret']
        updated = self.call('put', self.url + '/app', self.admin, 200, {
            'oauth2_client': {'name': 'new', 'enabled': False}}).json
        self.assertEqual(('new', False), (
            updated['oauth2_client']['name'],
            updated['oauth2_client']['enabled']))
        self.call('put', self.url + '/app', self.admin, 400, {
            'oauth2_client': {'confidential': False}})
        self.call('put', self.url + '/app', self.admin, 400, {
            'oauth2_client': {'redirect_uris': ['http://x.example/cb']}})
        self.call('put', self.url + '/app', self.admin, 200, {
            'oauth2_client': {'enabled': True}})
        new = self.call('post', self.url + '/app/rotate-secret', self.admin,
                        200).json['client_secret']
        self.assertIsNone(_authenticate(self.domain_id, client_id, old))
        self.assertIsNotNone(_authenticate(self.domain_id, client_id, new))
        self.call('delete', self.url + '/app', self.admin, 204)
        self.call('get', self.url + '/app', self.admin, 404)
        self.call('delete', self.url + '/app', self.admin, 404)
        self.assertIsNone(_authenticate(self.domain_id, client_id, new))
        self.assertEqual([], self.call('get', self.url, self.admin
                                       ).json['oauth2_clients'])
        self.create(status=409)

    def test_pagination(self):
        for n in range(5):
            self.create(provider_id='c%d' % n, enabled=n % 2 == 0)
        seen, url = [], self.url + '?limit=2'
        while url:
            page = self.call('get', url, self.admin).json
            self.assertLessEqual(len(page['oauth2_clients']), 2)
            seen += [c['provider_id'] for c in page['oauth2_clients']]
            url = page['links']['next']
            if url:
                parts = urllib.parse.urlsplit(url)
                url = parts.path + '?' + parts.query
        self.assertEqual(['c0', 'c1', 'c2', 'c3', 'c4'], seen)
        enabled = self.call('get', self.url + '?enabled=true', self.admin
                            ).json['oauth2_clients']
        self.assertEqual(['c0', 'c2', 'c4'],
                         [c['provider_id'] for c in enabled])
        self.call('get', self.url + '?limit=0', self.admin, 400)
        self.call('get', self.url + '?sort=x', self.admin, 400)

    def test_policy_personas(self):
        other = unit.new_domain_ref()
        PROVIDERS.resource_api.create_domain(other['id'], other)
        mine = self.manager_of(self.domain_id)
        theirs = self.manager_of(other['id'])
        self.create(token=mine)
        self.call('get', self.url + '/app', mine, 200)
        self.call('get', self.url + '/app', theirs, 403)
        self.call('get', self.url, theirs, 403)
        self.call('put', self.url + '/app', theirs, 403,
                  {'oauth2_client': {'name': 'x'}})
        self.call('post', self.url + '/app/rotate-secret', theirs, 403)
        self.call('delete', self.url + '/app', theirs, 403)
        self.call('get', self.url, self.member_token(), 403)
        # pre_authorized: admins only
        self.create(status=403, token=mine, provider_id='pre',
                    pre_authorized=True)
        self.call('put', self.url + '/app', mine, 403,
                  {'oauth2_client': {'pre_authorized': True}})
        self.create(provider_id='pre', pre_authorized=True)
        self.call('post', '/v4/oauth2/%s/clients' % 'no-such-domain',
                  self.admin, 404, {'oauth2_client': {
                      'provider_id': 'x', 'confidential': True,
                      'redirect_uris': [WEB]}})

    def test_a_restricted_token_manages_no_client(self):
        restriction = self.call('post', '/v4/tokens/restrictions',
                                self.admin, 201, {'restriction': {
                                    'domain_id': self.domain_id,
                                    'roles': [{'name': 'admin'}]}}
                                ).json['restriction']
        restricted = self.call(
            'post', '/v4/tokens/restrictions/%s/tokens' % restriction['id'],
            self.admin, 201).headers['X-Subject-Token']
        self.create(status=403, token=restricted)
        self.create()
        self.call('post', self.url + '/app/rotate-secret', restricted, 403)
        self.call('put', self.url + '/app', restricted, 403,
                  {'oauth2_client': {'name': 'x'}})
        self.call('delete', self.url + '/app', restricted, 403)


class VerifiedSecretTest(base.TestCase):
    """A verified secret is remembered; wrong and rotated ones never
    are."""

    def config_overrides(self):
        super().config_overrides()
        self.config_fixture.config(group='cache', enabled=True)
        self.config_fixture.config(group='keystone_ng', caching=True)

    def test_the_slow_hash_once_per_secret(self):
        admin = self.admin_token()
        url = '/v4/oauth2/%s/clients' % self.domain_id
        body = self.call('post', url, admin, 201, {'oauth2_client': {
            'provider_id': 'fast', 'confidential': True,
            'redirect_uris': [WEB]}}).json
        client_id, secret = (body['oauth2_client']['client_id'],
                             body['client_secret'])
        slow = []
        real = clients.password_hashing.check_password

        def counted(password, hashed):
            slow.append(password)
            return real(password, hashed)
        domain_id = self.domain_id

        def verify(client_id, secret):
            return _authenticate(domain_id, client_id, secret) is not None
        with mock.patch.object(clients.password_hashing, 'check_password',
                               counted):
            self.assertTrue(verify(client_id, secret))
            self.assertTrue(verify(client_id, secret))
            self.assertEqual(1, len(slow))
            for _ in range(2):
                self.assertFalse(verify(client_id, 'wrong'))
            self.assertEqual(3, len(slow))
            new = self.call('post', url + '/fast/rotate-secret', admin,
                            200).json['client_secret']
            self.assertFalse(verify(client_id, secret))
            self.assertTrue(verify(client_id, new))
            self.assertFalse(verify('no-such-client', secret))


def test_a_new_secret_never_begins_with_a_dash():
    """``openstack --os-client-secret -x...`` would read it as an option."""
    drawn = iter(['-leading-dash', 'A' * 43])
    with mock.patch.object(clients.secrets, 'token_urlsafe',
                           side_effect=lambda n: next(drawn)):
        assert clients.new_secret() == 'A' * 43
