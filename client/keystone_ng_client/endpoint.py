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
"""Where keystone's v4 API is, from an auth URL or an identity endpoint."""

import re
import urllib.parse

_VERSION = re.compile(r'/v[0-9]+(\.[0-9]+)?/?$')


def root(url: str) -> str:
    """keystone's root URL: the auth URL without its /v3 (or /v2.0, /v4)
    and trailing slash. http://h:5000/v3 -> http://h:5000;
    https://h/identity/v3/ -> https://h/identity."""
    url = url.split('?', 1)[0].split('#', 1)[0]
    return _VERSION.sub('', url.rstrip('/') + '/').rstrip('/')


def v4(url: str, path: str) -> str:
    """The v4 URL of path (which starts with a slash) under url."""
    return root(url) + '/v4' + path


def hostname(url: str) -> str:
    return (urllib.parse.urlsplit(url).hostname or '').lower()
