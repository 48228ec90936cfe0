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
"""SQL storage of identity providers (ng_identity_provider)."""

import datetime
import json
import typing as ty

from oslo_db import exception as db_exception
import sqlalchemy as sa
from sqlalchemy import orm

from keystone import exception

from keystone_ng_plugin.common import sql

# Columns holding JSON lists or objects.
JSON_FIELDS = ('oidc_response_types', 'jwt_validation_pubkeys', 'oidc_scopes',
               'allowed_redirect_uris', 'provider_config')
PLAIN_FIELDS = ('name', 'domain_id', 'enabled', 'oidc_discovery_url',
                'oidc_client_id', 'oidc_response_mode', 'jwks_url',
                'bound_issuer', 'default_mapping_name')


class IdentityProviderModel(sql.ModelBase):
    __tablename__ = 'ng_identity_provider'
    __table_args__ = (
        # domain_scope is domain_id, or '' for a global IdP: names are
        # unique per domain and among global IdPs (NULLs never collide).
        sa.UniqueConstraint('domain_scope', 'name',
                            name='uq_ng_identity_provider_domain_name'),
        sql.TABLE_ARGS,
    )

    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255),
                                              nullable=False)
    domain_id: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(64), nullable=True)
    domain_scope: orm.Mapped[str] = orm.mapped_column(sa.String(64),
                                                      nullable=False)
    enabled: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, nullable=False)
    oidc_discovery_url: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(255), nullable=True)
    oidc_client_id: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(255), nullable=True)
    # Encrypted with keystone's credential keys (Fernet), never returned.
    oidc_client_secret: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.Text, nullable=True)
    oidc_client_secret_key_hash: orm.Mapped[ty.Optional[str]] = (
        orm.mapped_column(sa.String(64), nullable=True))
    oidc_response_mode: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(64), nullable=True)
    oidc_response_types: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.Text, nullable=True)
    jwks_url: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.Text, nullable=True)
    jwt_validation_pubkeys: orm.Mapped[ty.Optional[str]] = (
        orm.mapped_column(sa.Text, nullable=True))
    bound_issuer: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(255), nullable=True)
    default_mapping_name: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(255), nullable=True)
    oidc_scopes: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.Text, nullable=True)
    allowed_redirect_uris: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.Text, nullable=True)
    provider_config: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.Text, nullable=True)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False)


def _to_dict(row: IdentityProviderModel) -> dict:
    ref = {'id': row.id}
    for field in PLAIN_FIELDS:
        ref[field] = getattr(row, field)
    for field in JSON_FIELDS:
        value = getattr(row, field)
        ref[field] = json.loads(value) if value is not None else None
    ref['oidc_client_secret'] = row.oidc_client_secret
    ref['oidc_client_secret_key_hash'] = row.oidc_client_secret_key_hash
    return ref


def _apply(row: IdentityProviderModel, values: dict):
    for field, value in values.items():
        if field in JSON_FIELDS:
            value = json.dumps(value) if value is not None else None
        setattr(row, field, value)
    if 'domain_id' in values:
        row.domain_scope = values['domain_id'] or ''


class IdentityProvider:
    """Storage of the plugin's identity providers."""

    def create(self, idp_id: str, values: dict) -> dict:
        row = IdentityProviderModel(id=idp_id, created_at=sql.utcnow())
        _apply(row, dict(values, domain_id=values.get('domain_id')))
        try:
            with sql.session_for_write() as session:
                session.add(row)
                session.flush()
                return _to_dict(row)
        except db_exception.DBDuplicateEntry:
            raise exception.Conflict(
                type='identity_provider',
                details='an identity provider named %s exists in this '
                        'domain' % values.get('name'))

    def get(self, idp_id: str) -> dict:
        with sql.session_for_read() as session:
            row = session.get(IdentityProviderModel, idp_id)
            if row is None:
                raise exception.NotFound(
                    target='identity provider %s' % idp_id)
            return _to_dict(row)

    def list(self, *, name: ty.Optional[str] = None,
             domain_id: ty.Optional[str] = None) -> list[dict]:
        with sql.session_for_read() as session:
            query = sa.select(IdentityProviderModel).order_by(
                IdentityProviderModel.name, IdentityProviderModel.id)
            if name is not None:
                query = query.where(IdentityProviderModel.name == name)
            if domain_id is not None:
                query = query.where(
                    IdentityProviderModel.domain_id == domain_id)
            return [_to_dict(r) for r in session.execute(query).scalars()]

    def update(self, idp_id: str, values: dict) -> dict:
        try:
            with sql.session_for_write() as session:
                row = session.get(IdentityProviderModel, idp_id)
                if row is None:
                    raise exception.NotFound(
                        target='identity provider %s' % idp_id)
                _apply(row, values)
                session.flush()
                return _to_dict(row)
        except db_exception.DBDuplicateEntry:
            raise exception.Conflict(
                type='identity_provider',
                details='an identity provider named %s exists in this '
                        'domain' % values.get('name'))

    def delete(self, idp_id: str):
        table = IdentityProviderModel.__table__
        with sql.session_for_write() as session:
            deleted = session.execute(
                sa.delete(table).where(table.c.id == idp_id)).rowcount
        if not deleted:
            raise exception.NotFound(target='identity provider %s' % idp_id)
