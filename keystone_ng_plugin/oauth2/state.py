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
"""The provider's flow state, in SQL so that any node finishes any flow.

Every secret a browser or client holds (the pending request's handle and
CSRF token, the session cookie, codes, refresh tokens) is stored as its
SHA-256 only. Single use is one conditional UPDATE: of two concurrent
redemptions of a code or a refresh token, exactly one changes the row.
"""

import datetime
import hashlib
import json
import secrets
import typing as ty
import uuid

from oslo_db import exception as db_exception
import sqlalchemy as sa
from sqlalchemy import orm

from keystone_ng_plugin.common import sql


def digest(value: str) -> str:
    return hashlib.sha256(value.encode('utf-8', 'surrogatepass')).hexdigest()


def new_secret() -> tuple[str, str]:
    """(a random secret for the holder, its digest for the database)."""
    value = secrets.token_urlsafe(32)
    return value, digest(value)


def _id(**kwargs):
    return orm.mapped_column(sa.String(64), **kwargs)


_Str = orm.Mapped[str]
_OptStr = orm.Mapped[ty.Optional[str]]
_Time = orm.Mapped[datetime.datetime]
_OptTime = orm.Mapped[ty.Optional[datetime.datetime]]


class PendingModel(sql.ModelBase):
    """An authorization request waiting for the user (login, second
    factor, consent)."""
    __tablename__ = 'ng_oauth2_pending'
    __table_args__ = (
        sa.Index('ix_ng_oauth2_pending_expires_at', 'expires_at'),
        sa.Index('ix_ng_oauth2_pending_user_id', 'user_id'),
        sa.Index('ix_ng_oauth2_pending_domain_id', 'domain_id'),
        sql.TABLE_ARGS)
    id: _Str = _id(primary_key=True)
    domain_id: _Str = _id(nullable=False)
    client_id: _Str = _id(nullable=False)
    browser_hash: _Str = _id(nullable=False)
    csrf_hash: _Str = _id(nullable=False)
    params: _Str = orm.mapped_column(sa.Text, nullable=False)
    stage: _Str = orm.mapped_column(sa.String(16), nullable=False)
    user_id: _OptStr = _id(nullable=True)
    auth_time: orm.Mapped[ty.Optional[int]] = orm.mapped_column(
        sa.Integer, nullable=True)
    amr: _OptStr = orm.mapped_column(sa.Text, nullable=True)
    expires_at: _Time = orm.mapped_column(sa.DateTime, nullable=False)


class SessionModel(sql.ModelBase):
    """A browser's single sign-on session with a domain's provider."""
    __tablename__ = 'ng_oauth2_session'
    __table_args__ = (
        sa.UniqueConstraint('sid', name='uq_ng_oauth2_session_sid'),
        sa.Index('ix_ng_oauth2_session_user_id', 'user_id'),
        sa.Index('ix_ng_oauth2_session_expires_at', 'expires_at'),
        sa.Index('ix_ng_oauth2_session_domain_id', 'domain_id'),
        sql.TABLE_ARGS)
    id: _Str = _id(primary_key=True)
    sid: _Str = _id(nullable=False)
    domain_id: _Str = _id(nullable=False)
    user_id: _Str = _id(nullable=False)
    auth_time: orm.Mapped[int] = orm.mapped_column(sa.Integer,
                                                   nullable=False)
    amr: _Str = orm.mapped_column(sa.Text, nullable=False)
    created_at: _Time = orm.mapped_column(sa.DateTime, nullable=False)
    expires_at: _Time = orm.mapped_column(sa.DateTime, nullable=False)


class ConsentModel(sql.ModelBase):
    __tablename__ = 'ng_oauth2_consent'
    __table_args__ = (sa.Index('ix_ng_oauth2_consent_client_id',
                               'client_id'), sql.TABLE_ARGS)
    user_id: _Str = _id(primary_key=True)
    client_id: _Str = _id(primary_key=True)
    scope_hash: _Str = _id(primary_key=True)
    scope: _Str = orm.mapped_column(sa.Text, nullable=False)
    created_at: _Time = orm.mapped_column(sa.DateTime, nullable=False)


