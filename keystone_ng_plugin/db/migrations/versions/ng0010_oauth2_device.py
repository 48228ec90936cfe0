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
"""The OpenID provider's device authorization requests (RFC 8628), and the
token restriction of a service-account client's keystone tokens.

Revision ID: ng0010
Revises: ng0009
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa

revision = 'ng0010'
down_revision = 'ng0009'
branch_labels = None
depends_on = None

_MYSQL = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8'}


def _id(name='id', **kwargs):
    return sa.Column(name, sa.String(64), **kwargs)


def upgrade():
    op.create_table(
        'ng_oauth2_device',
        _id(primary_key=True),
        _id('user_code_hash', nullable=False),
        _id('domain_id', nullable=False),
        _id('client_id', nullable=False),
        sa.Column('scope', sa.Text(), nullable=False),
        sa.Column('code_challenge', sa.String(128), nullable=True),
        sa.Column('code_challenge_method', sa.String(8), nullable=True),
        sa.Column('poll_interval', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        _id('user_id', nullable=True),
        sa.Column('auth_time', sa.Integer(), nullable=True),
        sa.Column('amr', sa.Text(), nullable=True),
        _id('sid', nullable=True),
        sa.Column('polled_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        _id('family_id', nullable=True),
        _id('access_jti', nullable=True),
        sa.UniqueConstraint('user_code_hash',
                            name='uq_ng_oauth2_device_user_code_hash'),
        **_MYSQL)
    op.create_index('ix_ng_oauth2_device_expires_at', 'ng_oauth2_device',
                    ['expires_at'])
    op.add_column('ng_oauth2_client',
                  sa.Column('token_restriction_id', sa.String(64),
                            nullable=True))
