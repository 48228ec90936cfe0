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
import json
import typing as ty

from oslo_db import exception as db_exception
import sqlalchemy as sa
from sqlalchemy import orm

from keystone import exception

from keystone_ng_plugin.common import sql

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


def _to_dict(row: MappingModel) -> dict:
    ref = {'id': row.id}
    for field in PLAIN_FIELDS:
        ref[field] = getattr(row, field)
    for field in JSON_FIELDS:
        value = getattr(row, field)
        ref[field] = json.loads(value) if value is not None else None
    return ref


def _apply(row: MappingModel, values: dict):
    for field, value in values.items():
        if field in JSON_FIELDS:
            value = json.dumps(value) if value is not None else None
        setattr(row, field, value)


def _conflict(values):
    return exception.Conflict(
        type='mapping', details='a mapping named %s exists for this '
                                'identity provider' % values.get('name'))


class Mapping:
    """Storage of the plugin's federation mappings."""

    def create(self, mapping_id: str, values: dict) -> dict:
        row = MappingModel(id=mapping_id, created_at=sql.utcnow())
        _apply(row, values)
        try:
            with sql.session_for_write() as session:
                session.add(row)
                session.flush()
                return _to_dict(row)
        except db_exception.DBDuplicateEntry:
            raise _conflict(values)

    def get(self, mapping_id: str) -> dict:
        with sql.session_for_read() as session:
            row = session.get(MappingModel, mapping_id)
            if row is None:
                raise exception.NotFound(target='mapping %s' % mapping_id)
            return _to_dict(row)

    def list(self, **filters) -> list[dict]:
        with sql.session_for_read() as session:
            query = sa.select(MappingModel).order_by(MappingModel.name,
                                                     MappingModel.id)
            for field, value in filters.items():
                query = query.where(getattr(MappingModel, field) == value)
            return [_to_dict(r) for r in session.execute(query).scalars()]

    def update(self, mapping_id: str, values: dict) -> dict:
        try:
            with sql.session_for_write() as session:
                row = session.get(MappingModel, mapping_id)
                if row is None:
                    raise exception.NotFound(
                        target='mapping %s' % mapping_id)
                _apply(row, values)
                session.flush()
                return _to_dict(row)
        except db_exception.DBDuplicateEntry:
            raise _conflict(values)

    def delete(self, mapping_id: str):
        table = MappingModel.__table__
        with sql.session_for_write() as session:
            if not session.execute(sa.delete(table).where(
                    table.c.id == mapping_id)).rowcount:
                raise exception.NotFound(target='mapping %s' % mapping_id)

    def delete_for_idp(self, idp_id: str) -> int:
        table = MappingModel.__table__
        with sql.session_for_write() as session:
            return session.execute(sa.delete(table).where(
                table.c.idp_id == idp_id)).rowcount
