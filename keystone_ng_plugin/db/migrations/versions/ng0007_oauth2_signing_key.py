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
"""Signing keys of the OpenID provider.

Revision ID: ng0007
Revises: ng0006
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

revision = 'ng0007'
down_revision = 'ng0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ng_oauth2_signing_key',
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('domain_id', sa.String(64), nullable=False),
        sa.Column('algorithm', sa.String(16), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('public_jwk', sa.Text(), nullable=False),
        sa.Column('private_key', sa.Text(), nullable=False),
        sa.Column('private_key_hash', sa.String(64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('promoted_at', sa.DateTime(), nullable=True),
        sa.Column('retired_at', sa.DateTime(), nullable=True),
        mysql_engine='InnoDB',
        mysql_charset='utf8',
    )
    op.create_index('ix_ng_oauth2_signing_key_domain_id',
                    'ng_oauth2_signing_key', ['domain_id', 'state'])
