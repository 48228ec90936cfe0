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
"""The client address of a ceremony (a cap on outstanding ones per client).

Revision ID: ng0006
Revises: ng0005
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

revision = 'ng0006'
down_revision = 'ng0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ng_ceremony_state') as batch:
        batch.add_column(sa.Column('client', sa.String(64), nullable=True))
    op.create_index('ix_ng_ceremony_state_client', 'ng_ceremony_state',
                    ['client', 'expires_at'])