class CodeModel(sql.ModelBase):
    __tablename__ = 'ng_oauth2_code'
    __table_args__ = (
        sa.Index('ix_ng_oauth2_code_expires_at', 'expires_at'),
        sa.Index('ix_ng_oauth2_code_user_id', 'user_id'),
        sa.Index('ix_ng_oauth2_code_domain_id', 'domain_id'),
        sql.TABLE_ARGS)
    id: _Str = _id(primary_key=True)
    domain_id: _Str = _id(nullable=False)
    client_id: _Str = _id(nullable=False)
    user_id: _Str = _id(nullable=False)
    redirect_uri: _Str = orm.mapped_column(sa.Text, nullable=False)
    scope: _Str = orm.mapped_column(sa.Text, nullable=False)
    nonce: _OptStr = orm.mapped_column(sa.Text, nullable=True)
    code_challenge: _OptStr = orm.mapped_column(sa.String(128),
                                                nullable=True)
    code_challenge_method: _OptStr = orm.mapped_column(sa.String(8),
                                                       nullable=True)
    auth_time: orm.Mapped[int] = orm.mapped_column(sa.Integer,
                                                   nullable=False)
    amr: _Str = orm.mapped_column(sa.Text, nullable=False)
    sid: _OptStr = _id(nullable=True)
    expires_at: _Time = orm.mapped_column(sa.DateTime, nullable=False)
    used_at: _OptTime = orm.mapped_column(sa.DateTime, nullable=True)
    family_id: _OptStr = _id(nullable=True)
    access_jti: _OptStr = _id(nullable=True)


class RefreshModel(sql.ModelBase):
    __tablename__ = 'ng_oauth2_refresh'
    __table_args__ = tuple(
        sa.Index('ix_ng_oauth2_refresh_%s' % column, column)
        for column in ('family_id', 'client_id', 'user_id', 'expires_at',
                       'domain_id')
    ) + (sql.TABLE_ARGS,)
    id: _Str = _id(primary_key=True)
    family_id: _Str = _id(nullable=False)
    domain_id: _Str = _id(nullable=False)
    client_id: _Str = _id(nullable=False)
    user_id: _Str = _id(nullable=False)
    scope: _Str = orm.mapped_column(sa.Text, nullable=False)
    auth_time: orm.Mapped[int] = orm.mapped_column(sa.Integer,
                                                   nullable=False)
    amr: _Str = orm.mapped_column(sa.Text, nullable=False)
    sid: _OptStr = _id(nullable=True)
    access_jti: _OptStr = _id(nullable=True)
    created_at: _Time = orm.mapped_column(sa.DateTime, nullable=False)
    expires_at: _Time = orm.mapped_column(sa.DateTime, nullable=False)
    used_at: _OptTime = orm.mapped_column(sa.DateTime, nullable=True)
    revoked_at: _OptTime = orm.mapped_column(sa.DateTime, nullable=True)


class RevokedModel(sql.ModelBase):
    """Access tokens (by ``jti``) revoked before they expire."""
    __tablename__ = 'ng_oauth2_revoked'
    __table_args__ = (
        sa.Index('ix_ng_oauth2_revoked_expires_at', 'expires_at'),
        sa.Index('ix_ng_oauth2_revoked_domain_id', 'domain_id'),
        sql.TABLE_ARGS)
    jti: _Str = _id(primary_key=True)
    domain_id: _Str = _id(nullable=False)
    expires_at: _Time = orm.mapped_column(sa.DateTime, nullable=False)


