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
"""Federation's share of the application (called by server/app.py)."""

from keystone_ng_plugin.federation import login
from keystone_ng_plugin.federation import mapping
from keystone_ng_plugin.federation import metadata
from keystone_ng_plugin.federation import v3_bearer
from keystone_ng_plugin.federation import v3_idp_cache
from keystone_ng_plugin.federation import websso


def setup(app):
    """OIDC bearer tokens and WebSSO on keystone's v3 federation routes;
    the IdP's share of a response's time in Server-Timing; keystone's v3
    identity providers cached; keystone's shadowing remembered in the
    logins handed to its mapped auth; mappings follow what they refer
    to."""
    v3_bearer.setup(app)
    websso.setup(app)
    app.after_request(metadata.server_timing)
    v3_idp_cache.install()
    login.install()
    mapping.register_callbacks()
