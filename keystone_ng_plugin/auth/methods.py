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
"""The auth methods the plugin adds to keystone, by name.

The names keystone.conf refers to (``[auth] methods``, ``[auth] token``)
and the entry points of ``setup.cfg`` use. A leaf module: the auth plugins,
the deployment helper and the tests read the names here.
"""

# The passkey auth method (keystone.auth.passkey entry point).
PASSKEY = 'passkey'
# The plugin's primary auth methods, in the order they are appended to
# keystone's [auth] methods (fernet tokens store methods as a bitmask over
# that order, so it never changes).
PRIMARY = (PASSKEY,)
# keystone's "token" method replaced by the one that renews and rescopes
# restricted tokens ([auth] token = ngrestricted).
RESTRICTED_TOKEN_DRIVER = 'ngrestricted'