class DeviceModel(sql.ModelBase):
    """A device authorization request (RFC 8628): its device code (the
    id, as a digest), its user code (a digest too), and the user's answer
    once given on the device page."""
    __tablename__ = 'ng_oauth2_device'
    __table_args__ = (
        sa.UniqueConstraint('user_code_hash',
                            name='uq_ng_oauth2_device_user_code_hash'),
        sa.Index('ix_ng_oauth2_device_expires_at', 'expires_at'),
        sa.Index('ix_ng_oauth2_device_user_id', 'user_id'),
        sa.Index('ix_ng_oauth2_device_domain_id', 'domain_id'),
        sql.TABLE_ARGS)
    id: _Str = _id(primary_key=True)
    user_code_hash: _Str = _id(nullable=False)
    domain_id: _Str = _id(nullable=False)
    client_id: _Str = _id(nullable=False)
    scope: _Str = orm.mapped_column(sa.Text, nullable=False)
    code_challenge: _OptStr = orm.mapped_column(sa.String(128),
                                                nullable=True)
    code_challenge_method: _OptStr = orm.mapped_column(sa.String(8),
                                                       nullable=True)
    poll_interval: orm.Mapped[int] = orm.mapped_column(sa.Integer,
                                                       nullable=False)
    # pending, approved or denied
    status: _Str = orm.mapped_column(sa.String(16), nullable=False)
    attempts: orm.Mapped[int] = orm.mapped_column(sa.Integer,
                                                  nullable=False)
    user_id: _OptStr = _id(nullable=True)
    auth_time: orm.Mapped[ty.Optional[int]] = orm.mapped_column(
        sa.Integer, nullable=True)
    amr: _OptStr = orm.mapped_column(sa.Text, nullable=True)
    sid: _OptStr = _id(nullable=True)
    polled_at: _OptTime = orm.mapped_column(sa.DateTime, nullable=True)
    expires_at: _Time = orm.mapped_column(sa.DateTime, nullable=False)
    used_at: _OptTime = orm.mapped_column(sa.DateTime, nullable=True)
    family_id: _OptStr = _id(nullable=True)
    access_jti: _OptStr = _id(nullable=True)


MODELS = (PendingModel, SessionModel, ConsentModel, CodeModel, RefreshModel,
          RevokedModel, DeviceModel)


def _later(seconds: int) -> datetime.datetime:
    return sql.utcnow() + datetime.timedelta(seconds=seconds)


def _live(model, now=None):
    return model.expires_at > (now or sql.utcnow())


# -- pending authorization requests --------------------------------------

def create_pending(domain_id: str, client_id: str, params: dict,
                   browser_hash: str, lifetime: int) -> tuple[str, str]:
    """(the request's handle, its CSRF token) for the pages' forms."""
    handle, handle_hash = new_secret()
    csrf, csrf_hash = new_secret()
    with sql.session_for_write() as session:
        session.add(PendingModel(
            id=handle_hash, domain_id=domain_id, client_id=client_id,
            browser_hash=browser_hash, csrf_hash=csrf_hash,
            params=json.dumps(params), stage='login',
            expires_at=_later(lifetime)))
    return handle, csrf


def get_pending(domain_id: str, handle: str, browser_hash: str,
                csrf: str) -> ty.Optional[PendingModel]:
    """The live request of this handle, if the browser and the CSRF token
    are the ones it was made for."""
    with sql.session_for_read() as session:
        row = session.get(PendingModel, digest(handle))
        if (row is None or row.domain_id != domain_id or
                row.expires_at <= sql.utcnow() or
                not secrets.compare_digest(row.browser_hash, browser_hash) or
                not secrets.compare_digest(row.csrf_hash, digest(csrf))):
            return None
        session.expunge(row)
        return row


def advance_pending(row: PendingModel, stage: str, **values) -> bool:
    """Move the request from its stage to the next one (False when another
    request moved it first)."""
    with sql.session_for_write() as session:
        result = session.execute(
            sa.update(PendingModel).where(PendingModel.id == row.id,
                                          PendingModel.stage == row.stage)
            .values(stage=stage, **values))
        return result.rowcount == 1


def take_pending(row: PendingModel) -> bool:
    """Finish the request: exactly one finisher gets True."""
    with sql.session_for_write() as session:
        result = session.execute(sa.delete(PendingModel).where(
            PendingModel.id == row.id, PendingModel.stage == row.stage))
        return result.rowcount == 1


# -- SSO sessions ------------------------------------------------------------

def create_session(domain_id: str, user_id: str, auth_time: int,
                   amr: list, lifetime: int) -> tuple[str, SessionModel]:
    """(the cookie's value, the session)."""
    cookie, cookie_hash = new_secret()
    row = SessionModel(id=cookie_hash, sid=uuid.uuid4().hex,
                       domain_id=domain_id, user_id=user_id,
                       auth_time=auth_time, amr=json.dumps(amr),
                       created_at=sql.utcnow(), expires_at=_later(lifetime))
    with sql.session_for_write() as session:
        session.add(row)
        session.flush()
        session.expunge(row)
    return cookie, row


