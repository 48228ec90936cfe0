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
"""Generated values that every keystone node must share (in the database).

For secrets an operator may leave unset, such as the key that derives
passkey decoys: the first node that needs one generates it, every node
reads the same row afterwards. Cached per process: they never change.
"""

import datetime
import secrets
import typing as ty

from oslo_db import exception as db_exception
import sqlalchemy as sa
from sqlalchemy import orm

from keystone_ng_plugin.common import sql

_CACHE: dict[str, str] = {}


class GeneratedSetting(sql.ModelBase):
    __tablename__ = 'ng_generated_setting'
    __table_args__ = (sql.TABLE_ARGS,)

    name: orm.Mapped[str] = orm.mapped_column(sa.String(64),
                                              primary_key=True)
    value: orm.Mapped[str] = orm.mapped_column(sa.Text, nullable=False)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False)


def get_or_create(name: str,
                  factory: ty.Callable[[], str] = lambda: secrets.token_hex(
                      32)) -> str:
    """The value of a shared setting, generating it on first use.

    Args:
        name: the setting's name.
        factory: makes the value when no node has made one yet.
    Returns:
        The same value on every node and every call.
    """
    if name in _CACHE:
        return _CACHE[name]
    with sql.session_for_read() as session:
        row = session.get(GeneratedSetting, name)
        value = row.value if row is not None else None
    if value is None:
        try:
            with sql.session_for_write() as session:
                session.add(GeneratedSetting(name=name, value=factory(),
                                             created_at=sql.utcnow()))
        except db_exception.DBDuplicateEntry:
            pass  # another node made it first: read theirs
        with sql.session_for_read() as session:
            value = session.get(GeneratedSetting, name).value
    _CACHE[name] = value
    return value


def forget_cache():
    """Drop the per-process cache (tests use a fresh database each time)."""
    _CACHE.clear()
