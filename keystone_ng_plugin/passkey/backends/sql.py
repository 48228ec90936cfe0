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
"""SQL storage of passkeys (the plugin's ng_passkey table)."""

import base64
import datetime
import hashlib
import json
import typing as ty

from oslo_db import exception as db_exception
import sqlalchemy as sa
from sqlalchemy import orm

from keystone_ng_plugin.common import sql
from keystone_ng_plugin.passkey.backends import base


class PasskeyModel(sql.ModelBase):
    __tablename__ = 'ng_passkey'
    __table_args__ = (
        sa.UniqueConstraint('credential_id_hash',
                            name='uq_ng_passkey_credential_id_hash'),
        sa.Index('ix_ng_passkey_user_id', 'user_id'),
        sql.TABLE_ARGS,
    )

    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    user_id: orm.Mapped[str] = orm.mapped_column(sa.String(64),
                                                 nullable=False)
    # Credential IDs can be up to 1023 bytes: look them up by their hash.
    credential_id: orm.Mapped[str] = orm.mapped_column(sa.Text,
                                                       nullable=False)
    credential_id_hash: orm.Mapped[str] = orm.mapped_column(
        sa.String(64), nullable=False)
    public_key: orm.Mapped[str] = orm.mapped_column(sa.Text, nullable=False)
    sign_count: orm.Mapped[int] = orm.mapped_column(
        sa.BigInteger, nullable=False)
    aaguid: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(36), nullable=True)
    transports: orm.Mapped[str] = orm.mapped_column(sa.Text, nullable=False)
    attestation_format: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(32), nullable=True)
    backup_eligible: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, nullable=False)
    backed_up: orm.Mapped[bool] = orm.mapped_column(sa.Boolean,
                                                    nullable=False)
    user_verified: orm.Mapped[bool] = orm.mapped_column(sa.Boolean,
                                                        nullable=False)
    description: orm.Mapped[ty.Optional[str]] = orm.mapped_column(
        sa.String(255), nullable=True)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False)
    last_used_at: orm.Mapped[ty.Optional[datetime.datetime]] = (
        orm.mapped_column(sa.DateTime, nullable=True))


def credential_id_hash(credential_id: str) -> str:
    return hashlib.sha256(credential_id.encode('ascii')).hexdigest()


def _to_passkey(row: PasskeyModel) -> base.Passkey:
    return base.Passkey(
        id=row.id, user_id=row.user_id, credential_id=row.credential_id,
        public_key=base64.urlsafe_b64decode(row.public_key),
        sign_count=row.sign_count, aaguid=row.aaguid,
        transports=json.loads(row.transports),
        attestation_format=row.attestation_format,
        backup_eligible=row.backup_eligible, backed_up=row.backed_up,
        user_verified=row.user_verified, description=row.description,
        created_at=row.created_at, last_used_at=row.last_used_at)


class Passkey(base.PasskeyDriverBase):

    def create(self, passkey):
        row = PasskeyModel(
            id=passkey.id, user_id=passkey.user_id,
            credential_id=passkey.credential_id,
            credential_id_hash=credential_id_hash(passkey.credential_id),
            public_key=base64.urlsafe_b64encode(
                passkey.public_key).decode('ascii'),
            sign_count=passkey.sign_count, aaguid=passkey.aaguid,
            transports=json.dumps(passkey.transports),
            attestation_format=passkey.attestation_format,
            backup_eligible=passkey.backup_eligible,
            backed_up=passkey.backed_up,
            user_verified=passkey.user_verified,
            description=passkey.description,
            created_at=passkey.created_at,
            last_used_at=passkey.last_used_at)
        try:
            with sql.session_for_write() as session:
                session.add(row)
        except db_exception.DBDuplicateEntry:
            raise base.DuplicateCredential(passkey.credential_id)
        return passkey

    def get(self, passkey_id):
        with sql.session_for_read() as session:
            row = session.get(PasskeyModel, passkey_id)
            return _to_passkey(row) if row is not None else None

    def get_by_credential_id(self, credential_id):
        with sql.session_for_read() as session:
            row = session.execute(
                sa.select(PasskeyModel).where(
                    PasskeyModel.credential_id_hash ==
                    credential_id_hash(credential_id))).scalar_one_or_none()
            if row is None or row.credential_id != credential_id:
                return None
            return _to_passkey(row)

    def list_for_user(self, user_id):
        with sql.session_for_read() as session:
            rows = session.execute(
                sa.select(PasskeyModel)
                .where(PasskeyModel.user_id == user_id)
                .order_by(PasskeyModel.created_at, PasskeyModel.id)
            ).scalars()
            return [_to_passkey(row) for row in rows]

    def page_for_user(self, user_id, limit, marker=None):
        order = (PasskeyModel.created_at, PasskeyModel.id)
        with sql.session_for_read() as session:
            query = sa.select(PasskeyModel).where(
                PasskeyModel.user_id == user_id)
            if marker is not None:
                after = session.get(PasskeyModel, marker)
                if after is None or after.user_id != user_id:
                    return None
                query = query.where(sa.or_(
                    PasskeyModel.created_at > after.created_at,
                    sa.and_(PasskeyModel.created_at == after.created_at,
                            PasskeyModel.id > after.id)))
            rows = session.execute(
                query.order_by(*order).limit(limit)).scalars()
            return [_to_passkey(row) for row in rows]

    def update_description(self, passkey_id, description):
        with sql.session_for_write() as session:
            row = session.get(PasskeyModel, passkey_id)
            row.description = description
            session.flush()
            return _to_passkey(row)

    def record_use(self, passkey_id, *, new_sign_count, backed_up, used_at):
        table = PasskeyModel.__table__
        # Authenticators without a counter always report 0 (and stay 0).
        if new_sign_count > 0:
            counter_ok = table.c.sign_count < new_sign_count
        else:
            counter_ok = table.c.sign_count == 0
        with sql.session_for_write() as session:
            updated = session.execute(
                sa.update(table)
                .where(table.c.id == passkey_id)
                .where(counter_ok)
                .values(sign_count=new_sign_count, backed_up=backed_up,
                        last_used_at=used_at)).rowcount
        return updated == 1

    def delete(self, passkey_id):
        table = PasskeyModel.__table__
        with sql.session_for_write() as session:
            return session.execute(
                sa.delete(table).where(table.c.id == passkey_id)
            ).rowcount == 1

    def delete_for_user(self, user_id):
        table = PasskeyModel.__table__
        with sql.session_for_write() as session:
            return session.execute(
                sa.delete(table).where(table.c.user_id == user_id)).rowcount