def get_session(domain_id: str, cookie: ty.Optional[str]
                ) -> ty.Optional[SessionModel]:
    if not cookie or len(cookie) > 128:
        return None
    with sql.session_for_read() as session:
        row = session.get(SessionModel, digest(cookie))
        if (row is None or row.domain_id != domain_id or
                row.expires_at <= sql.utcnow()):
            return None
        session.expunge(row)
        return row


def delete_session(session_id: str):
    with sql.session_for_write() as session:
        session.execute(sa.delete(SessionModel).where(
            SessionModel.id == session_id))


def session_alive(sid: ty.Optional[str]) -> bool:
    if not sid:
        return True
    with sql.session_for_read() as session:
        return session.execute(sa.select(SessionModel.id).where(
            SessionModel.sid == sid, _live(SessionModel))).first() is not None


# -- consents ----------------------------------------------------------------

def _scope_key(scopes) -> tuple[str, str]:
    text = ' '.join(sorted(set(scopes)))
    return text, digest(text)


def has_consent(user_id: str, client_id: str, scopes) -> bool:
    _text, key = _scope_key(scopes)
    with sql.session_for_read() as session:
        return session.get(ConsentModel, (user_id, client_id, key)) is not None


def remember_consent(user_id: str, client_id: str, scopes):
    text, key = _scope_key(scopes)
    with sql.session_for_write() as session:
        if session.get(ConsentModel, (user_id, client_id, key)) is None:
            session.add(ConsentModel(user_id=user_id, client_id=client_id,
                                     scope_hash=key, scope=text,
                                     created_at=sql.utcnow()))


# -- authorization codes ------------------------------------------------------

def create_code(lifetime: int, **values) -> str:
    code, code_hash = new_secret()
    values['amr'] = json.dumps(values['amr'])
    with sql.session_for_write() as session:
        session.add(CodeModel(id=code_hash, expires_at=_later(lifetime),
                              **values))
    return code


def _row(model, key: str):
    """The row of this primary key, detached from its session, or None."""
    with sql.session_for_read() as session:
        row = session.get(model, key)
        if row is not None:
            session.expunge(row)
        return row


def _row_of_secret(model, secret: ty.Any):
    """The row a client's secret handle (code, refresh token, device
    code) names: its digest is the row's key."""
    if not isinstance(secret, str) or len(secret) > 128:
        return None
    return _row(model, digest(secret))


def get_code(code: str) -> ty.Optional[CodeModel]:
    return _row_of_secret(CodeModel, code)


def claim_code(row: CodeModel, family_id: str, access_jti: str) -> bool:
    """Spend the code for what it is about to issue; False when it was
    spent already (by a concurrent redemption)."""
    with sql.session_for_write() as session:
        result = session.execute(
            sa.update(CodeModel).where(CodeModel.id == row.id,
                                       CodeModel.used_at.is_(None))
            .values(used_at=sql.utcnow(), family_id=family_id,
                    access_jti=access_jti))
        return result.rowcount == 1


# -- device authorization requests -------------------------------------------

# RFC 8628 section 6.1: no vowels (no words), no look-alike digits
USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ'
USER_CODE_LENGTH = 8
# the most a client is asked to wait between polls, after slow_down
MAX_INTERVAL = 60


def normalize_user_code(text: ty.Optional[str]) -> ty.Optional[str]:
    """The user code as stored (upper case, without the dash or spaces
    the user may type), or None if it cannot be one."""
    if not isinstance(text, str) or len(text) > 32:
        return None
    code = ''.join(c for c in text.upper() if c not in '- \t')
    if len(code) != USER_CODE_LENGTH or any(
            c not in USER_CODE_ALPHABET for c in code):
        return None
    return code


def create_device(device_code: str, user_code: str, lifetime: int,
                  interval: int, **values):
    with sql.session_for_write() as session:
        session.add(DeviceModel(
            id=digest(device_code),
            user_code_hash=digest(normalize_user_code(user_code)),
            poll_interval=interval, status='pending', attempts=0,
            expires_at=_later(lifetime), **values))


