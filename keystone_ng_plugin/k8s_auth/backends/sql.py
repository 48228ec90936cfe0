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
"""SQL storage of Kubernetes login instances and roles
(ng_k8s_auth_instance, ng_k8s_auth_role)."""

import datetime
import typing as ty

import sqlalchemy as sa
from sqlalchemy import orm

from keystone_ng_plugin.common import sql


class InstanceModel(sql.ModelBase):
    __tablename__ = 'ng_k8s_auth_instance'
    __table_args__ = (
        sa.UniqueConstraint('domain_id', 'name',
                            name='uq_ng_k8s_auth_instance_domain_name'),
        sql.TABLE_ARGS,
    )

    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    domain_id: orm.Mapped[str] = orm.mapped_column(sa.String(64),
                                                   nullable=False)
    name: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(255), nullable=True)
    host: orm.Mapped[str] = orm.mapped_column(sa.String(255),
                                              nullable=False)
    ca_cert: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.Text, nullable=True)
    enabled: orm.Mapped[bool] = orm.mapped_column(sa.Boolean,
                                                  nullable=False)
    disable_local_ca_jwt: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, nullable=False)
    # encrypted with keystone's credential keys; never returned
    token_reviewer_jwt: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.Text, nullable=True)
    token_reviewer_jwt_key_hash: orm.Mapped[ty.Optional[str]] = \
        orm.mapped_column(sa.String(64), nullable=True)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False)


class RoleModel(sql.ModelBase):
    __tablename__ = 'ng_k8s_auth_role'
    __table_args__ = (
        sa.UniqueConstraint('instance_id', 'name',
                            name='uq_ng_k8s_auth_role_instance_name'),
        sa.Index('ix_ng_k8s_auth_role_token_restriction_id',
                 'token_restriction_id'),
        sa.Index('ix_ng_k8s_auth_role_token_project_id',
                 'token_project_id'),
        sql.TABLE_ARGS,
    )

    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    domain_id: orm.Mapped[str] = orm.mapped_column(sa.String(64),
                                                   nullable=False)
    instance_id: orm.Mapped[str] = orm.mapped_column(sa.String(64),
                                                     nullable=False)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255),
                                              nullable=False)
    enabled: orm.Mapped[bool] = orm.mapped_column(sa.Boolean,
                                                  nullable=False)
    # JSON lists of exact names or globs (never empty)
    bound_service_account_names: orm.Mapped[str] = orm.mapped_column(
        sa.Text, nullable=False)
    bound_service_account_namespaces: orm.Mapped[str] = orm.mapped_column(
        sa.Text, nullable=False)
    bound_audience: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(255), nullable=True)
    alias_name_source: orm.Mapped[str] = orm.mapped_column(
        sa.String(32), nullable=False)
    token_restriction_id: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(64), nullable=True)
    token_project_id: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(64), nullable=True)
    # JSON list of group names of the instance's domain (shadow users)
    groups: orm.Mapped[str] = orm.mapped_column(sa.Text, nullable=False)
    token_ttl: orm.Mapped[ty.Optional[int]] = orm.mapped_column(
        sa.Integer, nullable=True)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False)


class Instance(sql.RecordStore):
    """Storage of Kubernetes login instances (clusters)."""

    model = InstanceModel
    fields = ('domain_id', 'name', 'host', 'ca_cert', 'enabled',
              'disable_local_ca_jwt', 'token_reviewer_jwt',
              'token_reviewer_jwt_key_hash')
    order_by = ('id',)
    noun = 'Kubernetes auth instance'
    conflict = 'the domain has an instance of this name'


class Role(sql.RecordStore):
    """Storage of the roles of Kubernetes login instances."""

    model = RoleModel
    fields = ('domain_id', 'instance_id', 'name', 'enabled',
              'bound_audience', 'alias_name_source', 'token_restriction_id',
              'token_project_id', 'token_ttl')
    json_fields = ('bound_service_account_names',
                   'bound_service_account_namespaces', 'groups')
    order_by = ('id',)
    noun = 'Kubernetes auth role'
    conflict = 'the instance has a role of this name'

    def find(self, instance_id: str, name: str) -> ty.Optional[dict]:
        """The instance's role of this name, if any."""
        with sql.session_for_read() as session:
            row = session.execute(sa.select(RoleModel).where(
                RoleModel.instance_id == instance_id,
                RoleModel.name == name)).scalar_one_or_none()
            return None if row is None else self._out(row)

    def ids_where(self, **filters) -> list[str]:
        with sql.session_for_read() as session:
            query = sa.select(RoleModel.id)
            for field, value in filters.items():
                query = query.where(getattr(RoleModel, field) == value)
            return list(session.execute(query).scalars())
