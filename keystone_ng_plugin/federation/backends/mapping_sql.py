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
"""SQL storage of federation mappings (ng_federation_mapping)."""

import datetime
import typing as ty

import sqlalchemy as sa
from sqlalchemy import orm

from keystone_ng_plugin.common import sql
from keystone_ng_plugin.federation import records

JSON_FIELDS = ('allowed_redirect_uris', 'bound_audiences', 'bound_claims',
               'oidc_scopes')
PLAIN_FIELDS = ('name', 'idp_id', 'domain_id', 'type', 'enabled',
                'user_id_claim', 'user_name_claim', 'domain_id_claim',
                'groups_claim', 'bound_subject', 'token_project_id',
                'token_restriction_id', 'service_account_id')


def _str(length, nullable=True):
    return orm.mapped_column(sa.String(length), nullable=nullable)


class MappingModel(sql.ModelBase):
    __tablename__ = 'ng_federation_mapping'
    __table_args__ = (
        sa.UniqueConstraint('idp_id', 'name',
                            name='uq_ng_federation_mapping_idp_name'),
        sa.Index('ix_ng_federation_mapping_domain_id', 'domain_id'),
        sa.Index('ix_ng_federation_mapping_service_account_id',
                 'service_account_id'),
        sa.Index('ix_ng_federation_mapping_token_restriction_id',
                 'token_restriction_id'),
        sql.TABLE_ARGS,
    )

    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    name: orm.Mapped[str] = _str(255, nullable=False)
    idp_id: orm.Mapped[str] = _str(64, nullable=False)
    domain_id: orm.Mapped[ty.Optional[str]] = _str(64)
    type: orm.Mapped[str] = _str(16, nullable=False)
    enabled: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, nullable=False)
    user_id_claim: orm.Mapped[str] = _str(255, nullable=False)
    user_name_claim: orm.Mapped[str] = _str(255, nullable=False)
    domain_id_claim: orm.Mapped[ty.Optional[str]] = _str(255)
    groups_claim: orm.Mapped[ty.Optional[str]] = _str(255)
    bound_subject: orm.Mapped[ty.Optional[str]] = _str(255)
    token_project_id: orm.Mapped[ty.Optional[str]] = _str(64)
    token_restriction_id: orm.Mapped[ty.Optional[str]] = _str(64)
    service_account_id: orm.Mapped[ty.Optional[str]] = _str(64)
    allowed_redirect_uris: orm.Mapped[ty.Optional[str]] = (
        orm.mapped_column(sa.Text, nullable=True))
    bound_audiences: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.Text, nullable=True)
    bound_claims: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.Text, nullable=True)
    oidc_scopes: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.Text, nullable=True)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False)


class Mapping(sql.RecordStore):
    """Storage of the plugin's federation mappings."""

    model = MappingModel
    record = records.Mapping
    fields = PLAIN_FIELDS
    json_fields = JSON_FIELDS
    noun = 'mapping'
    conflict = 'a mapping named %(name)s exists for this identity provider'

    def delete_for_idp(self, idp_id: str) -> int:
        table = MappingModel.__table__
        with sql.session_for_write() as session:
            return session.execute(sa.delete(table).where(
                table.c.idp_id == idp_id)).rowcount
