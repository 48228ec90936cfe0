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
"""v4oidc's loopback redirect listener."""

import threading
import urllib.request

import pytest

from keystone_ng_client.auth import oidc
from keystone_ng_client import errors


def test_loopback_listener_only_and_state_checked():
    for uri in ('http://example.com:8790/cb', 'https://127.0.0.1:8790/cb',
                'http://127.0.0.1/cb'):
        with pytest.raises(errors.LoginError, match='loopback'):
            oidc._loopback(uri)
    plugin = oidc.Oidc('http://h/v3', 'idp', login_timeout=5)
    listener = oidc._Listener('127.0.0.1', 0, '/callback')
    port = listener.server_address[1]

    def browser():
        url = 'http://127.0.0.1:%d/callback?state=s1&code=c&extra=x' % port
        urllib.request.urlopen(url, timeout=5).read()
    thread = threading.Thread(target=browser)
    thread.start()
    try:
        assert plugin._wait(listener, 's1') == {'state': 's1', 'code': 'c'}
    finally:
        thread.join()
        listener.server_close()
    listener = oidc._Listener('127.0.0.1', 0, '/callback')
    listener.result = {'state': 'other', 'code': 'c'}
    with pytest.raises(errors.LoginError, match='state mismatch'):
        plugin._wait(listener, 's1')
    listener.server_close()
