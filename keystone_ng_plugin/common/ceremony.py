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
"""One-time ceremony state kept in the database, consumed exactly once.

Multi-step flows (a WebAuthn challenge, an OpenID Connect ``state`` with its
nonce and PKCE verifier, a device code) must finish on whichever keystone
node the next request reaches, and a value must never be accepted twice.
So the state lives in the plugin's ``ng_ceremony_state`` table with an
expiry, and :func:`consume` deletes the row before the caller verifies
anything: of two concurrent requests (on any nodes) presenting the same
handle, exactly one gets the data.
"""

import dataclasses
import datetime
import json
import secrets
import typing as ty

import flask
import sqlalchemy as sa
from sqlalchemy import orm

from keystone_ng_plugin.common import sql
from keystone_ng_plugin.common import throttle
import keystone_ng_plugin.conf

CONF = keystone_ng_plugin.conf.CONF

HANDLE_BYTES = 32
# One start in PURGE_ONE_IN also deletes expired ceremonies, so the table
# stays small without a cron job (keystone-ng-manage purge_expired remains).
PURGE_ONE_IN = 50


class CeremonyState(sql.ModelBase):
    __tablename__ = 'ng_ceremony_state'
    __table_args__ = (
        sa.Index('ix_ng_ceremony_state_expires_at', 'expires_at'),
        sa.Index('ix_ng_ceremony_state_client', 'client', 'expires_at'),
        sql.TABLE_ARGS,
    )

    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(64), nullable=False)
    subject: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(255), nullable=True)
    data: orm.Mapped[str] = orm.mapped_column(sa.Text, nullable=False)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False)
    expires_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False)
    # the address that started it (for the cap per client)
    client: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(64), nullable=True)


@dataclasses.dataclass(frozen=True)
class Ceremony:
    """A consumed ceremony: what was stored when it started."""

    handle: str
    kind: str
    subject: ty.Optional[str]
    data: dict
    created_at: datetime.datetime
    expires_at: datetime.datetime


def start(kind: str, data: dict, *, ttl: int,
          subject: ty.Optional[str] = None,
          handle: ty.Optional[str] = None) -> str:
    """Store the state of a new ceremony.

    In a request, the ceremony belongs to the request's client address,
    which may have at most ``[keystone_ng] max_outstanding_ceremonies``
    that are neither finished nor expired.

    Args:
        kind: what the ceremony is (``passkey.authentication``, ...).
        data: JSON-serialisable state.
        ttl: seconds until the ceremony expires.
        subject: whom it is bound to (a user id), if anyone.
        handle: the lookup key; a fresh random one when not given.
    Returns:
        The handle to give to the client (or to derive from its answer).
    Raises:
        TooManyRequests: the client has too many outstanding ceremonies.
    """
    if ttl <= 0:
        raise ValueError('ttl must be positive')
    handle = handle or secrets.token_urlsafe(HANDLE_BYTES)
    now = sql.utcnow()
    if secrets.randbelow(PURGE_ONE_IN) == 0:
        purge_expired(now)
    client = (throttle.client_address() if flask.has_request_context()
              else None)
    cap = CONF.keystone_ng.max_outstanding_ceremonies if client else 0
    table = CeremonyState.__table__
    values = {'id': handle, 'kind': kind, 'subject': subject,
              'data': json.dumps(data, separators=(',', ':'),
                                 sort_keys=True),
              'created_at': now,
              'expires_at': now + datetime.timedelta(seconds=ttl),
              'client': client}
    with sql.session_for_write() as session:
        if session.get_bind().dialect.name == 'postgresql':
            # Not worth waiting for the WAL flush: a database crash that
            # loses a ceremony just started only fails that one login
            # (its consumption at finish is committed synchronously).
            session.execute(sa.text('SET LOCAL synchronous_commit TO OFF'))
        if not cap:
            session.execute(sa.insert(table).values(**values))
            return handle
        outstanding = (sa.select(sa.func.count()).select_from(table)
                       .where(table.c.client == client)
                       .where(table.c.expires_at > now))
        if session.get_bind().dialect.name == 'mysql':
            # InnoDB's INSERT ... SELECT takes shared next-key locks on
            # what it reads: concurrent starts of one client would
            # deadlock. A plain SELECT is a consistent read, lock free.
            allowed = session.execute(outstanding).scalar() < cap
            if allowed:
                session.execute(sa.insert(table).values(**values))
        else:
            # One statement: insert unless the client has `cap`.
            columns = list(values)
            row = sa.select(*[sa.literal(values[c], table.c[c].type)
                              for c in columns]).where(
                outstanding.scalar_subquery() < cap)
            allowed = session.execute(
                sa.insert(table).from_select(columns, row)).rowcount == 1
    if not allowed:
        raise throttle.TooManyRequests(retry_after=min(ttl, 60))
    return handle


def consume(kind: str, handle: str) -> ty.Optional[Ceremony]:
    """Take a ceremony out of the store, once.

    The row is deleted whether or not it has expired, and before the caller
    verifies the client's answer, so a replay always finds nothing.

    Args:
        kind: the kind given to :func:`start`; another kind never matches.
        handle: the handle returned by :func:`start`.
    Returns:
        The ceremony, or None when it is unknown, already consumed (here or
        on another node) or expired.
    """
    if not handle or len(handle) > 64:
        return None
    table = CeremonyState.__table__
    delete = (sa.delete(table)
              .where(table.c.id == handle)
              .where(table.c.kind == kind))
    columns = (table.c.subject, table.c.data, table.c.created_at,
               table.c.expires_at)
    with sql.session_for_write() as session:
        if session.get_bind().dialect.delete_returning:
            # One statement takes the write lock at once: no read-then-write
            # lock upgrade (which SQLite answers with "database is locked").
            row = session.execute(delete.returning(*columns)).first()
        else:
            row = session.execute(
                sa.select(*columns).where(table.c.id == handle)
                .where(table.c.kind == kind).with_for_update()).first()
            # Another transaction may have taken it since: only the one
            # whose DELETE removed the row wins.
            if row is not None and session.execute(delete).rowcount != 1:
                row = None
    if row is None:
        return None
    found = Ceremony(handle=handle, kind=kind, subject=row.subject,
                     data=json.loads(row.data), created_at=row.created_at,
                     expires_at=row.expires_at)
    if found.expires_at <= sql.utcnow():
        return None
    return found


def purge_expired(now: ty.Optional[datetime.datetime] = None) -> int:
    """Delete every expired ceremony; returns how many were deleted."""
    now = now or sql.utcnow()
    with sql.session_for_write() as session:
        return session.execute(
            sa.delete(CeremonyState)
            .where(CeremonyState.expires_at <= now)
            .execution_options(synchronize_session=False)).rowcount
