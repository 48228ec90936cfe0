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
"""Indexes for what follows keystone's deletions: the rows of a deleted
user, domain or token restriction are found by index, not by reading the
whole table (the query-plan test of the smoke task found these).

Revision ID: ng0012
Revises: ng0011
Create Date: 2026-12-07
"""

from alembic import op

revision = 'ng0012'
down_revision = 'ng0011'
branch_labels = None
depends_on = None

INDEXES = (
    ('ng_federation_mapping', 'service_account_id'),
    ('ng_federation_mapping', 'token_restriction_id'),
    ('ng_oauth2_client', 'token_restriction_id'),
    ('ng_oauth2_pending', 'user_id'),
    ('ng_oauth2_pending', 'domain_id'),
    ('ng_oauth2_session', 'domain_id'),
    ('ng_oauth2_code', 'user_id'),
    ('ng_oauth2_code', 'domain_id'),
    ('ng_oauth2_refresh', 'domain_id'),
    ('ng_oauth2_revoked', 'domain_id'),
    ('ng_oauth2_device', 'user_id'),
    ('ng_oauth2_device', 'domain_id'),
)


def upgrade():
    for table, column in INDEXES:
        op.create_index('ix_%s_%s' % (table, column), table, [column])
