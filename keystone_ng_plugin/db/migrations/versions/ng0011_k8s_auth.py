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
"""Kubernetes login: instances (clusters) and their roles.

Revision ID: ng0011
Revises: ng0010
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa

revision = 'ng0011'
down_revision = 'ng0010'
branch_labels = None
depends_on = None

_MYSQL = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8'}


def _id(name='id', **kwargs):
    return sa.Column(name, sa.String(64), **kwargs)


def upgrade():
    op.create_table(
        'ng_k8s_auth_instance',
        _id(primary_key=True),
        _id('domain_id', nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('ca_cert', sa.Text(), nullable=True),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('disable_local_ca_jwt', sa.Boolean(), nullable=False),
        sa.Column('token_reviewer_jwt', sa.Text(), nullable=True),
        _id('token_reviewer_jwt_key_hash', nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('domain_id', 'name',
                            name='uq_ng_k8s_auth_instance_domain_name'),
        **_MYSQL)
    op.create_table(
        'ng_k8s_auth_role',
        _id(primary_key=True),
        _id('domain_id', nullable=False),
        _id('instance_id', nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('bound_service_account_names', sa.Text(), nullable=False),
        sa.Column('bound_service_account_namespaces', sa.Text(),
                  nullable=False),
        sa.Column('bound_audience', sa.String(255), nullable=True),
        sa.Column('alias_name_source', sa.String(32), nullable=False),
        _id('token_restriction_id', nullable=True),
        _id('token_project_id', nullable=True),
        sa.Column('groups', sa.Text(), nullable=False),
        sa.Column('token_ttl', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('instance_id', 'name',
                            name='uq_ng_k8s_auth_role_instance_name'),
        **_MYSQL)
    op.create_index('ix_ng_k8s_auth_role_token_restriction_id',
                    'ng_k8s_auth_role', ['token_restriction_id'])
    op.create_index('ix_ng_k8s_auth_role_token_project_id',
                    'ng_k8s_auth_role', ['token_project_id'])
