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
"""From a verified federated identity to a keystone token.

Everything goes through keystone's own machinery, as its v3 ``mapped`` auth
method does, so that v3 federation and the plugin agree on who a user is:

* the user is a shadow user (``identity_api.shadow_federated_user``): its ID
  is keystone's ``sha256(domain_id, 'user', unique_id)`` public ID, with a
  ``federated_user`` row for (IdP, protocol, unique ID);
* groups named by the IdP are looked up by name in the user's domain, created
  when missing, and joined through keystone's expiring group membership
  (``[federation] default_authorization_ttl``): a login refreshes them and
  drops memberships the IdP no longer asserts;
* a returning user whose name, domain and groups are unchanged is not
  shadowed again for ``[ng_federation] shadow_refresh`` seconds (remembered
  in keystone's cache backend; keystone still says whether the user exists
  and is enabled). The same holds where the plugin verifies the identity
  and keystone's own ``mapped`` auth takes it from there (OIDC bearer
  tokens and WebSSO on keystone's v3 routes): :func:`install` remembers
  keystone's ``shadow_federated_user`` in those logins, keyed by all it
  is given (IdP, protocol, the mapped user, its group IDs);
* the token is a federated token (identity provider, protocol and group IDs
  in the payload), so its roles are those of the groups plus the user's own,
  as for any v3 federated token.
"""

import copy
import hashlib
import json
import typing as ty
from urllib import parse

import flask
from oslo_db import exception as db_exception
from oslo_log import log

from keystone.auth import core as auth_core
from keystone.common import driver_hints
from keystone.common import provider_api
from keystone.common import sql as ks_sql
from keystone import exception
from keystone.federation import constants as federation_constants
from keystone.identity import core as identity_core

import keystone_ng_plugin.conf
from keystone_ng_plugin.common import cache
from keystone_ng_plugin.common import protocols
from keystone_ng_plugin.federation import errors
from keystone_ng_plugin.federation import mapping_engine
from keystone_ng_plugin.federation import records

CONF = keystone_ng_plugin.conf.CONF
LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs

# The keystone v3 protocols every plugin IdP has (common.protocols).
PROTOCOL_OIDC = protocols.OIDC
PROTOCOL_JWT = protocols.JWT
PROTOCOLS = protocols.ALL
# The auth method names a federated token may carry, in order of preference:
# "openid" as a v3 OIDC login through mod_auth_openidc shows, else keystone's
# generic "mapped". One of them must be in [auth] methods.
TOKEN_METHODS = ('openid', 'mapped')


def _shadow_window() -> int:
    """Seconds a shadowing stands ([ng_federation] shadow_refresh, at most
    half the expiring group memberships' lifetime)."""
    window = CONF.ng_federation.shadow_refresh
    ttl_minutes = CONF.federation.default_authorization_ttl
    if ttl_minutes:
        window = min(window, ttl_minutes * 30)
    return window


_RECENT = cache.ValidationCache('federated_shadow', expiration=_shadow_window)


def token_method() -> str:
    """The auth method name the plugin's federated tokens carry.

    Raises:
        ValidationError: neither openid nor mapped in [auth] methods.
    """
    for method in TOKEN_METHODS:
        if method in CONF.auth.methods:
            return method
    raise exception.ValidationError(
        message='Federated login needs "openid" or "mapped" in '
                '[auth] methods.')


def check_scope(scope: ty.Optional[dict]):
    """Refuse scopes a federated token cannot have (before the IdP trip).

    Keystone has no system-scoped federated token format.
    """
    if scope and 'system' in scope:
        raise exception.ValidationError(
            message='A federated login cannot be system scoped; ask for a '
                    'project or domain scope.')


def idp_domain_id(idp_id: str) -> str:
    """The domain of keystone's v3 IdP: its users' domain by default.

    For a global plugin IdP this is the domain keystone created for it, as
    for any v3 IdP without a domain.
    """
    return PROVIDERS.federation_api.get_idp(idp_id)['domain_id']


def _enabled_domain(domain_id: str):
    try:
        domain = PROVIDERS.resource_api.get_domain(domain_id)
    except exception.DomainNotFound:
        raise errors.LoginRefused('the mapped domain %s does not exist' %
                                  domain_id)
    if not domain.get('enabled', True):
        raise errors.LoginRefused('the mapped domain %s is disabled' %
                                  domain_id)


