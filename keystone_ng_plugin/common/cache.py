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

MEMOIZE: keystone's memoization (its cache region and request-local
layer). Only for what a login or an issuance reads inside its own request:
keystone's request-local layer can hand a worker the previous request's
values in code that runs before the new request context exists (the token
validation of AuthContextMiddleware).

For the token validation path: :class:`ValidationCache`, a region of its
own on keystone's cache backend ([cache] settings) without that
request-local layer: a value is read from the backend (memcached) every
time, and a write deletes it there, for every keystone process at once.
"""

import threading

from dogpile.cache import api as dogpile_api
from keystone.common import cache
import keystone.conf
from oslo_cache import core as oslo_cache

import keystone_ng_plugin.conf  # noqa: F401 (registers [keystone_ng])

CONF = keystone.conf.CONF
MEMOIZE = cache.get_memoization_decorator(group='keystone_ng')
_REGION = oslo_cache.create_region()
_LOCK = threading.Lock()


def _region():
    if not _REGION.is_configured:
        with _LOCK:
            if not _REGION.is_configured:
                oslo_cache.configure_cache_region(CONF, _REGION)
    return _REGION


def shared_region():
    """The plugin's region on keystone's cache backend ([cache]), without
    keystone's request-local layer (for counters such as throttling)."""
    return _region()


class ValidationCache:
    """get_or_create / get / set / forget of one kind of object, by ID, in
    the backend itself ([cache] enabled and [keystone_ng] caching, else a
    pass-through). ``expiration``: a callable giving the seconds a value
    lives (default: [keystone_ng] cache_time, else [cache]
    expiration_time).
    """

    def __init__(self, kind: str, expiration=None):
        self.kind = kind
        self.expiration = expiration or (
            lambda: CONF.keystone_ng.cache_time)

    @staticmethod
    def enabled() -> bool:
        return CONF.cache.enabled and CONF.keystone_ng.caching

    def key(self, object_id: str) -> str:
        return 'keystone_ng.%s.%s' % (self.kind, object_id)

    def get_or_create(self, object_id: str, create):
        if not self.enabled():
            return create()
        value = self.get(object_id)
        if value is None:
            value = create()
            self.set(object_id, value)
        return value

    def get(self, object_id: str):
        """The value, or None (none, expired, or caching off)."""
        if not self.enabled():
            return None
        value = _region().get(self.key(object_id),
                              expiration_time=self.expiration())
        return None if value is dogpile_api.NO_VALUE else value

    def set(self, object_id: str, value):
        if self.enabled():
            _region().set(self.key(object_id), value)

    def forget(self, object_id: str):
        if self.enabled():
            _region().delete(self.key(object_id))
