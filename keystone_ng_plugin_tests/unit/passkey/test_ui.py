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
"""The passkey page's assets resolve from every URL the page answers at."""

import urllib.parse

from keystone_ng_plugin_tests import pages
from keystone_ng_plugin_tests.unit import base


class PasskeyPageTest(base.TestCase):

    PAGE = 'http://localhost/v4/passkeys/ui'

    def _assets_of(self, url):
        page = self.call('get', url)
        assets = pages.asset_urls(page.get_data(as_text=True))
        self.assertEqual(2, len(assets))
        for asset in assets:
            self.call('get', urllib.parse.urljoin(url, asset))

    def test_assets_of_the_page(self):
        self._assets_of(self.PAGE)

    def test_trailing_slash_redirects_to_the_page(self):
        response = self.call('get', self.PAGE + '/?next=x', status=308)
        target = urllib.parse.urljoin(self.PAGE + '/',
                                      response.headers['Location'])
        self.assertEqual(self.PAGE + '?next=x', target)
        self._assets_of(target)