def _group_ids(names: tuple[str, ...], domain_id: str) -> list[str]:
    """IDs of the named groups in the domain, creating missing ones."""
    ids = []
    for name in names:
        try:
            group = PROVIDERS.identity_api.get_group_by_name(name, domain_id)
        except exception.GroupNotFound:
            try:
                group = PROVIDERS.identity_api.create_group({
                    'name': name, 'domain_id': domain_id,
                    'description': 'Created by a federated login'})
            except exception.Conflict:
                # Another login created it meanwhile.
                group = PROVIDERS.identity_api.get_group_by_name(
                    name, domain_id)
        ids.append(group['id'])
    return ids


def shadow_user(idp_id: str,
                identity: mapping_engine.Identity) -> tuple[dict, list]:
    """The keystone user and group IDs of a federated identity.

    Creates or updates the shadow user and its expiring group memberships
    in one transaction: a failure leaves no half-written rows. The
    federated_user row is under the v3 protocol ``oidc`` whichever flow
    logs the user in: one IdP subject is one keystone user.

    Raises:
        LoginRefused: the domain does not exist or is disabled, or the
            user was disabled by an administrator.
        Conflict: keystone's ID for this subject in this domain belongs to
            a user of another identity provider (or a local user).
    """
    _enabled_domain(identity.domain_id)
    user = {'id': parse.quote(identity.unique_id),
            'name': identity.user_name,
            'domain': {'id': identity.domain_id}}
    recent_key = _recent_key(idp_id, identity.unique_id, identity.user_name,
                             identity.domain_id, sorted(identity.group_names))
    recent = _recent_shadow(recent_key)
    if recent is not None:
        return recent
    for attempt in (1, 2):
        try:
            with ks_sql.session_for_write():
                group_ids = _group_ids(identity.group_names,
                                       identity.domain_id)
                shadow = PROVIDERS.identity_api.shadow_federated_user(
                    idp_id, PROTOCOL_OIDC, user, group_ids=group_ids)
            break
        except (exception.Conflict, db_exception.DBDuplicateEntry):
            # Two first logins of the same user may race: the second try
            # finds the row the first wrote. Anything else is a clash.
            if attempt == 2:
                LOG.warning('federated user %s of identity provider %s '
                            'clashes with an existing user of domain %s',
                            identity.unique_id, idp_id, identity.domain_id)
                raise exception.Conflict(
                    type='user',
                    details='keystone\'s ID for this user of the identity '
                            'provider is taken by another user of its '
                            'domain (another identity provider or a local '
                            'user): give each identity provider its own '
                            'domain')
    if not shadow.get('enabled', True):
        raise errors.LoginRefused('federated user %s is disabled' %
                                  shadow['id'])
    if _shadow_window():
        _RECENT.set(recent_key, (shadow, group_ids))
    return shadow, group_ids


def _recent_key(*parts) -> str:
    """The cache key of a shadowing: everything it was made from."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str)
                          .encode()).hexdigest()


def _recent_shadow(recent_key: str, refuse_disabled: bool = True
                   ) -> ty.Optional[tuple[dict, list]]:
    """The shadowing of this same identity a moment ago, if the user and
    its groups are still there (keystone's reads, cached by keystone: a
    deletion or an update shows at once). A disabled user is refused, or
    (``refuse_disabled`` false) shadowed again: keystone refuses it."""
    if not _shadow_window():
        return None
    recent = _RECENT.get(recent_key)
    if recent is None:
        return None
    shadow, group_ids = recent
    try:
        user = PROVIDERS.identity_api.get_user(shadow['id'])
    except exception.UserNotFound:
        return None
    if not user.get('enabled', True):
        if not refuse_disabled:
            return None
        raise errors.LoginRefused('federated user %s is disabled' %
                                  shadow['id'])
    try:
        for group_id in group_ids:
            PROVIDERS.identity_api.get_group(group_id)
    except exception.GroupNotFound:
        return None
    return shadow, group_ids


# flask.g: keystone's mapped auth takes over a login the plugin verified
_HANDED_OVER = 'ng_federation_handed_over'
_KEYSTONE_SHADOW = None


def handing_over():
    """This request's federated identity was verified by the plugin, and
    keystone's ``mapped`` auth makes the user and token from here."""
    setattr(flask.g, _HANDED_OVER, True)


