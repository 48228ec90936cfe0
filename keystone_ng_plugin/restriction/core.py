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
"""Token restrictions: the records restricted tokens are made from.

A restriction belongs to a domain and says what a token made from it may
do: which roles (narrowing only: the effective roles are the restriction's
roles, implied roles included, intersected with the roles the user really
has on the project), which project (fixed, or the source token's), for whom
(optionally one user), for how long (``max_ttl``), and whether the token may
be renewed or rescoped with keystone's ``token`` method.

This module keeps the records: CRUD, the one cached read tokens use
(:meth:`Manager.get_cached`) and keystone's deletions. How restricted
tokens are made and checked is :mod:`keystone_ng_plugin.token.restricted`.
"""

import typing as ty
import uuid

from oslo_log import log

from keystone.common import driver_hints
from keystone.common import provider_api
from keystone import exception
from keystone import notifications

import keystone_ng_plugin.conf
from keystone_ng_plugin.common import cache
from keystone_ng_plugin.restriction.backends import sql as backend_sql

CONF = keystone_ng_plugin.conf.CONF
LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
_VALIDATION = cache.ValidationCache('token_restriction')


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


# The keystone in-process event (register_event_callback) sent when a
# restriction is deleted, for the records that refer to one.
RESOURCE_TYPE = 'ng_token_restriction'


def tokens_available() -> bool:
    """Whether keystone's token provider makes restricted tokens
    (``[token] provider = ngfernet``, whose driver says so of itself)."""
    return bool(getattr(PROVIDERS.token_provider_api.driver,
                        'issues_restricted_tokens', False))


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

    def page(self, limit: int, marker: ty.Optional[str] = None,
             **filters) -> ty.List[dict]:
        """At most ``limit`` of them by ID after ``marker`` (keyset
        pagination)."""
        return self.driver.page(limit, marker, **filters)

    def update(self, restriction_id: str, changes: dict) -> dict:
        current = self.driver.get(restriction_id)
        updated = self.driver.update(restriction_id,
                                     self._values(changes, current))
        self._forget(restriction_id)
        return updated

    def delete(self, restriction_id: str):
        self.driver.delete(restriction_id)
        self._forget(restriction_id)
        # What refers to a restriction (mappings) follows it.
        notifications.notify_event_callbacks(
            notifications.SERVICE, RESOURCE_TYPE,
            notifications.ACTIONS.deleted, {'resource_info': restriction_id})

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

    def get_for_login(self, restriction_id: str) -> dict:
        """The restriction a token is about to be made with (the cached
        read); NotFound if there is none."""
        # None: gone; the driver's read says so in keystone's words.
        return self.get_cached(restriction_id) or self.get(restriction_id)

    def _forget(self, restriction_id: str):
        _VALIDATION.forget(restriction_id)
        # Tokens keep no copy of the restriction, but keystone may have
        # cached a validation: drop those so a change applies at once.
        notifications.invalidate_token_cache_notification(
            'token restriction %s changed' % restriction_id)

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


_MANAGER: ty.Optional[Manager] = None


def get_manager() -> Manager:
    global _MANAGER
    if _MANAGER is None:
        _MANAGER = Manager()
    return _MANAGER


def _on_deleted(service, resource_type, operation, payload):
    get_manager().on_deleted(service, resource_type, operation, payload)


def register_callbacks():
    """Follow keystone's deletions of users, projects, domains, roles
    (idempotent: keystone keeps one subscription per callback)."""
    for resource_type in ('user', 'project', 'domain', 'role'):
        notifications.register_event_callback(
            notifications.ACTIONS.deleted, resource_type, _on_deleted)
