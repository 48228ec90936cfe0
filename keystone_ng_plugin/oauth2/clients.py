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
"""The OpenID provider's clients (ng_oauth2_client).

A client belongs to a domain and is known by its ``provider_id`` there
(unique, in the API's paths) and by a server-made ``client_id`` (what
relying parties send). A confidential client's secret is made by the
server, shown once and stored only as a slow hash (keystone's password
hashing: ``[identity] password_hash_algorithm``); verifying the secret of
an unknown client costs the same as a wrong secret. A secret once
verified is remembered for ``[oauth2] verified_secret_cache_seconds`` in
keystone's cache backend as a SHA-256 digest bound to the client and its
stored hash (a server-made secret has 256 random bits: its digest gives
nothing away), so that a relying party's every token request does not
pay the slow hash again; a wrong secret always does, and a rotated secret
changes the stored hash, which no remembered digest matches. Deleting a
client leaves a tombstone: disabled, hidden, its ``provider_id`` never
reused.
"""

import datetime
import functools
import hashlib
import json
import secrets
import typing as ty
import urllib.parse
import uuid

from keystone.common import password_hashing
from keystone.common import provider_api
from keystone import exception
from keystone import notifications
from oslo_db import exception as db_exception
import sqlalchemy as sa
from sqlalchemy import orm

from keystone_ng_plugin.common import cache as ng_cache
from keystone_ng_plugin.common import sql
from keystone_ng_plugin.oauth2 import state
from keystone_ng_plugin.restriction import core as restriction
from keystone_ng_plugin.service_account import core as accounts
import keystone_ng_plugin.conf

PROVIDERS = provider_api.ProviderAPIs
CONF = keystone_ng_plugin.conf.CONF
RESOURCE_TYPE = 'oauth2_client'
DEFAULT_SCOPES = ['openid', 'profile', 'email']
_LIST_FIELDS = ('grant_types', 'redirect_uris', 'post_logout_redirect_uris',
                'allowed_scopes')
_LOOPBACK = ('localhost', '127.0.0.1', '::1')
_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'


class ClientModel(sql.ModelBase):
    __tablename__ = 'ng_oauth2_client'
    __table_args__ = (
        sa.UniqueConstraint('domain_id', 'provider_id',
                            name='uq_ng_oauth2_client_provider_id'),
        sa.Index('ix_ng_oauth2_client_service_account_id',
                 'service_account_id'),
        sa.Index('ix_ng_oauth2_client_token_restriction_id',
                 'token_restriction_id'),
        sql.TABLE_ARGS,
    )

    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    domain_id: orm.Mapped[str] = orm.mapped_column(sa.String(64),
                                                   nullable=False)
    provider_id: orm.Mapped[str] = orm.mapped_column(sa.String(64),
                                                     nullable=False)
    name: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(255), nullable=True)
    confidential: orm.Mapped[bool] = orm.mapped_column(sa.Boolean,
                                                       nullable=False)
    enabled: orm.Mapped[bool] = orm.mapped_column(sa.Boolean,
                                                  nullable=False)
    require_pkce: orm.Mapped[bool] = orm.mapped_column(sa.Boolean,
                                                       nullable=False)
    pre_authorized: orm.Mapped[bool] = orm.mapped_column(sa.Boolean,
                                                         nullable=False)
    token_endpoint_auth_method: orm.Mapped[str] = orm.mapped_column(
        sa.String(64), nullable=False)
    service_account_id: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(64), nullable=True)
    # what restricts the service account's keystone tokens (scope openstack)
    token_restriction_id: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(64), nullable=True)
    # JSON lists
    grant_types: orm.Mapped[str] = orm.mapped_column(sa.Text,
                                                     nullable=False)
    redirect_uris: orm.Mapped[str] = orm.mapped_column(sa.Text,
                                                       nullable=False)
    post_logout_redirect_uris: orm.Mapped[str] = orm.mapped_column(
        sa.Text, nullable=False)
    allowed_scopes: orm.Mapped[str] = orm.mapped_column(sa.Text,
                                                        nullable=False)
    secret_hash: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(255), nullable=True)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False)
    updated_at: orm.Mapped[ty.Optional[datetime.datetime]] = (
        orm.mapped_column(sa.DateTime, nullable=True))
    deleted_at: orm.Mapped[ty.Optional[datetime.datetime]] = (
        orm.mapped_column(sa.DateTime, nullable=True))


