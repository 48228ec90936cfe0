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
"""Service accounts: keystone users that only machines log in as.

A service account *is* a keystone user (created through keystone's identity
API, with keystone's ID), so role assignments, groups, catalogs and the
``openstack`` CLI work with it as with any user. The plugin's
``ng_service_account`` table says which users are service accounts; keystone
shows it as the user attribute ``"service_account": true``. A service
account never has a password or credentials of its own (the v3 calls that
would give it one are refused, see :mod:`keystone_ng_plugin.service_account
.guard`), and every token it gets is restricted: through a JWT mapping or
``POST /v4/service_accounts/{id}/tokens``.
"""

import datetime
import typing as ty

from oslo_db import exception as db_exception
import sqlalchemy as sa
from sqlalchemy import orm

from keystone.common import provider_api
from keystone.common import sql as ks_sql
from keystone import exception
from keystone import notifications

from keystone_ng_plugin.common.cache import MEMOIZE
from keystone_ng_plugin.common import sql
from keystone_ng_plugin.restriction import core as restriction

PROVIDERS = provider_api.ProviderAPIs
# The keystone user attribute that marks a service account in v3 output.
MARK = 'service_account'


class ServiceAccountModel(sql.ModelBase):
    __tablename__ = 'ng_service_account'
    __table_args__ = (
        sa.Index('ix_ng_service_account_domain_id', 'domain_id'),
        sql.TABLE_ARGS,
    )

    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    domain_id: orm.Mapped[str] = orm.mapped_column(sa.String(64),
                                                   nullable=False)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False)


class ServiceAccountStore(sql.RecordStore):
    model = ServiceAccountModel
    fields = ('domain_id', 'created_at')
    order_by = ('domain_id', 'id')
    noun = 'service account'


def _view(row: dict, user: dict) -> dict:
    created = row['created_at']
    return {'id': user['id'], 'name': user['name'],
            'domain_id': user['domain_id'],
            'description': user.get('description'),
            'enabled': user.get('enabled', True),
            'created_at': created.isoformat() + 'Z' if isinstance(
                created, datetime.datetime) else created}


def policy_target(ref: dict) -> dict:
    return {'service_account': {'id': ref.get('id'),
                                'domain_id': ref.get('domain_id')}}


class Manager:

    def __init__(self):
        self.store = ServiceAccountStore()

    @MEMOIZE
    def is_service_account(self, user_id: str) -> bool:
        """Whether a user is a service account (cached; keystone user IDs
        are never reused, and deletion invalidates it)."""
        try:
            self.store.get(user_id)
        except exception.NotFound:
            return False
        return True

    def create(self, ref: dict) -> dict:
        if not restriction.tokens_available():
            # ngfernet is what refuses a service account's logins.
            raise exception.ValidationError(
                message='service accounts need [token] provider = ngfernet')
        try:
            PROVIDERS.resource_api.get_domain(ref['domain_id'])
        except exception.DomainNotFound:
            raise exception.ValidationError(
                message='domain %s does not exist' % ref['domain_id'])
        user_ref = {'name': ref['name'], 'domain_id': ref['domain_id'],
                    'enabled': ref.get('enabled', True), MARK: True,
                    'options': {'lock_password': True}}
        if ref.get('description') is not None:
            user_ref['description'] = ref['description']
        try:
            with ks_sql.session_for_write():
                user = PROVIDERS.identity_api.create_user(user_ref)
                row = self.store.create(user['id'], {
                    'domain_id': user['domain_id'],
                    'created_at': sql.utcnow()})
        except db_exception.DBDuplicateEntry:
            raise exception.Conflict(
                type='service account',
                details='a user named %s exists in the domain' % ref['name'])
        self.is_service_account.invalidate(self, user['id'])
        return _view(row, user)

    def get(self, account_id: str) -> dict:
        row = self.store.get(account_id)
        try:
            user = PROVIDERS.identity_api.get_user(account_id)
        except exception.UserNotFound:
            raise exception.NotFound(
                target='service account %s' % account_id)
        return _view(row, user)

    def list(self, **filters) -> list[dict]:
        name = filters.pop('name', None)
        return self._views(self.store.list(**filters), name)

    @staticmethod
    def _views(rows, name: ty.Optional[str]) -> ty.List[dict]:
        """The accounts of these rows (with their keystone users), of
        this name if one is given."""
        found = []
        for row in rows:
            try:
                user = PROVIDERS.identity_api.get_user(row['id'])
            except exception.UserNotFound:
                continue
            if name is None or user['name'] == name:
                found.append(_view(row, user))
        return found

    def page(self, limit: int, marker: ty.Optional[str] = None,
             **filters) -> ty.List[dict]:
        """At most ``limit`` accounts by ID after ``marker``; fewer only
        when there are no more (a name filter reads on until then)."""
        name = filters.pop('name', None)
        found: list = []
        while len(found) < limit:
            rows = self.store.page(limit, marker, **filters)
            found += self._views(rows, name)
            if len(rows) < limit:
                break
            marker = rows[-1]['id']
        return found[:limit]

    def update(self, account_id: str, changes: dict) -> dict:
        row = self.store.get(account_id)
        user = PROVIDERS.identity_api.update_user(account_id, dict(changes))
        return _view(row, user)

    def delete(self, account_id: str):
        self.store.get(account_id)
        # keystone deletes the user, its assignments and memberships; the
        # user-deleted callback below removes the rest.
        PROVIDERS.identity_api.delete_user(account_id)

    def enabled_account(self, account_id: str) -> dict:
        """The service account's user, if it may get tokens (else 401)."""
        if not self.is_service_account(account_id):
            raise exception.Unauthorized(
                'service account %s does not exist' % account_id)
        user = PROVIDERS.identity_api.get_user(account_id)
        if not user.get('enabled', True):
            raise exception.Unauthorized(
                'service account %s is disabled' % account_id)
        try:
            PROVIDERS.resource_api.assert_domain_enabled(user['domain_id'])
        except AssertionError:
            raise exception.Unauthorized(
                'service account %s: domain disabled' % account_id)
        return user

    def on_user_deleted(self, service, resource_type, operation, payload):
        """A deleted service account: its row (what refers to the account,
        such as mappings, follows keystone's user deletion itself)."""
        user_id = payload['resource_info']
        try:
            self.store.delete(user_id)
        except exception.NotFound:
            return
        self.is_service_account.invalidate(self, user_id)


_MANAGER: ty.Optional[Manager] = None


def get_manager() -> Manager:
    global _MANAGER
    if _MANAGER is None:
        _MANAGER = Manager()
    return _MANAGER


def _on_user_deleted(service, resource_type, operation, payload):
    get_manager().on_user_deleted(service, resource_type, operation, payload)


def register_callbacks():
    """Follow keystone's user deletions."""
    notifications.register_event_callback(
        notifications.ACTIONS.deleted, 'user', _on_user_deleted)
