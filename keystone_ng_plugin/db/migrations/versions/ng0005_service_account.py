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
"""Service accounts.

Revision ID: ng0005
Revises: ng0004
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa

revision = 'ng0005'
down_revision = 'ng0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ng_service_account',
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('domain_id', sa.String(64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        mysql_engine='InnoDB',
        mysql_charset='utf8',
    )
    op.create_index('ix_ng_service_account_domain_id',
                    'ng_service_account', ['domain_id'])
