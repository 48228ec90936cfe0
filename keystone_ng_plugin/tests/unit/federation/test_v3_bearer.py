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
