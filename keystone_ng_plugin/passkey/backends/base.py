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
"""The passkey storage interface."""

import abc
import dataclasses
import datetime
import typing as ty


@dataclasses.dataclass(frozen=True)
class Passkey:
    """A registered WebAuthn credential of a keystone user."""

    id: str
    user_id: str
    credential_id: str           # base64url, no padding
    public_key: bytes            # COSE key
    sign_count: int
    aaguid: ty.Optional[str]
    transports: list[str]
    attestation_format: ty.Optional[str]
    backup_eligible: bool
    backed_up: bool
    user_verified: bool
    description: ty.Optional[str]
    created_at: datetime.datetime
    last_used_at: ty.Optional[datetime.datetime]

    def to_api(self) -> dict:
        """The API view: never the public key bytes."""
        return {
            'id': self.id,
            'user_id': self.user_id,
            'credential_id': self.credential_id,
            'description': self.description,
            'aaguid': self.aaguid,
            'transports': list(self.transports),
            'backup_eligible': self.backup_eligible,
            'backed_up': self.backed_up,
            'user_verified': self.user_verified,
            'sign_count': self.sign_count,
            'created_at': _iso(self.created_at),
            'last_used_at': _iso(self.last_used_at),
        }


def _iso(value: ty.Optional[datetime.datetime]) -> ty.Optional[str]:
    if value is None:
        return None
    return value.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


class DuplicateCredential(Exception):
    """The credential ID is registered already."""


class PasskeyDriverBase(metaclass=abc.ABCMeta):
    """Storage of passkeys."""

    @abc.abstractmethod
    def create(self, passkey: Passkey) -> Passkey:
        """Store a new passkey; DuplicateCredential if its ID is known."""

    @abc.abstractmethod
    def get(self, passkey_id: str) -> ty.Optional[Passkey]:
        """A passkey by its ID."""

    @abc.abstractmethod
    def get_by_credential_id(self, credential_id: str) -> ty.Optional[
            Passkey]:
        """A passkey by its WebAuthn credential ID (base64url)."""

    @abc.abstractmethod
    def list_for_user(self, user_id: str) -> list[Passkey]:
        """A user's passkeys, oldest first."""

    @abc.abstractmethod
    def page_for_user(self, user_id: str, limit: int,
                      marker: ty.Optional[str] = None
                      ) -> ty.Optional[list[Passkey]]:
        """At most ``limit`` of a user's passkeys, oldest first, after the
        passkey ``marker`` (None when that is not one of the user's)."""

    @abc.abstractmethod
    def update_description(self, passkey_id: str,
                           description: ty.Optional[str]) -> Passkey:
        """Rename a passkey."""

    @abc.abstractmethod
    def record_use(self, passkey_id: str, *, new_sign_count: int,
                   backed_up: bool, used_at: datetime.datetime) -> bool:
        """Store a verified use, atomically refusing a sign count that is
        not above the stored one (a cloned authenticator, or a concurrent
        use) and a passkey deleted meanwhile: False then."""

    @abc.abstractmethod
    def delete(self, passkey_id: str) -> bool:
        """Delete a passkey; False if there was none."""

    @abc.abstractmethod
    def delete_for_user(self, user_id: str) -> int:
        """Delete every passkey of a user; returns how many."""
