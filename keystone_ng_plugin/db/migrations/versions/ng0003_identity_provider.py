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
"""Identity providers and mappings of native federation.

Revision ID: ng0003
Revises: ng0002
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa

revision = 'ng0003'
down_revision = 'ng0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ng_identity_provider',
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('domain_id', sa.String(64), nullable=True),
        sa.Column('domain_scope', sa.String(64), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('oidc_discovery_url', sa.String(255), nullable=True),
        sa.Column('oidc_client_id', sa.String(255), nullable=True),
        sa.Column('oidc_client_secret', sa.Text(), nullable=True),
        sa.Column('oidc_client_secret_key_hash', sa.String(64),
                  nullable=True),
        sa.Column('oidc_response_mode', sa.String(64), nullable=True),
        sa.Column('oidc_response_types', sa.Text(), nullable=True),
        sa.Column('jwks_url', sa.Text(), nullable=True),
        sa.Column('jwt_validation_pubkeys', sa.Text(), nullable=True),
        sa.Column('bound_issuer', sa.String(255), nullable=True),
        sa.Column('default_mapping_name', sa.String(255), nullable=True),
        sa.Column('oidc_scopes', sa.Text(), nullable=True),
        sa.Column('allowed_redirect_uris', sa.Text(), nullable=True),
        sa.Column('provider_config', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('domain_scope', 'name',
                            name='uq_ng_identity_provider_domain_name'),
        mysql_engine='InnoDB',
        mysql_charset='utf8',
    )
    op.create_table(
        'ng_federation_mapping',
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('idp_id', sa.String(64), nullable=False),
        sa.Column('domain_id', sa.String(64), nullable=True),
        sa.Column('type', sa.String(16), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('user_id_claim', sa.String(255), nullable=False),
        sa.Column('user_name_claim', sa.String(255), nullable=False),
        sa.Column('domain_id_claim', sa.String(255), nullable=True),
        sa.Column('groups_claim', sa.String(255), nullable=True),
        sa.Column('bound_subject', sa.String(255), nullable=True),
        sa.Column('token_project_id', sa.String(64), nullable=True),
        sa.Column('token_restriction_id', sa.String(64), nullable=True),
        sa.Column('service_account_id', sa.String(64), nullable=True),
        sa.Column('allowed_redirect_uris', sa.Text(), nullable=True),
        sa.Column('bound_audiences', sa.Text(), nullable=True),
        sa.Column('bound_claims', sa.Text(), nullable=True),
        sa.Column('oidc_scopes', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('idp_id', 'name',
                            name='uq_ng_federation_mapping_idp_name'),
        mysql_engine='InnoDB',
        mysql_charset='utf8',
    )
    op.create_index('ix_ng_federation_mapping_domain_id',
                    'ng_federation_mapping', ['domain_id'])
