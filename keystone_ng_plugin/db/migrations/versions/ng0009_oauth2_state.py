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
"""State of the OpenID provider's browser flows: authorization requests
waiting for the user, SSO sessions, consents, authorization codes,
refresh tokens (by family) and revoked access tokens.

Revision ID: ng0009
Revises: ng0008
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

revision = 'ng0009'
down_revision = 'ng0008'
branch_labels = None
depends_on = None

_MYSQL = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8'}


def _id(name='id', **kwargs):
    return sa.Column(name, sa.String(64), **kwargs)


def upgrade():
    op.create_table(
        'ng_oauth2_pending',
        _id(primary_key=True),
        _id('domain_id', nullable=False),
        _id('client_id', nullable=False),
        _id('browser_hash', nullable=False),
        _id('csrf_hash', nullable=False),
        sa.Column('params', sa.Text(), nullable=False),
        sa.Column('stage', sa.String(16), nullable=False),
        _id('user_id', nullable=True),
        sa.Column('auth_time', sa.Integer(), nullable=True),
        sa.Column('amr', sa.Text(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        **_MYSQL)
    op.create_index('ix_ng_oauth2_pending_expires_at', 'ng_oauth2_pending',
                    ['expires_at'])
    op.create_table(
        'ng_oauth2_session',
        _id(primary_key=True),
        _id('sid', nullable=False),
        _id('domain_id', nullable=False),
        _id('user_id', nullable=False),
        sa.Column('auth_time', sa.Integer(), nullable=False),
        sa.Column('amr', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('sid', name='uq_ng_oauth2_session_sid'),
        **_MYSQL)
    op.create_index('ix_ng_oauth2_session_user_id', 'ng_oauth2_session',
                    ['user_id'])
    op.create_index('ix_ng_oauth2_session_expires_at', 'ng_oauth2_session',
                    ['expires_at'])
    op.create_table(
        'ng_oauth2_consent',
        _id('user_id', primary_key=True),
        _id('client_id', primary_key=True),
        _id('scope_hash', primary_key=True),
        sa.Column('scope', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        **_MYSQL)
    op.create_index('ix_ng_oauth2_consent_client_id', 'ng_oauth2_consent',
                    ['client_id'])
    op.create_table(
        'ng_oauth2_code',
        _id(primary_key=True),
        _id('domain_id', nullable=False),
        _id('client_id', nullable=False),
        _id('user_id', nullable=False),
        sa.Column('redirect_uri', sa.Text(), nullable=False),
        sa.Column('scope', sa.Text(), nullable=False),
        sa.Column('nonce', sa.Text(), nullable=True),
        sa.Column('code_challenge', sa.String(128), nullable=True),
        sa.Column('code_challenge_method', sa.String(8), nullable=True),
        sa.Column('auth_time', sa.Integer(), nullable=False),
        sa.Column('amr', sa.Text(), nullable=False),
        _id('sid', nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        _id('family_id', nullable=True),
        _id('access_jti', nullable=True),
        **_MYSQL)
    op.create_index('ix_ng_oauth2_code_expires_at', 'ng_oauth2_code',
                    ['expires_at'])
    op.create_table(
        'ng_oauth2_refresh',
        _id(primary_key=True),
        _id('family_id', nullable=False),
        _id('domain_id', nullable=False),
        _id('client_id', nullable=False),
        _id('user_id', nullable=False),
        sa.Column('scope', sa.Text(), nullable=False),
        sa.Column('auth_time', sa.Integer(), nullable=False),
        sa.Column('amr', sa.Text(), nullable=False),
        _id('sid', nullable=True),
        _id('access_jti', nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        **_MYSQL)
    for column in ('family_id', 'client_id', 'user_id', 'expires_at'):
        op.create_index('ix_ng_oauth2_refresh_%s' % column,
                        'ng_oauth2_refresh', [column])
    op.create_table(
        'ng_oauth2_revoked',
        _id('jti', primary_key=True),
        _id('domain_id', nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        **_MYSQL)
    op.create_index('ix_ng_oauth2_revoked_expires_at', 'ng_oauth2_revoked',
                    ['expires_at'])
