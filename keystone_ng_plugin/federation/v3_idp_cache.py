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
"""Keystone's v3 identity providers, cached.

Keystone renders every federated token (issued or validated) after reading
its identity provider from the database (``render_token`` checks that it
still exists) and does not cache it: two SELECTs per federated token
response, the plugin's logins included. With ``[cache] enabled`` and
``[keystone_ng] caching``, ``federation_api.get_idp`` reads through the
cache backend itself (no request-local layer) and keystone's own
``update_idp`` and ``delete_idp`` remove the entry there, for every keystone
process sharing the backend. Keystone's API and behaviour are unchanged.
"""

import copy

from keystone.common import provider_api
from keystone.federation import core as federation_core
from oslo_log import log

from keystone_ng_plugin.common import cache

LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
_IDPS = cache.ValidationCache('v3_identity_provider')
_ORIGINAL_DELETE = None


def _get_idp(self, idp_id):
    return copy.deepcopy(_IDPS.get_or_create(
        idp_id, lambda: self.driver.get_idp(idp_id)))


def _update_idp(self, idp_id, idp):
    try:
        return self.driver.update_idp(idp_id, idp)
    finally:
        _IDPS.forget(idp_id)


def _delete_idp(self, idp_id):
    try:
        return _ORIGINAL_DELETE(self, idp_id)
    finally:
        _IDPS.forget(idp_id)


def install():
    """Cache get_idp of keystone's federation manager (once)."""
    global _ORIGINAL_DELETE
    manager = federation_core.Manager
    if _ORIGINAL_DELETE is None:
        _ORIGINAL_DELETE = manager.delete_idp
        manager.get_idp = _get_idp
        manager.update_idp = _update_idp
        manager.delete_idp = _delete_idp
        LOG.debug('keystone federation_api.get_idp cached')
    # keystone's Manager.__getattr__ keeps driver methods it forwarded on
    # the instance: drop those so the class's methods above apply.
    try:
        instance = PROVIDERS.federation_api
    except AttributeError:
        return
    for name in ('get_idp', 'update_idp'):
        instance.__dict__.pop(name, None)
