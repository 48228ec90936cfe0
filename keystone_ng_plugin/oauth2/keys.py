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
"""Per-domain signing keys of the OpenID provider (ng_oauth2_signing_key).

Every node signs with and publishes the same keys: they live in the
database, the private half encrypted with keystone's credential keys (as
the plugin's identity provider secrets are). A key's ID is its RFC 7638
thumbprint. Rotation goes in stages, so that no relying party ever meets a
token signed by a key it has not been able to fetch:

* a domain's first rotation makes its primary key (nothing is signed yet)
  and the next one;
* every later rotation promotes the next key, published since the previous
  rotation and at least ``[oauth2] jwks_max_age`` seconds, to primary,
  retires the primary and makes a new next key;
* a retired key stays published until every token it signed has expired
  (the longer of the access and ID token lifetimes, plus the time a node
  may go on signing with it, below), then it is deleted.

A node reads which key signs at most every ``SIGNING_KEY_SECONDS``: for
that long after a rotation it may still sign with the key just retired,
which is published all that time.
"""

import datetime
import functools
import json
import threading
import time
import typing as ty

from joserfc import jwk
from keystone.common import provider_api
from keystone import exception
import sqlalchemy as sa
from sqlalchemy import orm

from keystone_ng_plugin.common import sql
import keystone_ng_plugin.conf

CONF = keystone_ng_plugin.conf.CONF
PROVIDERS = provider_api.ProviderAPIs
NEXT, PRIMARY, RETIRED = 'next', 'primary', 'retired'
# JWKS order: the key that signs first
_ORDER = {PRIMARY: 0, NEXT: 1, RETIRED: 2}
# how long a node signs with the key it read (a cache of the database;
# never of a missing key)
SIGNING_KEY_SECONDS = 10
_signing = {}
_signing_lock = threading.Lock()


class SigningKeyModel(sql.ModelBase):
    __tablename__ = 'ng_oauth2_signing_key'
    __table_args__ = (
        sa.Index('ix_ng_oauth2_signing_key_domain_id', 'domain_id',
                 'state'),
        sql.TABLE_ARGS,
    )

    # the RFC 7638 thumbprint (SHA-256, base64url: 43 characters)
    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    domain_id: orm.Mapped[str] = orm.mapped_column(sa.String(64),
                                                   nullable=False)
    algorithm: orm.Mapped[str] = orm.mapped_column(sa.String(16),
                                                   nullable=False)
    state: orm.Mapped[str] = orm.mapped_column(sa.String(16), nullable=False)
    # the public JWK, as JSON text
    public_jwk: orm.Mapped[str] = orm.mapped_column(sa.Text, nullable=False)
    # PKCS#8 PEM, encrypted with keystone's credential keys
    private_key: orm.Mapped[str] = orm.mapped_column(sa.Text, nullable=False)
    private_key_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64),
                                                          nullable=False)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False)
    promoted_at: orm.Mapped[ty.Optional[datetime.datetime]] = (
        orm.mapped_column(sa.DateTime, nullable=True))
    retired_at: orm.Mapped[ty.Optional[datetime.datetime]] = (
        orm.mapped_column(sa.DateTime, nullable=True))


class RotationTooSoon(Exception):
    """The next key has not been published long enough to sign."""

    def __init__(self, domain_id: str, wait: int):
        super().__init__(
            'the next signing key of domain %s was published less than '
            '[oauth2] jwks_max_age ago: relying parties may not have it '
            'yet; rotate again in %d s (or --force)' % (domain_id, wait))
        self.wait = wait


def _generate(algorithm: str):
    if algorithm == 'RS256':
        return jwk.RSAKey.generate_key(2048, private=True)
    return jwk.ECKey.generate_key('P-256', private=True)


def _new_row(domain_id: str, algorithm: str, state: str,
             now: datetime.datetime) -> SigningKeyModel:
    key = _generate(algorithm)
    public = dict(key.as_dict(private=False))
    kid = key.thumbprint()
    public.update(kid=kid, alg=algorithm, use='sig')
    blob, key_hash = PROVIDERS.credential_provider_api.encrypt(
        key.as_pem(private=True).decode('ascii'))
    return SigningKeyModel(
        id=kid, domain_id=domain_id, algorithm=algorithm, state=state,
        public_jwk=json.dumps(public, sort_keys=True),
        private_key=blob.decode('ascii'), private_key_hash=key_hash,
        created_at=now, promoted_at=now if state == PRIMARY else None)


def retention() -> datetime.timedelta:
    """How long a retired key stays published."""
    return datetime.timedelta(minutes=max(
        CONF.oauth2.access_token_lifetime_minutes,
        CONF.oauth2.id_token_lifetime_minutes),
        seconds=SIGNING_KEY_SECONDS)


