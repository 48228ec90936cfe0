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
"""The plugin's SQL metadata and session helpers.

The plugin's tables live in keystone's database and use keystone's engine
and transactions (``keystone.common.sql.session_for_read/write``), but they
hang off the plugin's own ``MetaData``: keystone's alembic environment and
its test fixture (``create_all`` of keystone's ModelBase) must not see them.
No foreign keys point into keystone's tables; rows that belong to a keystone
user, project or domain are removed through keystone's notifications.
"""

import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from keystone.common import sql as ks_sql

# Same conventions as keystone's models (InnoDB, utf8) so MySQL behaves.
TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8'}

metadata = sa.MetaData()


class ModelBase(orm.DeclarativeBase):
    metadata = metadata


session_for_read = ks_sql.session_for_read
session_for_write = ks_sql.session_for_write


def utcnow() -> datetime.datetime:
    """Now, as a naive UTC datetime (how keystone stores DateTime columns)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
