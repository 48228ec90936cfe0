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
"""A "browser" for keystoneauth's v3websso plugin: headless chromium.

Used as $BROWSER: python -m keystone_ng_plugin_tests.functional
.websso_browser URL. Python's webbrowser waits for this command while
keystoneauth's listener only accepts connections once it returns, so it
starts the real browser in the background and exits at once. The browser
opens keystone's WebSSO URL, signs in at the test OpenID provider as
alice, and lets keystone's form post the token to the CLI's listener (or,
with $NG_BROWSER_DONE_URL, follows the provider's redirect to that URL:
the v4oidc plugin's listener).
"""

import os
import subprocess
import sys

CHILD = 'NG_WEBSSO_BROWSER_CHILD'
# Where the browser's journey ends (a glob): keystoneauth's v3websso
# listener, or another CLI's redirect listener (v4oidc).
DONE = 'NG_BROWSER_DONE_URL'
WEBSSO_DONE = 'http://localhost:*/auth/websso/**'


def _browse(url):
    from playwright.sync_api import sync_playwright

    from keystone_ng_plugin_tests.functional import browser

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=browser.CHROMIUM,
                                      headless=True, args=browser.ARGS)
        try:
            page = chromium.new_page()
            page.goto(url)
            page.fill('input[name=username]', 'alice')
            page.fill('input[name=password]', 'alice-pass')
            page.click('#login')
            page.wait_for_url(os.environ.get(DONE, WEBSSO_DONE),
                              timeout=60000)
            page.wait_for_timeout(1000)
        finally:
            chromium.close()


def main(argv):
    url = argv[0]
    if os.environ.get(CHILD) != '1':
        subprocess.Popen(
            [sys.executable, '-m', __spec__.name, url],
            env=dict(os.environ, **{CHILD: '1'}), start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        return 0
    _browse(url)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