def _is_published(row, now: datetime.datetime) -> bool:
    return row.state != RETIRED or row.retired_at + retention() > now


def rotate(domain_id: str, algorithm: ty.Optional[str] = None,
           force: bool = False, now: ty.Optional[datetime.datetime] = None
           ) -> list[str]:
    """One stage of a domain's rotation; returns what it did."""
    algorithm = algorithm or CONF.oauth2.signing_algorithm
    now = now or sql.utcnow()
    done = []
    with sql.session_for_write() as session:
        rows = list(session.execute(sa.select(SigningKeyModel).where(
            SigningKeyModel.domain_id == domain_id)).scalars())
        for row in rows:
            if not _is_published(row, now):
                session.delete(row)
                done.append('deleted retired key %s' % row.id)
        by_state = {row.state: row for row in rows if row.state != RETIRED}
        primary, upcoming = by_state.get(PRIMARY), by_state.get(NEXT)
        if upcoming is not None:
            age = (now - upcoming.created_at).total_seconds()
            if age < CONF.oauth2.jwks_max_age and not force:
                raise RotationTooSoon(domain_id,
                                      int(CONF.oauth2.jwks_max_age - age) + 1)
            if primary is not None:
                primary.state, primary.retired_at = RETIRED, now
                done.append('retired key %s' % primary.id)
            upcoming.state, upcoming.promoted_at = PRIMARY, now
            done.append('key %s (%s) signs' % (
                upcoming.id, upcoming.algorithm))
        elif primary is None:
            # a domain's first keys: nothing was signed or cached yet
            first = _new_row(domain_id, algorithm, PRIMARY, now)
            session.add(first)
            done.append('key %s (%s) signs' % (first.id, algorithm))
        # flush the state changes before a new next key takes its state
        session.flush()
        following = _new_row(domain_id, algorithm, NEXT, now)
        session.add(following)
        done.append('key %s (%s) published, signs after the next '
                    'rotation' % (following.id, algorithm))
    forget_signing_key(domain_id)
    return done


def published(domain_id: str, now: ty.Optional[datetime.datetime] = None
              ) -> list[dict]:
    """The public JWKs of a domain, the signing one first ([] if none)."""
    now = now or sql.utcnow()
    with sql.session_for_read() as session:
        rows = session.execute(sa.select(SigningKeyModel).where(
            SigningKeyModel.domain_id == domain_id)).scalars()
        rows = sorted((row for row in rows if _is_published(row, now)),
                      key=lambda row: (_ORDER[row.state], row.created_at))
        return [json.loads(row.public_jwk) for row in rows]


def forget_signing_key(domain_id: ty.Optional[str] = None):
    """This node reads the domain's (None: every domain's) signing key
    again; other nodes within SIGNING_KEY_SECONDS."""
    with _signing_lock:
        if domain_id is None:
            _signing.clear()
        else:
            _signing.pop(domain_id, None)


def signing_key(domain_id: str) -> tuple[str, str, ty.Any]:
    """(kid, algorithm, private key) of the domain's primary key."""
    now = time.monotonic()
    with _signing_lock:
        cached = _signing.get(domain_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    found = _read_signing_key(domain_id)
    with _signing_lock:
        _signing[domain_id] = (now + SIGNING_KEY_SECONDS, found)
    return found


def _read_signing_key(domain_id: str) -> tuple[str, str, ty.Any]:
    with sql.session_for_read() as session:
        row = session.execute(sa.select(SigningKeyModel).where(
            SigningKeyModel.domain_id == domain_id,
            SigningKeyModel.state == PRIMARY)).scalars().first()
        if row is None:
            raise exception.NotFound(
                target='signing key of domain %s' % domain_id)
        kid, algorithm, blob = row.id, row.algorithm, row.private_key
    return kid, algorithm, _private_key(kid, algorithm, blob)


@functools.lru_cache(maxsize=64)
def _private_key(kid: str, algorithm: str, blob: str):
    """The decrypted key of a row (a key's ID and ciphertext never
    change)."""
    pem = PROVIDERS.credential_provider_api.decrypt(blob)
    return jwk.import_key(pem, 'RSA' if algorithm == 'RS256' else 'EC')


def domains() -> list[str]:
    """The domains that have signing keys."""
    with sql.session_for_read() as session:
        return sorted(session.execute(sa.select(
            SigningKeyModel.domain_id).distinct()).scalars())


def on_domain_deleted(domain_id: str):
    with sql.session_for_write() as session:
        session.execute(sa.delete(SigningKeyModel).where(
            SigningKeyModel.domain_id == domain_id))
    forget_signing_key(domain_id)
