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
"""A software WebAuthn authenticator and client, for tests and benchmarks.

It answers creation and request options (W3C JSON) the way a browser with a
CTAP2 platform authenticator does: "none" attestation, ES256 keys, resident
credentials, a sign count per credential. Every field a test wants to break
(origin, RP ID, user verification, sign count, challenge) can be set. The
real-browser tests use Chromium's virtual authenticator instead.
"""

import base64
import dataclasses
import hashlib
import json
import os
import struct
import typing as ty

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes

FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_BE = 0x08
FLAG_BS = 0x10
FLAG_AT = 0x40
AAGUID = b'nk-softauthn-tes'  # 16 bytes, recognisable in the database


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def unb64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + '=' * (-len(value) % 4))


@dataclasses.dataclass
class Credential:
    id: bytes
    key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0


class SoftAuthenticator:
    """An authenticator plus the browser-side client data."""

    def __init__(self, *, origin: str, rp_id: ty.Optional[str] = None,
                 user_verified: bool = True, counter_step: int = 1):
        self.origin = origin
        self.rp_id = rp_id
        self.user_verified = user_verified
        self.counter_step = counter_step
        self.credentials: dict[bytes, Credential] = {}

    def _client_data(self, kind, challenge, origin):
        return json.dumps({'type': kind, 'challenge': challenge,
                           'origin': origin or self.origin,
                           'crossOrigin': False}).encode()

    def _flags(self, uv):
        flags = FLAG_UP
        if self.user_verified if uv is None else uv:
            flags |= FLAG_UV
        return flags

    def create(self, options: dict, *, origin: ty.Optional[str] = None,
               rp_id: ty.Optional[str] = None,
               uv: ty.Optional[bool] = None,
               credential_id: ty.Optional[bytes] = None) -> dict:
        """navigator.credentials.create() + toJSON().

        credential_id makes a new attestation for an existing ID (what a
        misbehaving authenticator could do).
        """
        rp_id = rp_id or self.rp_id or options['rp']['id']
        key = ec.generate_private_key(ec.SECP256R1())
        numbers = key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1,
                            -2: numbers.x.to_bytes(32, 'big'),
                            -3: numbers.y.to_bytes(32, 'big')})
        cred_id = credential_id or os.urandom(16)
        self.credentials[cred_id] = Credential(
            id=cred_id, key=key, rp_id=rp_id,
            user_handle=unb64url(options['user']['id']))
        auth_data = (hashlib.sha256(rp_id.encode()).digest() +
                     bytes([self._flags(uv) | FLAG_AT]) +
                     struct.pack('>I', 0) + AAGUID +
                     struct.pack('>H', len(cred_id)) + cred_id + cose)
        attestation = cbor2.dumps({'fmt': 'none', 'attStmt': {},
                                   'authData': auth_data})
        client_data = self._client_data('webauthn.create',
                                        options['challenge'], origin)
        return {
            'id': b64url(cred_id), 'rawId': b64url(cred_id),
            'type': 'public-key', 'authenticatorAttachment': 'platform',
            'clientExtensionResults': {},
            'response': {'clientDataJSON': b64url(client_data),
                         'attestationObject': b64url(attestation),
                         'transports': ['internal']},
        }

    def get(self, options: dict, *, credential_id: ty.Optional[str] = None,
            origin: ty.Optional[str] = None, rp_id: ty.Optional[str] = None,
            uv: ty.Optional[bool] = None,
            sign_count: ty.Optional[int] = None,
            challenge: ty.Optional[str] = None) -> dict:
        """navigator.credentials.get() + toJSON().

        Picks the first allowed credential this authenticator has (or any,
        for a usernameless request), unless credential_id says which.
        """
        if credential_id is not None:
            cred = self.credentials[unb64url(credential_id)]
        else:
            allowed = [unb64url(c['id'])
                       for c in options.get('allowCredentials') or []]
            candidates = [c for i, c in self.credentials.items()
                          if not allowed or i in allowed]
            if not candidates:
                raise LookupError('no credential for these options')
            cred = candidates[0]
        if sign_count is None:
            cred.sign_count += self.counter_step
            sign_count = cred.sign_count
        rp_id = rp_id or self.rp_id or options.get('rpId') or cred.rp_id
        auth_data = (hashlib.sha256(rp_id.encode()).digest() +
                     bytes([self._flags(uv)]) +
                     struct.pack('>I', sign_count))
        client_data = self._client_data(
            'webauthn.get', challenge or options['challenge'], origin)
        signature = cred.key.sign(
            auth_data + hashlib.sha256(client_data).digest(),
            ec.ECDSA(hashes.SHA256()))
        return {
            'id': b64url(cred.id), 'rawId': b64url(cred.id),
            'type': 'public-key', 'authenticatorAttachment': 'platform',
            'clientExtensionResults': {},
            'response': {'clientDataJSON': b64url(client_data),
                         'authenticatorData': b64url(auth_data),
                         'signature': b64url(signature),
                         'userHandle': b64url(cred.user_handle)},
        }
