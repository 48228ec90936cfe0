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
"""SQL storage of token restrictions (ng_token_restriction)."""

import datetime
import typing as ty

import sqlalchemy as sa
from sqlalchemy import orm

from keystone_ng_plugin.common import sql


class RestrictionModel(sql.ModelBase):
    __tablename__ = 'ng_token_restriction'
    __table_args__ = (
        sa.Index('ix_ng_token_restriction_domain_id', 'domain_id'),
        sa.Index('ix_ng_token_restriction_user_id', 'user_id'),
        sa.Index('ix_ng_token_restriction_project_id', 'project_id'),
        sql.TABLE_ARGS,
    )

    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    domain_id: orm.Mapped[str] = orm.mapped_column(sa.String(64),
                                                   nullable=False)
    user_id: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(64), nullable=True)
    project_id: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(64), nullable=True)
    allow_renew: orm.Mapped[bool] = orm.mapped_column(sa.Boolean,
                                                      nullable=False)
    allow_rescope: orm.Mapped[bool] = orm.mapped_column(sa.Boolean,
                                                        nullable=False)
    max_ttl: orm.Mapped[ty.Optional[int]] = orm.mapped_column(
        sa.Integer, nullable=True)
    description: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.Text, nullable=True)
    # JSON list of role IDs (at least one).
    role_ids: orm.Mapped[str] = orm.mapped_column(sa.Text, nullable=False)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False)


class Restriction(sql.RecordStore):
    """Storage of token restrictions."""

    model = RestrictionModel
    fields = ('domain_id', 'user_id', 'project_id', 'allow_renew',
              'allow_rescope', 'max_ttl', 'description')
    json_fields = ('role_ids',)
    order_by = ('domain_id', 'id')
    noun = 'token restriction'

    def ids_where(self, **filters) -> list[str]:
        """IDs of the restrictions whose columns equal the filters."""
        return [ref['id'] for ref in self.list(**filters)]

    def with_role(self, role_id: str) -> list[dict]:
        """Restrictions naming a role (JSON text search, then exact)."""
        with sql.session_for_read() as session:
            rows = session.execute(sa.select(RestrictionModel).where(
                RestrictionModel.role_ids.contains('"%s"' % role_id))
            ).scalars()
            return [ref for ref in map(self._to_dict, rows)
                    if role_id in ref['role_ids']]
