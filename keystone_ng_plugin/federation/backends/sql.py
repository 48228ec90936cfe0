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
import typing as ty

import sqlalchemy as sa
from sqlalchemy import orm

from keystone_ng_plugin.common import sql
from keystone_ng_plugin.federation import records

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


class IdentityProvider(sql.RecordStore):
    """Storage of the plugin's identity providers."""

    model = IdentityProviderModel
    record = records.IdentityProvider
    fields = PLAIN_FIELDS + ('oidc_client_secret',
                             'oidc_client_secret_key_hash')
    json_fields = JSON_FIELDS
    noun = 'identity provider'
    conflict = 'an identity provider named %(name)s exists in this domain'

    def prepare(self, row, values):
        if row.domain_scope is None or 'domain_id' in values:
            row.domain_scope = values.get('domain_id') or ''
