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
"""Login start does not reveal whether a user exists or has passkeys."""

from keystone.common import provider_api
import testtools

from keystone_ng_plugin.passkey import decoy
from keystone_ng_plugin_tests.unit.passkey import base

PROVIDERS = provider_api.ProviderAPIs


def _shape(options):
    return (sorted(options), options['userVerification'], options['rpId'],
            sorted({tuple(sorted(c)) for c in options['allowCredentials']}),
            len(options['challenge']))


class DecoyTest(base.PasskeyTestCase):

    def _start(self, **body):
        return self.login_start(body).json['public_key']

    def test_unknown_user_gets_real_looking_stable_options(self):
        user = self.new_user()
        self.register(user)
        real = self._start(user_id=user['id'])
        fake1 = self._start(user_id='0123456789abcdef0123456789abcdef')
        fake2 = self._start(user_id='0123456789abcdef0123456789abcdef')
        self.assertEqual(_shape(real), _shape(fake1))
        self.assertTrue(fake1['allowCredentials'])
        self.assertEqual(fake1['allowCredentials'],
                         fake2['allowCredentials'])
        self.assertNotEqual(fake1['challenge'], fake2['challenge'])

    def test_user_without_passkeys_looks_like_one_with(self):
        user = self.new_user()
        first = self._start(user_id=user['id'])
        second = self._start(user={'name': user['name'],
                                   'domain': {'id': self.domain_id}})
        self.assertTrue(first['allowCredentials'])
        # Keyed by the user, however it was named.
        self.assertEqual(first['allowCredentials'],
                         second['allowCredentials'])

    def test_unknown_name_and_unknown_domain(self):
        by_name = self._start(user={'name': 'nobody',
                                    'domain': {'name': 'Default'}})
        by_domain = self._start(user={'name': 'nobody',
                                      'domain': {'name': 'no-such-domain'}})
        self.assertTrue(by_name['allowCredentials'])
        self.assertTrue(by_domain['allowCredentials'])

    def test_configured_key_is_used(self):
        self.config_fixture.config(group='passkey',
                                   fake_credential_hmac_key='k' * 32)
        options = self._start(user_id='ghost')
        self.assertEqual(decoy.decoy_credentials(b'k' * 32, 'ghost'),
                         options['allowCredentials'])


class DecoyFunctionTest(testtools.TestCase):

    def test_stable_distinct_and_plausible(self):
        key = b'secret-key-for-tests'
        seen = set()
        counts = set()
        for i in range(50):
            creds = decoy.decoy_credentials(key, 'user-%d' % i)
            self.assertEqual(creds, decoy.decoy_credentials(key,
                                                            'user-%d' % i))
            counts.add(len(creds))
            for cred in creds:
                self.assertEqual('public-key', cred['type'])
                self.assertTrue(cred['transports'])
                seen.add(cred['id'])
        self.assertEqual({1, 2, 3}, counts)
        self.assertEqual(sum(1 for _ in seen), len(seen))

    def test_other_key_other_decoys(self):
        self.assertNotEqual(decoy.decoy_credentials(b'a' * 16, 'u'),
                            decoy.decoy_credentials(b'b' * 16, 'u'))
