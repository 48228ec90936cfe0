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

A ceremony that is started far more often than it is finished, and by
anyone (the passkey login), is *sealed* instead (:func:`seal`,
:func:`open_once`): its state travels with the client, encrypted and
authenticated (AES-256-GCM) with a key every node shares (a generated
setting, in the database). Starting it writes nothing; finishing it
inserts its spent marker, whose primary key makes the second use fail on
any node, before the caller verifies anything.
"""

import base64
import binascii

import dataclasses
import datetime
import json
import secrets
import time
import typing as ty

from cryptography.hazmat.primitives.ciphers import aead
import flask
from oslo_db import exception as db_exception
import sqlalchemy as sa
from sqlalchemy import orm

from keystone_ng_plugin.common import settings
from keystone_ng_plugin.common import sql
from keystone_ng_plugin.common import throttle
import keystone_ng_plugin.conf

CONF = keystone_ng_plugin.conf.CONF

HANDLE_BYTES = 32
# One start in PURGE_ONE_IN also deletes expired ceremonies, so the table
# stays small without a cron job (keystone-ng-manage purge_expired remains).
PURGE_ONE_IN = 50
# Sealed ceremonies.
SEAL_KEY_SETTING = 'ceremony.seal_key'
SEAL_VERSION = b'\x01'
SEAL_NONCE_BYTES = 12
SEAL_ID_BYTES = 16
# The sealed state is padded to a multiple of this, and its subject to a
# fixed width (keystone's IDs have at most 64 characters), so that its
# length does not tell whether it has one (a decoy login from a real one).
SEAL_BLOCK = 128
SEAL_SUBJECT_CHARS = 64
MAX_SEALED_CHARS = 2048


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


# -- sealed ceremonies --------------------------------------------------------

def _clock() -> float:
    return time.time()


def _seal_key() -> aead.AESGCM:
    return aead.AESGCM(bytes.fromhex(settings.get_or_create(
        SEAL_KEY_SETTING)))


def _utc(seconds: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(
        seconds, datetime.timezone.utc).replace(tzinfo=None)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b'=').decode('ascii')


def seal(kind: str, data: dict, *, ttl: int,
         subject: ty.Optional[str] = None) -> str:
    """A new sealed ceremony: its whole state, for the client to carry.

    Nothing is written: any node can open it with the shared key, and
    :func:`open_once` lets it be used once.

    Args:
        kind: what the ceremony is; bound to the seal (another kind never
            opens it).
        data: JSON-serialisable state.
        ttl: seconds until it expires.
        subject: whom it is bound to, if anyone.
    Returns:
        An opaque base64url string (e.g. a WebAuthn challenge).
    """
    if ttl <= 0:
        raise ValueError('ttl must be positive')
    if subject is not None and (not subject or subject.strip() != subject or
                                len(subject) > SEAL_SUBJECT_CHARS):
        raise ValueError('a subject is 1 to %d characters, no blanks '
                         'around' % SEAL_SUBJECT_CHARS)
    now = int(_clock())
    plain = json.dumps({'j': _b64(secrets.token_bytes(SEAL_ID_BYTES)),
                        'i': now, 'e': now + ttl,
                        's': (subject or '').ljust(SEAL_SUBJECT_CHARS),
                        'd': data},
                       separators=(',', ':'), sort_keys=True).encode()
    # Trailing blanks: JSON ignores them.
    plain += b' ' * (-len(plain) % SEAL_BLOCK)
    nonce = secrets.token_bytes(SEAL_NONCE_BYTES)
    sealed = SEAL_VERSION + nonce + _seal_key().encrypt(
        nonce, plain, kind.encode('utf-8'))
    return _b64(sealed)


def _unseal(kind: str, sealed: str) -> ty.Optional[dict]:
    if not sealed or len(sealed) > MAX_SEALED_CHARS:
        return None
    try:
        raw = base64.b64decode(sealed + '=' * (-len(sealed) % 4),
                               altchars=b'-_', validate=True)
    except (ValueError, binascii.Error):
        return None
    if raw[:1] != SEAL_VERSION:
        return None
    nonce, body = raw[1:1 + SEAL_NONCE_BYTES], raw[1 + SEAL_NONCE_BYTES:]
    try:
        plain = _seal_key().decrypt(nonce, body, kind.encode('utf-8'))
    except Exception:  # cryptography's InvalidTag, a short nonce, ...
        return None
    return json.loads(plain)


def open_once(kind: str, sealed: str) -> ty.Optional[Ceremony]:
    """Open a sealed ceremony and spend it, once across all nodes.

    The spent marker is written (in the caller's transaction, when it has
    one) before the caller verifies anything, so it stays spent when the
    verification then fails, as :func:`consume` leaves a ceremony deleted.

    Returns:
        The ceremony, or None when it was not sealed by a node of this
        deployment for ``kind``, has expired, or was used before.
    """
    state = _unseal(kind, sealed)
    if state is None or state['e'] <= _clock():
        return None
    expires_at, created_at = _utc(state['e']), _utc(state['i'])
    if secrets.randbelow(PURGE_ONE_IN) == 0:
        purge_expired()  # spent markers too, once they have expired
    try:
        with sql.session_for_write() as session:
            session.execute(sa.insert(CeremonyState.__table__).values(
                id=state['j'], kind=kind + '.spent', subject=None,
                data='{}', created_at=created_at, expires_at=expires_at,
                client=None))
    except db_exception.DBDuplicateEntry:
        return None
    return Ceremony(handle=sealed, kind=kind,
                    subject=state['s'].strip() or None,
                    data=state['d'], created_at=created_at,
                    expires_at=expires_at)
