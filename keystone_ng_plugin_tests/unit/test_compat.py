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
"""The keystone internals the plugin relies on are where it expects them."""

import testtools

from keystone_ng_plugin.common import compat


class CompatTest(testtools.TestCase):

    def test_installed_keystone_is_supported(self):
        self.assertEqual([], compat.problems())
        compat.check()

    def test_keystone_is_30_series(self):
        self.assertTrue(compat.keystone_version().startswith('30.'))

    def test_unsupported_series_is_reported_loudly(self):
        self.patch(compat, 'keystone_version', lambda: '31.0.0')
        self.assertRaises(compat.IncompatibleKeystone, compat.check)
