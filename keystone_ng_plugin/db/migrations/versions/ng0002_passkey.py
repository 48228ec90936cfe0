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
"""Passkeys (WebAuthn credentials) and shared generated settings.

Revision ID: ng0002
Revises: ng0001
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa

revision = 'ng0002'
down_revision = 'ng0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ng_passkey',
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('user_id', sa.String(64), nullable=False),
        sa.Column('credential_id', sa.Text(), nullable=False),
        sa.Column('credential_id_hash', sa.String(64), nullable=False),
        sa.Column('public_key', sa.Text(), nullable=False),
        sa.Column('sign_count', sa.BigInteger(), nullable=False),
        sa.Column('aaguid', sa.String(36), nullable=True),
        sa.Column('transports', sa.Text(), nullable=False),
        sa.Column('attestation_format', sa.String(32), nullable=True),
        sa.Column('backup_eligible', sa.Boolean(), nullable=False),
        sa.Column('backed_up', sa.Boolean(), nullable=False),
        sa.Column('user_verified', sa.Boolean(), nullable=False),
        sa.Column('description', sa.String(255), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('credential_id_hash',
                            name='uq_ng_passkey_credential_id_hash'),
        mysql_engine='InnoDB',
        mysql_charset='utf8',
    )
    op.create_index('ix_ng_passkey_user_id', 'ng_passkey', ['user_id'])
    op.create_table(
        'ng_generated_setting',
        sa.Column('name', sa.String(64), primary_key=True),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        mysql_engine='InnoDB',
        mysql_charset='utf8',
    )