def _iso(value: ty.Optional[datetime.datetime]) -> ty.Optional[str]:
    return value.isoformat() + 'Z' if value is not None else None


def view(row: ClientModel) -> dict:
    """The API's view of a client (never its secret hash)."""
    ref = {'client_id': row.id, 'provider_id': row.provider_id,
           'domain_id': row.domain_id, 'name': row.name,
           'confidential': row.confidential, 'enabled': row.enabled,
           'require_pkce': row.require_pkce,
           'pre_authorized': row.pre_authorized,
           'token_endpoint_auth_method': row.token_endpoint_auth_method,
           'service_account_id': row.service_account_id,
           'token_restriction_id': row.token_restriction_id,
           'created_at': _iso(row.created_at),
           'updated_at': _iso(row.updated_at)}
    for field in _LIST_FIELDS:
        ref[field] = json.loads(getattr(row, field))
    return ref


def _invalid(message: str):
    return exception.ValidationError(message=message)


def _check_redirect_uri(uri: str):
    try:
        parts = urllib.parse.urlsplit(uri)
        parts.port  # raises ValueError on a port out of range
    except ValueError:
        raise _invalid('redirect URI %r is not a URI' % uri)
    if not parts.scheme or parts.fragment or '*' in uri:
        raise _invalid('redirect URI %r: an absolute URI without a '
                       'fragment or wildcard' % uri)
    if parts.scheme == 'https' and parts.hostname:
        return
    if parts.scheme == 'http' and parts.hostname in _LOOPBACK:
        return
    if parts.scheme not in ('http', 'https') and '.' in parts.scheme:
        return  # RFC 8252 private-use scheme (reverse domain name)
    raise _invalid('redirect URI %r: https, http on a loopback address, or '
                   'a private-use scheme such as com.example.app:/' % uri)


def new_secret() -> str:
    """A client secret that a command line can take as an argument value.

    One in 64 URL-safe secrets would begin with ``-``; argparse (and so
    ``openstack --os-client-secret``) takes such a value for an option.
    """
    while True:
        secret = secrets.token_urlsafe(32)
        if not secret.startswith('-'):
            return secret


def _secret() -> tuple[str, str]:
    secret = new_secret()
    return secret, password_hashing.hash_password(secret)


_VERIFIED = ng_cache.ValidationCache(
    'oauth2_verified_secret',
    expiration=lambda: CONF.oauth2.verified_secret_cache_seconds)


def _verified_digest(client_id: str, hashed: str, secret: str) -> str:
    return hashlib.sha256('\x00'.join((client_id, hashed, secret)).encode(
        'utf-8')).hexdigest()


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return password_hashing.hash_password(secrets.token_urlsafe(32))


