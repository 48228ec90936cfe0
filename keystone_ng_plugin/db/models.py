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
"""Every model of the plugin, so that migrations can be compared to them."""

from keystone_ng_plugin.common import ceremony  # noqa: F401
from keystone_ng_plugin.common import settings  # noqa: F401
from keystone_ng_plugin.common import sql
from keystone_ng_plugin.federation.backends import mapping_sql  # noqa
from keystone_ng_plugin.federation.backends import sql as federation_sql  # noqa
from keystone_ng_plugin.k8s_auth.backends import sql as k8s_auth_sql  # noqa
from keystone_ng_plugin.oauth2 import clients as oauth2_clients  # noqa
from keystone_ng_plugin.oauth2 import keys as oauth2_keys  # noqa: F401
from keystone_ng_plugin.oauth2 import state as oauth2_state  # noqa: F401
from keystone_ng_plugin.passkey.backends import sql as passkey_sql  # noqa
from keystone_ng_plugin.restriction.backends import sql as restriction_sql  # noqa
from keystone_ng_plugin.service_account import core as service_account  # noqa

metadata = sql.metadata
