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
"""Claims in the request environment as mod_auth_openidc would set them."""

import testtools

from keystone_ng_plugin.federation import v3_bearer
from keystone_ng_plugin_tests.unit import base


class EnvironValueTest(testtools.TestCase):

    def test_values(self):
        self.assertEqual('alice', v3_bearer._environ_value('alice'))
        self.assertEqual('devs,ops', v3_bearer._environ_value(['devs', 'ops']))
        self.assertEqual('true', v3_bearer._environ_value(True))
        self.assertEqual('42', v3_bearer._environ_value(42))
        self.assertIsNone(v3_bearer._environ_value({'nested': 1}))
        self.assertIsNone(v3_bearer._environ_value([{'x': 1}]))
        # WSGI environ holds latin-1 decoded bytes; keystone re-decodes
        # UTF-8, so non-ASCII claims survive.
        raw = v3_bearer._environ_value('Åsa Ñúñez')
        self.assertEqual('Åsa Ñúñez',
                         raw.encode('latin-1').decode('utf-8'))

    def test_route(self):
        match = v3_bearer._ROUTE.match(
            '/v3/OS-FEDERATION/identity_providers/idp1/protocols/openid/auth')
        self.assertEqual(('idp1', 'openid'),
                         (match.group('idp'), match.group('protocol')))
        self.assertIsNone(v3_bearer._ROUTE.match(
            '/v3/OS-FEDERATION/identity_providers/idp1/protocols/openid'))


class KeystoneOwnFederationTest(base.TestCase):
    """Protocols not handed to the plugin stay keystone's: a web server's
    REMOTE_USER still logs in through keystone's mapped auth, bearer
    header or not."""

    def config_overrides(self):
        super().config_overrides()
        self.config_fixture.config(group='ng_federation',
                                   v3_oidc_protocols=['openid'])

    def test_remote_user_on_a_protocol_the_plugin_does_not_handle(self):
        from keystone.common import provider_api
        providers = provider_api.ProviderAPIs
        providers.federation_api.create_idp('websrv', {
            'id': 'websrv', 'enabled': True, 'remote_ids': [],
            'domain_id': self.domain_id})
        providers.federation_api.create_mapping('websrv-map', {
            'rules': [{'local': [{'user': {'name': '{0}'}}],
                       'remote': [{'type': 'REMOTE_USER'}]}],
            'schema_version': '1.0'})
        providers.federation_api.create_protocol(
            'websrv', 'mapped', {'mapping_id': 'websrv-map'})
        path = ('/v3/OS-FEDERATION/identity_providers/websrv/protocols/'
                'mapped/auth')
        with self.test_client() as c:
            r = c.post(path, environ_base={'REMOTE_USER': 'bob'},
                       headers={'Authorization': 'Bearer not-for-us'},
                       expected_status_code=201)
        self.assertEqual('bob', r.json['token']['user']['name'])
