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
"""Token restrictions.

Revision ID: ng0004
Revises: ng0003
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa

revision = 'ng0004'
down_revision = 'ng0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ng_token_restriction',
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('domain_id', sa.String(64), nullable=False),
        sa.Column('user_id', sa.String(64), nullable=True),
        sa.Column('project_id', sa.String(64), nullable=True),
        sa.Column('allow_renew', sa.Boolean(), nullable=False),
        sa.Column('allow_rescope', sa.Boolean(), nullable=False),
        sa.Column('max_ttl', sa.Integer(), nullable=True),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('role_ids', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        mysql_engine='InnoDB',
        mysql_charset='utf8',
    )
    for column in ('domain_id', 'user_id', 'project_id'):
        op.create_index('ix_ng_token_restriction_%s' % column,
                        'ng_token_restriction', [column])
