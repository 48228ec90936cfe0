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
import json
import typing as ty

from oslo_db import exception as db_exception
import sqlalchemy as sa
from sqlalchemy import orm

from keystone.common import sql as ks_sql
from keystone import exception

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


class RecordStore:
    """CRUD of one table whose rows are exchanged as records.

    Subclasses set ``model``, ``record`` (the frozen dataclass rows are
    returned as, built with ``from_dict``; plain dicts when unset),
    ``fields`` (returned as stored),
    ``json_fields`` (lists and objects, stored as JSON text), ``noun`` (for
    404 messages), ``conflict`` (the 409 message, formatted with the
    values) and ``order_by`` (list order). ``prepare`` may derive columns
    before a write.
    """

    model: ty.Any
    record: ty.Any = None
    fields: tuple = ()
    json_fields: tuple = ()
    noun = 'record'
    conflict = 'it exists already'
    order_by: tuple = ('name', 'id')

    def prepare(self, row, values: dict):
        """Derive columns from the values being written (default: none)."""

    def _to_dict(self, row) -> dict:
        ref = {'id': row.id}
        for field in self.fields:
            ref[field] = getattr(row, field)
        for field in self.json_fields:
            value = getattr(row, field)
            ref[field] = json.loads(value) if value is not None else None
        return ref

    def _out(self, row):
        ref = self._to_dict(row)
        return ref if self.record is None else self.record.from_dict(ref)

    def _apply(self, row, values: dict):
        for field, value in values.items():
            if field in self.json_fields and value is not None:
                value = json.dumps(value)
            setattr(row, field, value)
        self.prepare(row, values)

    def _not_found(self, record_id):
        return exception.NotFound(target='%s %s' % (self.noun, record_id))

    def _write(self, record_id: str, values: dict, new: bool) -> dict:
        try:
            with session_for_write() as session:
                if new:
                    row = self.model(id=record_id, created_at=utcnow())
                    session.add(row)
                else:
                    row = session.get(self.model, record_id)
                    if row is None:
                        raise self._not_found(record_id)
                self._apply(row, values)
                session.flush()
                return self._out(row)
        except db_exception.DBDuplicateEntry:
            raise exception.Conflict(type=self.noun,
                                     details=self.conflict % values)

    def create(self, record_id: str, values: dict) -> dict:
        return self._write(record_id, values, new=True)

    def update(self, record_id: str, values: dict) -> dict:
        return self._write(record_id, values, new=False)

    def get(self, record_id: str) -> dict:
        with session_for_read() as session:
            row = session.get(self.model, record_id)
            if row is None:
                raise self._not_found(record_id)
            return self._out(row)

    def list(self, **filters) -> list:
        """Rows whose columns equal the filters, in ``order_by`` order."""
        with session_for_read() as session:
            query = sa.select(self.model).order_by(
                *(getattr(self.model, column) for column in self.order_by))
            for field, value in filters.items():
                query = query.where(getattr(self.model, field) == value)
            return [self._out(r)
                    for r in session.execute(query).scalars()]

    def page(self, limit: int, marker: ty.Optional[str] = None,
             **filters) -> list:
        """At most ``limit`` rows whose columns equal the filters, by ID,
        after the ID ``marker``: keyset pagination (an index walk, however
        many rows there are)."""
        with session_for_read() as session:
            query = sa.select(self.model).order_by(self.model.id)
            if marker is not None:
                query = query.where(self.model.id > marker)
            for field, value in filters.items():
                query = query.where(getattr(self.model, field) == value)
            return [self._out(r) for r in
                    session.execute(query.limit(limit)).scalars()]

    def delete(self, record_id: str):
        table = self.model.__table__
        with session_for_write() as session:
            if not session.execute(sa.delete(table).where(
                    table.c.id == record_id)).rowcount:
                raise self._not_found(record_id)