def _shadow_federated_user(self, idp_id, protocol_id, user, group_ids=None):
    """keystone's ``shadow_federated_user``, remembered for
    ``[ng_federation] shadow_refresh`` seconds in logins handed over by the
    plugin; as it is everywhere else."""
    if not (flask.has_request_context() and
            getattr(flask.g, _HANDED_OVER, False) and _shadow_window()):
        return _KEYSTONE_SHADOW(self, idp_id, protocol_id, user,
                                group_ids=group_ids)
    recent_key = _recent_key('v3', idp_id, protocol_id, user,
                             sorted(group_ids or []))
    recent = _recent_shadow(recent_key, refuse_disabled=False)
    if recent is not None:
        return copy.deepcopy(recent[0])
    shadow = _KEYSTONE_SHADOW(self, idp_id, protocol_id, user,
                              group_ids=group_ids)
    _RECENT.set(recent_key, (shadow, list(group_ids or [])))
    return shadow


def install():
    """Remember keystone's shadowing in logins the plugin hands over
    (once)."""
    global _KEYSTONE_SHADOW
    if _KEYSTONE_SHADOW is None:
        _KEYSTONE_SHADOW = identity_core.Manager.shadow_federated_user
        identity_core.Manager.shadow_federated_user = _shadow_federated_user
        LOG.debug('keystone identity_api.shadow_federated_user remembered '
                  'in handed-over logins')


def delete_shadow_users(idp_id: str):
    """Delete the users an identity provider's logins made (with their
    assignments, memberships and credentials, through keystone)."""
    hints = driver_hints.Hints()
    hints.add_filter('idp_id', idp_id)
    user_ids = {ref['user_id'] for ref in
                PROVIDERS.shadow_users_api.list_federated_users_info(hints)}
    for user_id in user_ids:
        others = [ref for ref in
                  PROVIDERS.shadow_users_api.get_federated_objects(user_id)
                  if ref['idp_id'] != idp_id]
        if others:
            continue
        try:
            PROVIDERS.identity_api.delete_user(user_id)
        except exception.UserNotFound:
            pass


def issue_token(idp_id: str, protocol: str,
                mapping: ty.Optional[records.Mapping],
                identity: mapping_engine.Identity,
                scope: ty.Optional[dict] = None, *,
                shadow: ty.Optional[tuple[dict, list]] = None,
                expires_at: ty.Optional[str] = None):
    """A federated keystone token for a federated identity (a TokenModel).

    The scope is the one asked for, else the mapping's token_project_id,
    else none (an unscoped federated token). A project or domain scope
    needs a role there, from the groups or the user's own assignments, as
    keystone requires for any token. Not audited here: the login pipeline
    (:mod:`keystone_ng_plugin.federation.flow`) audits each attempt once.

    Args:
        shadow: the (user, group IDs) :func:`shadow_user` already gave.
        expires_at: an expiry sooner than keystone's (ISO 8601).
    Raises:
        LoginRefused: the user or its domain refused, or the scope gone.
        Unauthorized: no role on the scope.
        ValidationError: scope malformed or not allowed.
    """
    check_scope(scope)
    if not scope and mapping is not None and mapping.token_project_id:
        scope = {'project': {'id': mapping.token_project_id}}
    method = token_method()
    user, group_ids = shadow or shadow_user(idp_id, identity)
    auth = {'identity': {'methods': [method], method: {}}}
    if scope:
        auth['scope'] = scope
    auth_info = auth_core.AuthInfo.create(auth=auth, scope_only=True)
    auth_context = auth_core.AuthContext(method_names=[method], bind={})
    auth_context.update({
        'user_id': user['id'], 'group_ids': group_ids,
        federation_constants.IDENTITY_PROVIDER: idp_id,
        federation_constants.PROTOCOL: protocol})
    domain_id, project_id, _trust, _unscoped, system = auth_info.get_scope()
    try:
        return PROVIDERS.token_provider_api.issue_token(
            user['id'], [method], system=system, project_id=project_id,
            domain_id=domain_id, auth_context=auth_context,
            expires_at=expires_at)
    except (exception.DomainNotFound, exception.ProjectNotFound):
        raise errors.LoginRefused(
            'the scope or the user\'s domain is not available')
