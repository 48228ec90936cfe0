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
"""keystone-ng-plugin initial tables: one-time ceremony state.

Revision ID: ng0001
Revises:
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa

revision = 'ng0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ng_ceremony_state',
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('kind', sa.String(64), nullable=False),
        sa.Column('subject', sa.String(255), nullable=True),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        mysql_engine='InnoDB',
        mysql_charset='utf8',
    )
    op.create_index('ix_ng_ceremony_state_expires_at', 'ng_ceremony_state',
                    ['expires_at'])