class Manager:
    """Clients of the OpenID providers of every domain."""

    def _check(self, domain_id: str, ref: dict):
        """The rules that span fields, on the client as it would be."""
        grants = ref['grant_types']
        if ref['confidential']:
            if ref['token_endpoint_auth_method'] == 'none':
                raise _invalid('a confidential client authenticates with '
                               'client_secret_basic or client_secret_post')
        else:
            if ref['token_endpoint_auth_method'] != 'none':
                raise _invalid('a public client has no secret: '
                               'token_endpoint_auth_method is none')
            if not ref['require_pkce']:
                raise _invalid('a public client always requires PKCE')
            for grant in ('client_credentials', _TOKEN_EXCHANGE):
                if grant in grants:
                    raise _invalid('%s needs a confidential client' % grant)
        if 'authorization_code' in grants and not ref['redirect_uris']:
            raise _invalid('authorization_code needs redirect_uris')
        if 'refresh_token' in grants and not (
                {'authorization_code', 'device_code'} & set(grants)):
            raise _invalid('refresh_token comes with authorization_code '
                           'or device_code')
        for uri in ref['redirect_uris'] + ref['post_logout_redirect_uris']:
            _check_redirect_uri(uri)
        account = ref['service_account_id']
        if ('client_credentials' in grants) != bool(account):
            raise _invalid('client_credentials and service_account_id go '
                           'together: the grant gives that account\'s '
                           'tokens')
        if account:
            try:
                found = accounts.get_manager().get(account)
            except exception.NotFound:
                found = None
            if found is None or found['domain_id'] != domain_id:
                raise _invalid('service account %s is not one of domain %s'
                               % (account, domain_id))
        self._check_restriction(domain_id, ref)

    @staticmethod
    def _check_restriction(domain_id: str, ref: dict):
        """The restriction of the service account's keystone tokens: of
        the domain, for this account or nobody in particular, with a
        project (keystone's federation login names none)."""
        restriction_id = ref.get('token_restriction_id')
        if not restriction_id:
            return
        account = ref['service_account_id']
        if not account:
            raise _invalid('token_restriction_id restricts the tokens of '
                           'the client\'s service_account_id')
        found = restriction.get_manager().get_cached(restriction_id)
        if found is None or found['domain_id'] != domain_id:
            raise _invalid('token restriction %s is not one of domain %s'
                           % (restriction_id, domain_id))
        if found['user_id'] and found['user_id'] != account:
            raise _invalid('token restriction %s is for another user'
                           % restriction_id)
        if not found['project_id']:
            raise _invalid('token restriction %s has no project: keystone '
                           'tokens of a service account are project scoped'
                           % restriction_id)

    def _row(self, session, domain_id: str, provider_id: str,
             lock: bool = False) -> ClientModel:
        query = sa.select(ClientModel).where(
            ClientModel.domain_id == domain_id,
            ClientModel.provider_id == provider_id,
            ClientModel.deleted_at.is_(None))
        if lock:
            query = query.with_for_update()
        row = session.execute(query).scalars().first()
        if row is None:
            raise exception.NotFound(target='OAuth2 client %s of domain %s'
                                     % (provider_id, domain_id))
        return row

    def create(self, domain_id: str,
               ref: dict) -> tuple[dict, ty.Optional[str]]:
        """(the client, its secret or None)."""
        try:
            PROVIDERS.resource_api.get_domain(domain_id)
        except exception.DomainNotFound:
            raise exception.NotFound(target='domain %s' % domain_id)
        confidential = ref['confidential']
        full = {
            'name': ref.get('name'), 'enabled': ref.get('enabled', True),
            'confidential': confidential,
            'grant_types': ref.get('grant_types', ['authorization_code']),
            'redirect_uris': ref.get('redirect_uris', []),
            'post_logout_redirect_uris': ref.get(
                'post_logout_redirect_uris', []),
            'allowed_scopes': ref.get('allowed_scopes', DEFAULT_SCOPES),
            'require_pkce': ref.get('require_pkce', True),
            'pre_authorized': ref.get('pre_authorized', False),
            'token_endpoint_auth_method': ref.get(
                'token_endpoint_auth_method',
                'client_secret_basic' if confidential else 'none'),
            'service_account_id': ref.get('service_account_id'),
            'token_restriction_id': ref.get('token_restriction_id'),
        }
        self._check(domain_id, full)
        secret, secret_hash = _secret() if confidential else (None, None)
        values = {k: json.dumps(v) if k in _LIST_FIELDS else v
                  for k, v in full.items()}
        row = ClientModel(id=uuid.uuid4().hex, domain_id=domain_id,
                          provider_id=ref['provider_id'],
                          secret_hash=secret_hash, created_at=sql.utcnow(),
                          **values)
        try:
            with sql.session_for_write() as session:
                session.add(row)
                session.flush()
                created = view(row)
        except db_exception.DBDuplicateEntry:
            raise exception.Conflict(
                type='OAuth2 client',
                details='provider_id %s is taken in the domain (deleted '
                        'clients keep theirs)' % ref['provider_id'])
        notifications.Audit.created(
            RESOURCE_TYPE, created['client_id'],
            initiator=notifications.build_audit_initiator())
        return created, secret

    def get(self, domain_id: str, provider_id: str) -> dict:
        with sql.session_for_read() as session:
            return view(self._row(session, domain_id, provider_id))

    def list(self, domain_id: str, enabled: ty.Optional[bool] = None,
             limit: int = 100, marker: ty.Optional[str] = None
             ) -> tuple[list[dict], bool]:
        """(a page of the domain's clients by provider_id, more after?)."""
        query = sa.select(ClientModel).where(
            ClientModel.domain_id == domain_id,
            ClientModel.deleted_at.is_(None)).order_by(
            ClientModel.provider_id).limit(limit + 1)
        if enabled is not None:
            query = query.where(ClientModel.enabled == enabled)
        if marker is not None:
            query = query.where(ClientModel.provider_id > marker)
        with sql.session_for_read() as session:
            rows = [view(row) for row in session.execute(query).scalars()]
        return rows[:limit], len(rows) > limit

    def update(self, domain_id: str, provider_id: str, changes: dict
               ) -> dict:
        with sql.session_for_write() as session:
            row = self._row(session, domain_id, provider_id, lock=True)
            full = view(row)
            full.update(changes)
            self._check(domain_id, full)
            for field, value in changes.items():
                setattr(row, field, json.dumps(value)
                        if field in _LIST_FIELDS else value)
            row.updated_at = sql.utcnow()
            session.flush()
            updated = view(row)
        notifications.Audit.updated(
            RESOURCE_TYPE, updated['client_id'],
            initiator=notifications.build_audit_initiator())
        return updated

    def delete(self, domain_id: str, provider_id: str):
        with sql.session_for_write() as session:
            row = self._row(session, domain_id, provider_id, lock=True)
            row.enabled, row.deleted_at = False, sql.utcnow()
            row.secret_hash = None
            client_id = row.id
        state.revoke_client(client_id)
        notifications.Audit.deleted(
            RESOURCE_TYPE, client_id,
            initiator=notifications.build_audit_initiator())

    def rotate_secret(self, domain_id: str, provider_id: str) -> str:
        with sql.session_for_write() as session:
            row = self._row(session, domain_id, provider_id, lock=True)
            if not row.confidential:
                raise _invalid('a public client has no secret')
            secret, row.secret_hash = _secret()
            row.updated_at = sql.utcnow()
            client_id = row.id
        notifications.Audit.updated(
            RESOURCE_TYPE, client_id,
            initiator=notifications.build_audit_initiator())
        return secret

    def find(self, domain_id: str, client_id: str) -> ty.Optional[dict]:
        """The enabled client of the domain with this client_id, else
        None."""
        found = self.find_with_secret_hash(domain_id, client_id)
        return found[0] if found is not None else None

    def find_with_secret_hash(self, domain_id: str, client_id: str
                              ) -> ty.Optional[tuple[dict, ty.Optional[str]]]:
        """(the client, its secret hash) as find, in one read, for a
        token request that authenticates the client."""
        with sql.session_for_read() as session:
            row = session.get(ClientModel, client_id)
            if (row is None or row.domain_id != domain_id or
                    not row.enabled or row.deleted_at is not None):
                return None
            return view(row), row.secret_hash

    def check_secret(self, client_id: ty.Optional[str],
                     hashed: ty.Optional[str],
                     secret: ty.Optional[str]) -> bool:
        """Whether ``secret`` is the one ``hashed`` (the client's stored
        hash, from find_with_secret_hash) was made from; an unknown
        client (None) or a client without secret costs the same slow
        hash."""
        usable = (isinstance(secret, str) and 0 < len(secret) <= 512 and
                  '\x00' not in secret)
        if not usable or client_id is None:
            # bcrypt refuses NUL: still one slow hash, of nothing
            hashed, secret = None, ''
        remember = (hashed is not None and
                    CONF.oauth2.verified_secret_cache_seconds > 0)
        if remember:
            digest = _verified_digest(client_id, hashed, secret)
            if _VERIFIED.get(digest):
                return True
        ok = password_hashing.check_password(secret,
                                             hashed or _dummy_hash())
        if ok and remember:
            _VERIFIED.set(digest, True)
        return ok and hashed is not None


def on_domain_deleted(domain_id: str):
    with sql.session_for_write() as session:
        session.execute(sa.delete(ClientModel).where(
            ClientModel.domain_id == domain_id))


def on_restriction_deleted(restriction_id: str):
    """A deleted token restriction: the clients it restricted give no
    keystone tokens any more (until another one is set)."""
    with sql.session_for_write() as session:
        session.execute(sa.update(ClientModel).where(
            ClientModel.token_restriction_id == restriction_id).values(
            token_restriction_id=None))


def on_user_deleted(user_id: str):
    """A deleted service account's clients become tombstones."""
    with sql.session_for_write() as session:
        session.execute(sa.update(ClientModel).where(
            ClientModel.service_account_id == user_id,
            ClientModel.deleted_at.is_(None)).values(
            enabled=False, deleted_at=sql.utcnow(), secret_hash=None))


_MANAGER: ty.Optional[Manager] = None


def get_manager() -> Manager:
    global _MANAGER
    if _MANAGER is None:
        _MANAGER = Manager()
    return _MANAGER
