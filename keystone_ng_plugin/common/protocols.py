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
"""The keystone v3 federation protocols of the plugin's identity providers.

Every plugin IdP has the v3 protocols ``oidc`` and ``jwt``. Shadow users
hang off ``oidc`` (keystone's federated_user has a foreign key to the
protocol); a token names the protocol of the flow that issued it, which is
how :mod:`keystone_ng_plugin.token.delegation` tells a workload's token
(``jwt``) from a person's. A leaf module: anyone may import it.
"""

OIDC = 'oidc'
JWT = 'jwt'
ALL = (OIDC, JWT)
