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
"""Token restrictions: what they are, and making restricted tokens.

A restriction belongs to a domain and says what a token made from it may
do: which roles (narrowing only: the effective roles are the restriction's
roles, implied roles included, intersected with the roles the user really
has on the project), which project (fixed, or the source token's), for whom
(optionally one user), for how long (``max_ttl``), and whether the token may
be renewed or rescoped with keystone's ``token`` method.

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
import uuid

import flask
from oslo_log import log
from oslo_utils import timeutils

from keystone.assignment import core as assignment_core
from keystone.common import driver_hints
from keystone.common import provider_api
from keystone.common import utils as ks_utils
from keystone import exception
from keystone import notifications

import keystone_ng_plugin.conf
from keystone_ng_plugin.common import cache
from keystone_ng_plugin.common.cache import MEMOIZE
from keystone_ng_plugin.restriction.backends import sql as backend_sql

CONF = keystone_ng_plugin.conf.CONF
LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
_VALIDATION = cache.ValidationCache('token_restriction')

# The auth method name every restricted token carries (never a login
# method, never primary).
MARKER = 'restricted'


def is_restricted(token) -> bool:
    """Whether a keystone TokenModel is a restricted token."""
    return MARKER in (token.methods or ())


def _invalid(message):
    raise exception.ValidationError(message=message)


def view(ref: dict) -> dict:
    """The API view: role IDs become role references."""
    out = {k: v for k, v in ref.items() if k != 'role_ids'}
    roles = []
    for role_id in ref['role_ids']:
        try:
            role = PROVIDERS.role_api.get_role(role_id)
        except exception.RoleNotFound:
            continue
        roles.append({'id': role['id'], 'name': role['name'],
                      'domain_id': role.get('domain_id')})
    out['roles'] = roles
    return out


def policy_target(ref: dict) -> dict:
    return {'restriction': {k: ref.get(k) for k in (
        'id', 'domain_id', 'user_id', 'project_id')}}


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


class Manager:

    def __init__(self, driver=None):
        self.driver = driver or backend_sql.Restriction()

    # -- what a restriction may say ---------------------------------------

    @staticmethod
    def _role_id(ref: dict) -> str:
        if ref.get('id'):
            try:
                return PROVIDERS.role_api.get_role(ref['id'])['id']
            except exception.RoleNotFound:
                _invalid('role %s does not exist' % ref['id'])
        hints = driver_hints.Hints()
        hints.add_filter('name', ref['name'])
        hints.add_filter('domain_id', ref.get('domain_id'))
        found = PROVIDERS.role_api.list_roles(hints=hints)
        if not found:
            _invalid('role %s does not exist' % ref['name'])
        return found[0]['id']

    def _values(self, ref: dict, current: ty.Optional[dict] = None) -> dict:
        values = {k: v for k, v in ref.items() if k != 'roles'}
        if 'roles' in ref:
            values['role_ids'] = list(dict.fromkeys(
                self._role_id(role) for role in ref['roles']))
        merged = dict(current or {}, **values)
        domain_id = merged['domain_id']
        if current is None:
            try:
                PROVIDERS.resource_api.get_domain(domain_id)
            except exception.DomainNotFound:
                _invalid('domain %s does not exist' % domain_id)
        if values.get('project_id'):
            try:
                project = PROVIDERS.resource_api.get_project(
                    values['project_id'])
            except exception.ProjectNotFound:
                _invalid('project %s does not exist' % values['project_id'])
            if project['domain_id'] != domain_id:
                _invalid('project %s is not in the restriction\'s domain' %
                         values['project_id'])
        if values.get('user_id'):
            try:
                PROVIDERS.identity_api.get_user(values['user_id'])
            except exception.UserNotFound:
                _invalid('user %s does not exist' % values['user_id'])
        return values

    # -- CRUD --------------------------------------------------------------

    def create(self, ref: dict) -> dict:
        values = dict({'allow_renew': False, 'allow_rescope': False},
                      **self._values(ref))
        return self.driver.create(uuid.uuid4().hex, values)

    def get(self, restriction_id: str) -> dict:
        return self.driver.get(restriction_id)

    def list(self, **filters) -> list[dict]:
        return self.driver.list(**filters)

    def update(self, restriction_id: str, changes: dict) -> dict:
        current = self.driver.get(restriction_id)
        updated = self.driver.update(restriction_id,
                                     self._values(changes, current))
        self._forget(restriction_id)
        return updated

    def delete(self, restriction_id: str):
        self.driver.delete(restriction_id)
        self._forget(restriction_id)

    # -- for tokens ---------------------------------------------------------

    def get_cached(self, restriction_id: str) -> ty.Optional[dict]:
        """The restriction, or None if it was deleted.

        Token validation reads it for every restricted token: cached in
        the cache backend itself (ValidationCache), never in keystone's
        request-local layer, which can serve a worker's previous request's
        value before the new request context exists (the validation of
        AuthContextMiddleware). Every write forgets it (_forget).
        """
        return _VALIDATION.get_or_create(
            restriction_id, lambda: self._read(restriction_id))

    def _read(self, restriction_id: str) -> ty.Optional[dict]:
        try:
            return self.driver.get(restriction_id)
        except exception.NotFound:
            return None

    @MEMOIZE
    def get_for_issue(self, restriction_id: str) -> ty.Optional[dict]:
        """The restriction as a login about to issue a token reads it
        (cached; writes invalidate it). Never used to validate tokens: the
        provider checks the restriction it is given, and validation reads
        the database."""
        return self.get_cached(restriction_id)

    def get_for_login(self, restriction_id: str) -> dict:
        """The restriction a token is about to be made with (cached, as
        :meth:`get_for_issue`); NotFound if there is none."""
        # None: gone; the driver's read says so in keystone's words.
        return self.get_for_issue(restriction_id) or self.get(restriction_id)

    @staticmethod
    def allowed_role_ids(ref: dict) -> frozenset:
        """The restriction's roles with the roles they imply."""
        return _with_implied(tuple(sorted(ref['role_ids'])))

    def _forget(self, restriction_id: str):
        _VALIDATION.forget(restriction_id)
        self.get_for_issue.invalidate(self, restriction_id)
        # Tokens keep no copy of the restriction, but keystone may have
        # cached a validation: drop those so a change applies at once.
        notifications.invalidate_token_cache_notification(
            'token restriction %s changed' % restriction_id)

    def check_new_token(self, want: Pending, token) -> dict:
        """Refuse a restricted token the restriction does not allow.

        Called by the token provider just before keystone mints the token:
        the one place every restricted token goes through. Caps the
        token's expiry (restriction max_ttl, [token_restriction] max_ttl).

        Raises:
            Unauthorized: the restriction is gone.
            Forbidden: wrong user, scope, project, renewal or rescope.
        """
        ref = want.ref or self.get_cached(want.restriction_id)
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

    def check_token(self, restriction_id: ty.Optional[str], token
                    ) -> frozenset:
        """The role IDs a restricted token may use; TokenNotFound if the
        restriction no longer allows the token at all."""
        ref = self.get_cached(restriction_id) if restriction_id else None
        if ref is None:
            raise exception.TokenNotFound(
                'the token\'s restriction %s is gone' % restriction_id)
        if (not token.project_id or
                (ref['user_id'] and ref['user_id'] != token.user_id) or
                (ref['project_id'] and ref['project_id'] != token.project_id)):
            raise exception.TokenNotFound(
                'the token does not match its restriction %s' %
                restriction_id)
        if ref['max_ttl'] and token.issued_at and (
                _parse(token.issued_at) +
                datetime.timedelta(seconds=ref['max_ttl'] + 1) <
                timeutils.utcnow()):
            raise exception.TokenNotFound(
                'the token outlived its restriction\'s max_ttl')
        return self.allowed_role_ids(ref)

    def issue_for(self, ref: dict, user_id: str, *,
                  project_id: ty.Optional[str] = None,
                  ttl: ty.Optional[int] = None,
                  expires_at: ty.Optional[str] = None,
                  methods: ty.Sequence[str] = (),
                  parent_audit_id: ty.Optional[str] = None):
        """Issue a token restricted by ``ref`` for a user (a TokenModel).

        The one internal call behind every restricted token: minting from
        a caller's token, service-account tokens and JWT logins. The
        provider checks the restriction once more as it mints.

        Raises:
            ValidationError: no project, or restricted tokens disabled.
            Forbidden: the restriction is another user's.
            Unauthorized: no role left on the project.
        """
        from keystone_ng_plugin.token import provider
        if not isinstance(PROVIDERS.token_provider_api.driver,
                          provider.Provider):
            _invalid('restricted tokens need [token] provider = ngfernet')
        if ref['user_id'] and ref['user_id'] != user_id:
            raise exception.Forbidden(
                message='The restriction is for another user.')
        project_id = ref['project_id'] or project_id
        if not project_id:
            _invalid('restricted tokens are project scoped: give a project '
                     'or use a restriction with a project')
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

    def mint(self, restriction_id: str, source) -> ty.Any:
        """A restricted token made from the caller's token (TokenModel),
        which :mod:`keystone_ng_plugin.token.delegation` has judged.

        Raises:
            NotFound: no such restriction.
            Forbidden: the restriction is another user's.
            ValidationError: no project to scope to, or restricted tokens
                are not enabled ([token] provider).
            Unauthorized: no role left on the project.
        """
        ref = self.get_for_login(restriction_id)
        return self.issue_for(
            ref, source.user_id, project_id=source.project_id,
            expires_at=source.expires_at, methods=source.methods,
            parent_audit_id=source.parent_audit_id or source.audit_id)

    # -- keystone's deletions -------------------------------------------------

    def _delete_where(self, **filters):
        for restriction_id in self.driver.ids_where(**filters):
            try:
                self.delete(restriction_id)
            except exception.NotFound:
                pass

    def on_deleted(self, service, resource_type, operation, payload):
        """A user, project or domain went: so do its restrictions. A role
        went: it leaves the restrictions (which go when none is left)."""
        entity_id = payload['resource_info']
        if resource_type == 'role':
            for ref in self.driver.with_role(entity_id):
                role_ids = [r for r in ref['role_ids'] if r != entity_id]
                if role_ids:
                    self.driver.update(ref['id'], {'role_ids': role_ids})
                    self._forget(ref['id'])
                else:
                    self.delete(ref['id'])
            return
        column = {'user': 'user_id', 'project': 'project_id',
                  'domain': 'domain_id'}[resource_type]
        self._delete_where(**{column: entity_id})


@assignment_core.MEMOIZE_COMPUTED_ASSIGNMENTS
def _with_implied(role_ids: tuple) -> frozenset:
    """Roles and the roles they imply, in keystone's cache of computed
    assignments (which keystone invalidates when implied roles change).
    A stale entry can only make a token narrower, never wider: the result
    is intersected with the user's real roles, computed by keystone."""
    expanded = PROVIDERS.assignment_api.add_implied_roles(
        [{'role_id': role_id} for role_id in role_ids])
    return frozenset(r['role_id'] for r in expanded)


_MANAGER: ty.Optional[Manager] = None


def get_manager() -> Manager:
    global _MANAGER
    if _MANAGER is None:
        _MANAGER = Manager()
    return _MANAGER


def _on_deleted(service, resource_type, operation, payload):
    get_manager().on_deleted(service, resource_type, operation, payload)


def register_callbacks():
    """Follow keystone's deletions of users, projects, domains, roles."""
    for resource_type in ('user', 'project', 'domain', 'role'):
        notifications.register_event_callback(
            notifications.ACTIONS.deleted, resource_type, _on_deleted)
