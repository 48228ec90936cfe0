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
"""keystone's root and v4 URLs from an auth URL."""

import pytest

from keystone_ng_client import endpoint


@pytest.mark.parametrize('url, root', [
    ('http://h:5000/v3', 'http://h:5000'),
    ('http://h:5000/v3/', 'http://h:5000'),
    ('https://h/identity/v3', 'https://h/identity'),
    ('https://h/identity', 'https://h/identity'),
    ('http://h:5000/v2.0?x=1', 'http://h:5000'),
])
def test_root(url, root):
    assert endpoint.root(url) == root
    assert endpoint.v4(url, '/auth') == root + '/v4/auth'
