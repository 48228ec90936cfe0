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
"""Restricted tokens: how they are made and what they may do.

A restriction (:mod:`keystone_ng_plugin.restriction`) is a record; this
module is the mechanics around it:

* :func:`issue_for` is the one internal call behind every restricted token
  (minting from a caller's token, service-account tokens, JWT logins): it
  hands the restriction to the token provider as a :class:`Pending` value
  of this request, and keystone's ``issue_token`` runs as usual;
* the provider (:mod:`keystone_ng_plugin.token.provider`) takes it
  (:func:`take_pending`) and checks the new token against it
  (:func:`check_new_token`) just before it mints;
* every validation narrows the token's roles through :func:`check_token`.

Restricted tokens carry the auth method marker ``restricted``. It is not a
primary auth method, so keystone's own delegation guards refuse to create
application credentials, trusts, EC2 or other credentials, OAuth1 tokens and
(with keystone's stock ``token`` method) new tokens from them. The plugin's
``ngrestricted`` token method renews or rescopes them within the rules.
"""

import contextlib
import contextvars
import dataclasses
import datetime
import typing as ty

import flask
from oslo_utils import timeutils

from keystone.assignment import core as assignment_core
from keystone.common import provider_api
from keystone.common import utils as ks_utils
from keystone import exception

import keystone_ng_plugin.conf
from keystone_ng_plugin.restriction import core as restriction
from keystone_ng_plugin.service_account import core as accounts

CONF = keystone_ng_plugin.conf.CONF
PROVIDERS = provider_api.ProviderAPIs

# The auth method name every restricted token carries (never a login
# method, never primary).
MARKER = 'restricted'


def is_restricted(token) -> bool:
    """Whether a keystone TokenModel is a restricted token."""
    return MARKER in (token.methods or ())


def _invalid(message):
    raise exception.ValidationError(message=message)


@dataclasses.dataclass(frozen=True)
class Pending:
    """A restricted token about to be issued in this request.

    ``source_project_id`` is set when an existing restricted token is being
    renewed or rescoped (keystone's ``token`` method), so that the provider
    can tell a renewal (same project) from a rescope.
    """

    restriction_id: str
    user_id: str
    source_project_id: ty.Optional[str] = None
    # the restriction as this request already read it (saves a read)
    ref: ty.Optional[dict] = dataclasses.field(default=None, compare=False)


_PENDING: contextvars.ContextVar = contextvars.ContextVar(
    'ng_restriction_pending', default=None)


@contextlib.contextmanager
def pending(value: Pending):
    """Issue the tokens of this block as restricted by ``value``."""
    reset = _PENDING.set(value)
    try:
        yield
    finally:
        _PENDING.reset(reset)


def remember_pending(value: Pending):
    """The same for the rest of this request (auth methods)."""
    flask.g.ng_restriction_pending = value


def take_pending() -> ty.Optional[Pending]:
    """The restriction of the token being issued, used up."""
    value = _PENDING.get()
    if value is not None:
        return value
    if flask.has_request_context():
        return flask.g.pop('ng_restriction_pending', None)
    return None


def _isotime(value: datetime.datetime) -> str:
    return ks_utils.isotime(value, subsecond=True)


def _parse(value: str) -> datetime.datetime:
    return timeutils.normalize_time(timeutils.parse_isotime(value))


@assignment_core.MEMOIZE_COMPUTED_ASSIGNMENTS
def _with_implied(role_ids: tuple) -> frozenset:
    """Roles and the roles they imply, in keystone's cache of computed
    assignments (which keystone invalidates when implied roles change).
    A stale entry can only make a token narrower, never wider: the result
    is intersected with the user's real roles, computed by keystone."""
    expanded = PROVIDERS.assignment_api.add_implied_roles(
        [{'role_id': role_id} for role_id in role_ids])
    return frozenset(r['role_id'] for r in expanded)


def allowed_role_ids(ref: dict) -> frozenset:
    """A restriction's roles with the roles they imply."""
    return _with_implied(tuple(sorted(ref['role_ids'])))


def check_new_token(want: Pending, token) -> dict:
    """Refuse a restricted token the restriction does not allow.

    Called by the token provider just before keystone mints the token: the
    one place every restricted token goes through. Caps the token's expiry
    (restriction max_ttl, [token_restriction] max_ttl).

    Raises:
        Unauthorized: the restriction is gone.
        Forbidden: wrong user, scope, project, renewal or rescope.
    """
    ref = want.ref or restriction.get_manager().get_cached(
        want.restriction_id)
    if ref is None:
        raise exception.Unauthorized('token restriction %s is gone' %
                                     want.restriction_id)
    if token.user_id != want.user_id or (
            ref['user_id'] and ref['user_id'] != token.user_id):
        raise exception.Forbidden(
            message='The restriction is for another user.')
    if not token.project_id or token.domain_id or token.system or \
            token.trust_id:
        raise exception.Forbidden(
            message='A restricted token is always project scoped.')
    if ref['project_id'] and ref['project_id'] != token.project_id:
        raise exception.Forbidden(
            message='The restriction fixes another project.')
    if want.source_project_id is not None:
        if token.project_id == want.source_project_id:
            if not ref['allow_renew']:
                raise exception.Forbidden(
                    message='The restriction does not allow renewal.')
        elif not ref['allow_rescope']:
            raise exception.Forbidden(
                message='The restriction does not allow rescoping.')
    ttl = CONF.token_restriction.max_ttl
    if ref['max_ttl']:
        ttl = min(ttl, ref['max_ttl'])
    cap = timeutils.utcnow() + datetime.timedelta(seconds=ttl)
    if _parse(token.expires_at) > cap:
        token.expires_at = _isotime(cap)
    return ref


