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
"""Clients of the OpenID provider.

Revision ID: ng0008
Revises: ng0007
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

revision = 'ng0008'
down_revision = 'ng0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ng_oauth2_client',
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('domain_id', sa.String(64), nullable=False),
        sa.Column('provider_id', sa.String(64), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('confidential', sa.Boolean(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('require_pkce', sa.Boolean(), nullable=False),
        sa.Column('pre_authorized', sa.Boolean(), nullable=False),
        sa.Column('token_endpoint_auth_method', sa.String(64),
                  nullable=False),
        sa.Column('service_account_id', sa.String(64), nullable=True),
        sa.Column('grant_types', sa.Text(), nullable=False),
        sa.Column('redirect_uris', sa.Text(), nullable=False),
        sa.Column('post_logout_redirect_uris', sa.Text(), nullable=False),
        sa.Column('allowed_scopes', sa.Text(), nullable=False),
        sa.Column('secret_hash', sa.String(255), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('deleted_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('domain_id', 'provider_id',
                            name='uq_ng_oauth2_client_provider_id'),
        mysql_engine='InnoDB',
        mysql_charset='utf8',
    )
    op.create_index('ix_ng_oauth2_client_service_account_id',
                    'ng_oauth2_client', ['service_account_id'])