def get_device(device_code: str) -> ty.Optional[DeviceModel]:
    return _row_of_secret(DeviceModel, device_code)


def get_device_by_id(device_id: str) -> ty.Optional[DeviceModel]:
    return _row(DeviceModel, device_id)


def find_device(domain_id: str, user_code: str
                ) -> ty.Optional[DeviceModel]:
    """The live, unanswered request of a (normalized) user code."""
    with sql.session_for_read() as session:
        row = session.execute(sa.select(DeviceModel).where(
            DeviceModel.user_code_hash == digest(user_code),
            DeviceModel.domain_id == domain_id,
            DeviceModel.status == 'pending',
            _live(DeviceModel))).scalars().first()
        if row is not None:
            session.expunge(row)
        return row


def count_device_attempt(device_id: str, most: int) -> bool:
    """One more use of the user code (an entry or a failed sign-in):
    False, and the request denied, once it has had ``most``."""
    with sql.session_for_write() as session:
        result = session.execute(
            sa.update(DeviceModel).where(
                DeviceModel.id == device_id,
                DeviceModel.status == 'pending',
                DeviceModel.attempts < most)
            .values(attempts=DeviceModel.attempts + 1))
        if result.rowcount == 1:
            return True
        session.execute(sa.update(DeviceModel).where(
            DeviceModel.id == device_id, DeviceModel.status == 'pending')
            .values(status='denied'))
        return False


def answer_device(device_id: str, approved: bool, **values) -> bool:
    """The user's answer, once: False when the request was answered,
    denied or expired already."""
    with sql.session_for_write() as session:
        result = session.execute(
            sa.update(DeviceModel).where(
                DeviceModel.id == device_id,
                DeviceModel.status == 'pending', _live(DeviceModel))
            .values(status='approved' if approved else 'denied', **values))
        return result.rowcount == 1


def note_device_poll(row: DeviceModel, slack: int = 1) -> bool:
    """Record a poll of a pending request; False (and the interval 5 s
    longer, RFC 8628 section 3.5) when it came sooner than the interval
    (less ``slack`` seconds, for clocks of different nodes) after the last
    one. Of concurrent polls, one wins."""
    now = sql.utcnow()
    if row.polled_at is not None and (
            now - row.polled_at).total_seconds() < (
                row.poll_interval - slack):
        with sql.session_for_write() as session:
            session.execute(sa.update(DeviceModel).where(
                DeviceModel.id == row.id).values(
                    poll_interval=min(row.poll_interval + 5,
                                      MAX_INTERVAL),
                    polled_at=now))
        return False
    last = (DeviceModel.polled_at.is_(None) if row.polled_at is None
            else DeviceModel.polled_at == row.polled_at)
    with sql.session_for_write() as session:
        result = session.execute(sa.update(DeviceModel).where(
            DeviceModel.id == row.id, last).values(polled_at=now))
        return result.rowcount == 1


def claim_device(row: DeviceModel, family_id: str, access_jti: str
                 ) -> bool:
    """Spend an approved request for what it is about to issue; False
    when it was spent already."""
    with sql.session_for_write() as session:
        result = session.execute(
            sa.update(DeviceModel).where(DeviceModel.id == row.id,
                                         DeviceModel.status == 'approved',
                                         DeviceModel.used_at.is_(None))
            .values(used_at=sql.utcnow(), family_id=family_id,
                    access_jti=access_jti))
        return result.rowcount == 1


# -- refresh tokens -----------------------------------------------------------

def create_refresh(lifetime: int, **values) -> str:
    token, token_hash = new_secret()
    values['amr'] = json.dumps(values['amr'])
    with sql.session_for_write() as session:
        session.add(RefreshModel(id=token_hash, created_at=sql.utcnow(),
                                 expires_at=_later(lifetime), **values))
    return token


def get_refresh(token: str) -> ty.Optional[RefreshModel]:
    return _row_of_secret(RefreshModel, token)


def claim_refresh(row: RefreshModel) -> bool:
    """Spend the refresh token; exactly one of concurrent callers wins."""
    with sql.session_for_write() as session:
        result = session.execute(
            sa.update(RefreshModel).where(
                RefreshModel.id == row.id, RefreshModel.used_at.is_(None),
                RefreshModel.revoked_at.is_(None))
            .values(used_at=sql.utcnow()))
        return result.rowcount == 1


