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
"""Applying a mapping to verified claims: who the user is, or a refusal.

Pure: no storage, no keystone calls. The claims come from a verified ID
token or JWT; this decides whether the mapping's bindings hold and reads the
user's unique ID, name, domain and groups out of them.
"""

import dataclasses
import typing as ty

from keystone_ng_plugin.federation import records

MAX_GROUPS = 100
MAX_NAME = 255
_MISSING = object()


class MappingRejected(Exception):
    """The claims do not satisfy the mapping (a 401 for the client)."""


@dataclasses.dataclass(frozen=True)
class Identity:
    """A federated identity, as keystone's shadow users need it."""

    unique_id: str
    user_name: str
    domain_id: str
    group_names: tuple[str, ...]


def claim(claims: dict, name: str):
    """A claim by name, or by dotted path into nested objects
    (``realm_access.roles``) when no top-level claim has that name. Keys may
    contain dots themselves (``kubernetes.io.namespace`` reads
    ``claims["kubernetes.io"]["namespace"]``): the longest matching key
    wins at each level."""
    if not isinstance(claims, dict):
        return _MISSING
    if name in claims:
        return claims[name]
    parts = name.split('.')
    for cut in range(len(parts) - 1, 0, -1):
        key = '.'.join(parts[:cut])
        if key in claims:
            found = claim(claims[key], '.'.join(parts[cut:]))
            if found is not _MISSING:
                return found
    return _MISSING


def _string(claims, name, what):
    value = claim(claims, name)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise MappingRejected('claim %s (%s) is missing or not a string' % (
            name, what))
    if len(value) > MAX_NAME:
        raise MappingRejected('claim %s (%s) is too long' % (name, what))
    return value


def check_bindings(mapping: records.Mapping, claims: dict):
    """Refuse claims that break the mapping's bound subject/audiences/claims.

    Raises:
        MappingRejected: naming the binding that failed.
    """
    subject = mapping.bound_subject
    if subject and claims.get('sub') != subject:
        raise MappingRejected('sub is not the bound subject')
    audiences = mapping.bound_audiences
    if audiences:
        aud = claims.get('aud')
        aud = [aud] if isinstance(aud, str) else aud
        if not isinstance(aud, list) or not {
                a for a in aud if isinstance(a, str)} & set(audiences):
            raise MappingRejected('aud is none of the bound audiences')
    for name, expected in (mapping.bound_claims or {}).items():
        if claim(claims, name) != expected:
            raise MappingRejected('claim %s is not the bound value' % name)


def check_mapping(mapping: records.Mapping, claims: dict):
    """Refuse claims this mapping does not take: the mapping disabled, or
    a binding broken (:func:`check_bindings`).

    Raises:
        MappingRejected: naming what failed.
    """
    if not mapping.enabled:
        raise MappingRejected('mapping is disabled')
    check_bindings(mapping, claims)


def apply_mapping(mapping: records.Mapping, idp: records.IdentityProvider,
                  claims: dict,
                  default_domain_id: ty.Optional[str] = None) -> Identity:
    """The identity the claims map to under this mapping
    (:func:`check_mapping` first).

    The user's domain is the mapping's, else the IdP's, else the mapping's
    domain_id_claim, else default_domain_id (keystone's domain for the v3
    IdP, as v3 federation does).

    Args:
        mapping: the mapping (typed model).
        idp: its identity provider (for its domain).
        claims: verified claims.
        default_domain_id: the domain when nothing else names one.
    Raises:
        MappingRejected: the mapping is disabled, a binding fails or a
            needed claim is unusable.
    """
    check_mapping(mapping, claims)
    unique_id = _string(claims, mapping.user_id_claim, 'user id')
    user_name = _string(claims, mapping.user_name_claim, 'user name')
    domain_id = mapping.domain_id or idp.domain_id
    if not domain_id and mapping.domain_id_claim:
        domain_id = _string(claims, mapping.domain_id_claim, 'domain')
    domain_id = domain_id or default_domain_id
    if not domain_id:
        raise MappingRejected('the user has no domain')
    groups: tuple[str, ...] = ()
    if mapping.groups_claim:
        value = claim(claims, mapping.groups_claim)
        if value is _MISSING or value is None:
            value = []
        if isinstance(value, str):
            value = [value]
        if (not isinstance(value, list) or
                not all(isinstance(g, str) and 0 < len(g) <= MAX_NAME
                        for g in value)):
            raise MappingRejected('claim %s is not a list of group names' %
                                  mapping.groups_claim)
        if len(value) > MAX_GROUPS:
            raise MappingRejected('more than %d groups' % MAX_GROUPS)
        groups = tuple(dict.fromkeys(value))
    return Identity(unique_id=unique_id, user_name=user_name,
                    domain_id=domain_id, group_names=groups)
