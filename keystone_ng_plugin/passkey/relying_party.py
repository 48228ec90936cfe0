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
"""Who the relying party is: its ID and the origins allowed to use it."""

import dataclasses
import urllib.parse

import flask

import keystone_ng_plugin.conf

CONF = keystone_ng_plugin.conf.CONF


@dataclasses.dataclass(frozen=True)
class RelyingParty:
    id: str
    name: str
    origins: tuple[str, ...]


def _public_base() -> str:
    """keystone's public endpoint, else the URL of the current request."""
    if CONF.public_endpoint:
        return CONF.public_endpoint
    if flask.has_request_context():
        return flask.request.host_url
    raise RuntimeError('[passkey] relying_party_id and origins must be set '
                       'outside a request')


def _origin_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return '%s://%s' % (parts.scheme, parts.netloc)


def current() -> RelyingParty:
    """The relying party for this request, from [passkey] or derived."""
    conf = CONF.passkey
    rp_id = conf.relying_party_id
    origins = tuple(o.rstrip('/') for o in conf.origins)
    if not rp_id or not origins:
        base = _public_base()
        rp_id = rp_id or urllib.parse.urlsplit(base).hostname
        origins = origins or (_origin_of(base),)
    return RelyingParty(id=rp_id, name=conf.relying_party_name,
                        origins=origins)