def family_revoked(family_id: str) -> bool:
    with sql.session_for_read() as session:
        return session.execute(sa.select(RefreshModel.id).where(
            RefreshModel.family_id == family_id,
            RefreshModel.revoked_at.is_not(None))).first() is not None


def revoke_family(domain_id: str, family_id: str,
                  access_jtis: ty.Iterable[str] = (), lifetime: int = 0):
    """Revoke every refresh token of the family and the access tokens
    issued with them. Concurrent revocations of one family (replays
    racing each other) both succeed: the loser of an insert tries again
    and finds the winner's rows."""
    jtis = set(j for j in access_jtis if j)
    for attempt in range(3):
        try:
            return _revoke_family(domain_id, family_id, jtis, lifetime)
        except (db_exception.DBDuplicateEntry, db_exception.DBDeadlock):
            if attempt == 2:
                raise


def _revoke_family(domain_id: str, family_id: str, jtis: set,
                   lifetime: int):
    now = sql.utcnow()
    jtis = set(jtis)
    with sql.session_for_write() as session:
        rows = session.execute(sa.select(RefreshModel).where(
            RefreshModel.family_id == family_id)).scalars().all()
        for row in rows:
            if row.revoked_at is None:
                row.revoked_at = now
            if row.access_jti:
                jtis.add(row.access_jti)
        if not rows:
            # a family that has no refresh token (a client without the
            # grant) still has its mark, so that it stays revoked
            session.add(RefreshModel(
                id=digest('revoked-family:' + family_id),
                family_id=family_id, domain_id=domain_id, client_id='',
                user_id='', scope='', auth_time=0, amr='[]',
                created_at=now, expires_at=_later(lifetime), used_at=now,
                revoked_at=now))
        _revoke_jtis(session, domain_id, jtis, lifetime)


def _revoke_jtis(session, domain_id: str, jtis, lifetime: int):
    for jti in jtis:
        if session.get(RevokedModel, jti) is None:
            session.add(RevokedModel(jti=jti, domain_id=domain_id,
                                     expires_at=_later(lifetime)))


def revoke_jti(domain_id: str, jti: str, lifetime: int):
    try:
        with sql.session_for_write() as session:
            _revoke_jtis(session, domain_id, [jti], lifetime)
    except db_exception.DBDuplicateEntry:
        pass  # revoked by a concurrent request


def jti_revoked(jti: str) -> bool:
    with sql.session_for_read() as session:
        return session.get(RevokedModel, jti) is not None


def revoke_client(client_id: str):
    """A deleted client's refresh tokens stop working."""
    now = sql.utcnow()
    with sql.session_for_write() as session:
        session.execute(sa.update(RefreshModel).where(
            RefreshModel.client_id == client_id,
            RefreshModel.revoked_at.is_(None)).values(revoked_at=now))


def forget_user(user_id: str):
    """A deleted user's sessions, consents and refresh tokens go."""
    with sql.session_for_write() as session:
        for model in (SessionModel, ConsentModel, RefreshModel, CodeModel,
                      DeviceModel):
            session.execute(sa.delete(model).where(model.user_id == user_id))
        session.execute(sa.delete(PendingModel).where(
            PendingModel.user_id == user_id))


def forget_domain(domain_id: str):
    with sql.session_for_write() as session:
        for model in (PendingModel, SessionModel, CodeModel, RefreshModel,
                      RevokedModel, DeviceModel):
            session.execute(sa.delete(model).where(
                model.domain_id == domain_id))


def purge(now: ty.Optional[datetime.datetime] = None) -> dict:
    """Delete the expired rows of every table: {table: rows deleted}."""
    now = now or sql.utcnow()
    counts = {}
    with sql.session_for_write() as session:
        for model in (PendingModel, SessionModel, CodeModel, RefreshModel,
                      RevokedModel, DeviceModel):
            result = session.execute(sa.delete(model).where(
                model.expires_at <= now))
            counts[model.__tablename__] = result.rowcount
    return counts
