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
"""Keystone's v3 identity providers and protocols, cached.

Keystone renders every federated token (issued or validated) after reading
its identity provider from the database (``render_token`` checks that it
still exists) and does not cache it: two SELECTs per federated token
response, the plugin's logins included. A federated login also reads its
protocol (its remote ID attribute) once or twice. With ``[cache] enabled``
and ``[keystone_ng] caching``, ``federation_api.get_idp`` and
``get_protocol`` read through the cache backend itself (no request-local
layer) and keystone's own ``update_idp``, ``delete_idp``,
``update_protocol`` and ``delete_protocol`` remove the entries there, for
every keystone process sharing the backend. Keystone's API and behaviour
are unchanged.
"""

import copy
import hashlib
import json

from keystone.common import provider_api
from keystone import exception
from keystone.federation import core as federation_core
from oslo_log import log

from keystone_ng_plugin.common import cache

LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
_IDPS = cache.ValidationCache('v3_identity_provider')
_PROTOCOLS = cache.ValidationCache('v3_protocol')
_ORIGINAL_DELETE = None
_ORIGINAL_UPDATE_PROTOCOL = None
_ORIGINAL_DELETE_PROTOCOL = None


def _protocol_key(idp_id, protocol_id) -> str:
    return hashlib.sha256(json.dumps([idp_id, protocol_id]).encode()
                          ).hexdigest()


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
        protocols = [p['id'] for p in self.driver.list_protocols(idp_id)]
    except exception.Error:  # its deletion says what is wrong
        protocols = []
    try:
        return _ORIGINAL_DELETE(self, idp_id)
    finally:
        _IDPS.forget(idp_id)
        for protocol_id in protocols:
            _PROTOCOLS.forget(_protocol_key(idp_id, protocol_id))


def _get_protocol(self, idp_id, protocol_id):
    return copy.deepcopy(_PROTOCOLS.get_or_create(
        _protocol_key(idp_id, protocol_id),
        lambda: self.driver.get_protocol(idp_id, protocol_id)))


def _update_protocol(self, idp_id, protocol_id, protocol):
    try:
        return _ORIGINAL_UPDATE_PROTOCOL(self, idp_id, protocol_id, protocol)
    finally:
        _PROTOCOLS.forget(_protocol_key(idp_id, protocol_id))


def _delete_protocol(self, idp_id, protocol_id):
    try:
        return _ORIGINAL_DELETE_PROTOCOL(self, idp_id, protocol_id)
    finally:
        _PROTOCOLS.forget(_protocol_key(idp_id, protocol_id))


def install():
    """Cache get_idp and get_protocol of keystone's federation manager
    (once)."""
    global _ORIGINAL_DELETE, _ORIGINAL_UPDATE_PROTOCOL
    global _ORIGINAL_DELETE_PROTOCOL
    manager = federation_core.Manager
    if _ORIGINAL_DELETE is None:
        _ORIGINAL_DELETE = manager.delete_idp
        _ORIGINAL_UPDATE_PROTOCOL = manager.update_protocol
        _ORIGINAL_DELETE_PROTOCOL = manager.delete_protocol
        manager.get_idp = _get_idp
        manager.update_idp = _update_idp
        manager.delete_idp = _delete_idp
        manager.get_protocol = _get_protocol
        manager.update_protocol = _update_protocol
        manager.delete_protocol = _delete_protocol
        LOG.debug('keystone federation_api.get_idp and get_protocol cached')
    # keystone's Manager.__getattr__ keeps driver methods it forwarded on
    # the instance: drop those so the class's methods above apply.
    try:
        instance = PROVIDERS.federation_api
    except AttributeError:
        return
    for name in ('get_idp', 'update_idp', 'get_protocol'):
        instance.__dict__.pop(name, None)
