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
"""The cache of plugin objects logins read ([keystone_ng] caching).

Keystone's memoization (its cache region and request-local layer). Only for
what a login or an issuance reads inside its own request: keystone's
request-local layer can hand a worker the previous request's values in
code that runs before the new request context exists (the token
validation of AuthContextMiddleware), so nothing on the validation path
uses it.
"""

from keystone.common import cache

import keystone_ng_plugin.conf  # noqa: F401 (registers [keystone_ng])

MEMOIZE = cache.get_memoization_decorator(group='keystone_ng')