def check_token(restriction_id: ty.Optional[str], token) -> frozenset:
    """The role IDs a restricted token may use; TokenNotFound if the
    restriction no longer allows the token at all."""
    ref = (restriction.get_manager().get_cached(restriction_id)
           if restriction_id else None)
    if ref is None:
        raise exception.TokenNotFound(
            'the token\'s restriction %s is gone' % restriction_id)
    if (not token.project_id or
            (ref['user_id'] and ref['user_id'] != token.user_id) or
            (ref['project_id'] and ref['project_id'] != token.project_id)):
        raise exception.TokenNotFound(
            'the token does not match its restriction %s' % restriction_id)
    if ref['max_ttl'] and token.issued_at and (
            _parse(token.issued_at) +
            datetime.timedelta(seconds=ref['max_ttl'] + 1) <
            timeutils.utcnow()):
        raise exception.TokenNotFound(
            'the token outlived its restriction\'s max_ttl')
    return allowed_role_ids(ref)


def issue_for(ref: dict, user_id: str, *,
              project_id: ty.Optional[str] = None,
              ttl: ty.Optional[int] = None,
              expires_at: ty.Optional[str] = None,
              methods: ty.Sequence[str] = (),
              parent_audit_id: ty.Optional[str] = None):
    """Issue a token restricted by ``ref`` for a user (a TokenModel).

    The one internal call behind every restricted token: minting from a
    caller's token, service-account tokens and JWT logins. The provider
    checks the restriction once more as it mints.

    Raises:
        ValidationError: no project, or restricted tokens disabled.
        Forbidden: the restriction is another user's.
        Unauthorized: no role left on the project.
    """
    if not restriction.tokens_available():
        _invalid('restricted tokens need [token] provider = ngfernet')
    if ref['user_id'] and ref['user_id'] != user_id:
        raise exception.Forbidden(
            message='The restriction is for another user.')
    project_id = ref['project_id'] or project_id
    if not project_id:
        _invalid('restricted tokens are project scoped: give a project or '
                 'use a restriction with a project')
    if expires_at is None and ttl:
        expires_at = _isotime(timeutils.utcnow() +
                              datetime.timedelta(seconds=ttl))
    try:
        PROVIDERS.resource_api.get_project(project_id)
    except exception.ProjectNotFound:
        _invalid('project %s does not exist' % project_id)
    with pending(Pending(ref['id'], user_id, ref=ref)):
        return PROVIDERS.token_provider_api.issue_token(
            user_id, [m for m in methods if m != MARKER],
            expires_at=expires_at, project_id=project_id,
            parent_audit_id=parent_audit_id)


def mint(restriction_id: str, source):
    """A restricted token made from the caller's token (TokenModel), which
    :mod:`keystone_ng_plugin.token.delegation` has judged.

    Raises:
        NotFound: no such restriction.
        Forbidden: the restriction is another user's.
        ValidationError: no project to scope to, or restricted tokens are
            not enabled ([token] provider).
        Unauthorized: no role left on the project.
    """
    ref = restriction.get_manager().get_for_login(restriction_id)
    return issue_for(
        ref, source.user_id, project_id=source.project_id,
        expires_at=source.expires_at, methods=source.methods,
        parent_audit_id=source.parent_audit_id or source.audit_id)


def issue_for_service_account(account_id: str, restriction_id: str, *,
                              project_id: ty.Optional[str] = None,
                              ttl: ty.Optional[int] = None,
                              methods: ty.Sequence[str] = (),
                              parent_audit_id: ty.Optional[str] = None):
    """A restricted token for a service account (a TokenModel).

    The account must be enabled (in an enabled domain); the restriction
    must be of the account's domain and about this account or nobody in
    particular. The lifetime is capped by [service_account] max_token_ttl.

    Raises:
        Unauthorized: no such service account, or disabled.
        ValidationError: the restriction is gone or not for this account.
    """
    user = accounts.get_manager().enabled_account(account_id)
    ref = restriction.get_manager().get_cached(restriction_id)
    if ref is None:
        _invalid('restriction %s does not exist' % restriction_id)
    if ref['domain_id'] != user['domain_id'] or (
            ref['user_id'] and ref['user_id'] != account_id):
        _invalid('restriction %s is not for this service account' %
                 restriction_id)
    limit = CONF.service_account.max_token_ttl
    return issue_for(ref, account_id, project_id=project_id,
                     ttl=min(ttl or limit, limit), methods=methods,
                     parent_audit_id=parent_audit_id)
