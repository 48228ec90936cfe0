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
"""Throttling of the anonymous endpoints, per client address.

Anyone can call a login endpoint, and most of them write a ceremony row or
make keystone fetch an identity provider's keys. Every request to one of
them takes a token from its client address's bucket (the generic cell rate
algorithm: ``[keystone_ng] throttle_rate`` per second, bursts of
``throttle_burst``); an empty bucket answers 429 with ``Retry-After``. The
bucket is keyed by the address only, so an unknown user (a decoy) and a
real one are throttled alike and the answer reveals nothing.

Buckets live in keystone's cache backend, shared by every worker and node
(memcached); without ``[cache] enabled`` each process keeps its own. The
read and write of a bucket are not atomic: concurrent requests of one
client can overshoot by as many requests as run at once, which bounds the
error to the number of workers.

Which endpoints: every /v4 operation declared without authentication
(:func:`keystone_ng_plugin.common.api.operation`), so an endpoint added
later is throttled without a change here, plus what the plugin handles on
keystone's routes (WebSSO, OIDC bearer tokens, the ``passkey`` auth
method), which call :func:`check`.
"""

import collections
import ipaddress
import math
import threading
import time
import typing as ty

from dogpile.cache import api as dogpile_api
import flask

from keystone import exception

from keystone_ng_plugin.common import cache
from keystone_ng_plugin.common import compat
import keystone_ng_plugin.conf

CONF = keystone_ng_plugin.conf.CONF
# The TCP peer, saved by the edge before keystone's ProxyFix (which trusts
# one X-Forwarded-For hop from anyone) rewrites REMOTE_ADDR.
PEER_ENVIRON = 'keystone_ng.peer'
_DONE = 'ng_throttled'
_LOCAL_MAX = 10000


class TooManyRequests(exception.Error):
    """429, with the seconds to wait in ``retry_after``."""

    code = 429
    title = 'Too Many Requests'
    message_format = ('Too many requests from this address; try again in '
                      '%(retry_after)s seconds.')

    def __init__(self, retry_after: int, **kwargs):
        self.retry_after = max(1, int(retry_after))
        super().__init__(retry_after=self.retry_after, **kwargs)


def _networks(values) -> list:
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(),
                                                 strict=False))
        except ValueError:
            continue
    return networks


def _trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(environ: ty.Optional[dict] = None) -> str:
    """The client of this request: the TCP peer, or for a peer in
    ``[keystone_ng] trusted_proxies`` the right-most X-Forwarded-For
    address that is not a trusted proxy."""
    environ = environ if environ is not None else flask.request.environ
    orig = environ.get('werkzeug.proxy_fix.orig') or {}
    peer = (environ.get(PEER_ENVIRON) or orig.get('REMOTE_ADDR') or
            environ.get('REMOTE_ADDR') or 'unknown')
    networks = _networks(CONF.keystone_ng.trusted_proxies)
    if not networks or not _trusted(peer, networks):
        return peer
    forwarded = (orig.get('HTTP_X_FORWARDED_FOR') or
                 environ.get('HTTP_X_FORWARDED_FOR') or '')
    hops = [h.strip() for h in forwarded.split(',') if h.strip()]
    client = peer
    for hop in reversed(hops):
        client = hop
        if not _trusted(hop, networks):
            break
    return client[:64]


class _LocalBuckets:
    """Buckets of this process (no shared cache configured)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._map: collections.OrderedDict = collections.OrderedDict()

    def get(self, key):
        with self._lock:
            return self._map.get(key)

    def set(self, key, value):
        with self._lock:
            self._map[key] = value
            self._map.move_to_end(key)
            while len(self._map) > _LOCAL_MAX:
                self._map.popitem(last=False)


_LOCAL = _LocalBuckets()


def _store():
    # keystone enables its cache by default, on the null backend (which
    # keeps nothing): then only this process can count.
    if CONF.cache.enabled and CONF.cache.backend != 'dogpile.cache.null':
        return cache.shared_region()
    return None


def take(address: str, now: ty.Optional[float] = None) -> float:
    """Take one request from an address's bucket.

    Returns:
        0 if allowed, else the seconds until the next request would be.
    """
    rate = CONF.keystone_ng.throttle_rate
    if rate <= 0:
        return 0.0
    interval = 1.0 / rate
    capacity = CONF.keystone_ng.throttle_burst * interval
    now = time.time() if now is None else now
    key = 'keystone_ng.throttle.' + address
    region = _store()
    if region is not None:
        stored = region.get(key)
        stored = None if stored is dogpile_api.NO_VALUE else stored
    else:
        stored = _LOCAL.get(key)
    # "theoretical arrival time": when the bucket would be full again
    arrival = max(stored or now, now) + interval
    wait = arrival - now - capacity
    if wait > 0:
        return wait
    if region is not None:
        region.set(key, arrival)
    else:
        _LOCAL.set(key, arrival)
    return 0.0


def check():
    """Throttle this request (once per request, whoever calls first).

    Raises:
        TooManyRequests: the client's bucket is empty.
    """
    if flask.g.get(_DONE):
        return
    flask.g.setdefault(_DONE, True)
    wait = take(client_address())
    if wait:
        # the refusal is this request's authorization decision
        compat.mark_enforced()
        raise TooManyRequests(retry_after=math.ceil(wait))


def penalize(requests: int):
    """Charge this request's client address ``requests`` more (a wrong
    guess of something secret): later requests meet the empty bucket
    sooner. Never refuses this request itself."""
    address = client_address()
    for _request in range(requests):
        if take(address):
            break


def _is_anonymous_operation() -> bool:
    view = flask.current_app.view_functions.get(flask.request.endpoint)
    resource = getattr(view, 'view_class', None)
    method = flask.request.method.lower()
    func = getattr(resource, method, None) or (
        getattr(resource, 'get', None) if method == 'head' else None)
    operation = getattr(func, '_ng_operation', None)
    return operation is not None and not operation.authenticated


def throttle_anonymous_operations():
    """before_request: every /v4 operation that takes no token."""
    if _is_anonymous_operation():
        check()


def install(app):
    app.before_request(throttle_anonymous_operations)
