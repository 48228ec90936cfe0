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
"""STAND-IN: a software CTAP2 authenticator behind python-fido2's device
interface (fido2.ctap.CtapDevice), for the tests.

No security key can be plugged into a CI machine, so the tests give the
v4passkey plugin and `openstack ng passkey create` this device instead of a
USB one (fido2_device=keystone_ng_client.tests.softctap:device). It speaks
CTAP2 as a key does: authenticatorGetInfo, MakeCredential (resident ES256
keys, "none" attestation) and GetAssertion/GetNextAssertion with a
signature counter and built-in user verification. python-fido2's own client
drives it exactly as it drives a key over USB HID.

Its credentials live in the JSON file named by $NG_SOFTCTAP_FILE, so that
several CLI processes share one "key". Never use it for anything real: the
private keys are in that file in the clear.
"""

import base64
import hashlib
import json
import os

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from fido2 import cbor
from fido2 import cose
from fido2 import ctap
from fido2 import hid
from fido2 import webauthn

ENV = 'NG_SOFTCTAP_FILE'
AAGUID = b'ng-softctap-test'  # 16 bytes, recognisable in keystone's table
_ERR = ctap.CtapError.ERR
_UP, _UV, _AT = 0x01, 0x04, 0x40


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode('ascii')


class SoftCtap2Device(ctap.CtapDevice):
    """A CTAP2 authenticator in software, its state in a file."""

    def __init__(self, path: str):
        self.path = path
        self._pending = []

    @property
    def capabilities(self) -> int:
        return hid.CAPABILITY.CBOR | hid.CAPABILITY.NMSG

    @classmethod
    def list_devices(cls):
        if os.environ.get(ENV):
            yield cls(os.environ[ENV])

    # State.
    def _load(self) -> list:
        try:
            with open(self.path) as f:
                return json.load(f)
        except FileNotFoundError:
            return []

    def _save(self, credentials: list):
        with open(self.path, 'w') as f:
            json.dump(credentials, f)

    # CTAP2.
    def call(self, cmd, data=b'', event=None, on_keepalive=None) -> bytes:
        if cmd != hid.CTAPHID.CBOR or not data:
            raise ctap.CtapError(_ERR.INVALID_COMMAND)
        params = cbor.decode(data[1:]) if len(data) > 1 else {}
        handler = {0x04: self._get_info, 0x01: self._make_credential,
                   0x02: self._get_assertion,
                   0x08: self._get_next_assertion}.get(data[0])
        if handler is None:
            return bytes([_ERR.INVALID_COMMAND])
        try:
            body = handler(params)
        except ctap.CtapError as exc:
            return bytes([exc.code])
        return b'\x00' + cbor.encode(body)

    def _get_info(self, params):
        return {1: ['FIDO_2_0'], 3: AAGUID,
                4: {'rk': True, 'up': True, 'uv': True, 'plat': False},
                6: [2, 1]}

    @staticmethod
    def _auth_data(rp_id, flags, counter, attested=None) -> bytes:
        return bytes(webauthn.AuthenticatorData.create(
            hashlib.sha256(rp_id.encode()).digest(), flags, counter,
            attested or b''))

    def _make_credential(self, params):
        rp, user = params[2], params[3]  # 1: clientDataHash ("none")
        if not any(p.get('alg') == cose.ES256.ALGORITHM
                   for p in params[4]):
            raise ctap.CtapError(_ERR.UNSUPPORTED_ALGORITHM)
        credentials = self._load()
        excluded = {bytes(c['id']) for c in params.get(5) or []}
        if any(base64.b64decode(c['id']) in excluded and
               c['rp_id'] == rp['id'] for c in credentials):
            raise ctap.CtapError(_ERR.CREDENTIAL_EXCLUDED)
        key = ec.generate_private_key(ec.SECP256R1())
        credential_id = os.urandom(32)
        attested = webauthn.AttestedCredentialData.create(
            AAGUID, credential_id,
            cose.ES256.from_cryptography_key(key.public_key()))
        options = params.get(7) or {}
        flags = _UP | _AT | (_UV if options.get('uv') else 0)
        credentials.append({
            'id': _b64(credential_id), 'rp_id': rp['id'],
            'user_id': _b64(bytes(user['id'])), 'counter': 0,
            'key': key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()).decode('ascii')})
        self._save(credentials)
        return {1: 'none', 2: self._auth_data(rp['id'], flags, 0, attested),
                3: {}}

    def _get_assertion(self, params):
        rp_id, client_data_hash = params[1], params[2]
        allowed = {bytes(c['id']) for c in params.get(3) or []}
        options = params.get(5) or {}
        credentials = self._load()
        matches = [c for c in credentials if c['rp_id'] == rp_id and (
            not allowed or base64.b64decode(c['id']) in allowed)]
        if not matches:
            raise ctap.CtapError(_ERR.NO_CREDENTIALS)
        up = options.get('up', True)
        flags = (_UP if up else 0) | (_UV if options.get('uv') else 0)
        responses = []
        for credential in matches:
            if up:
                credential['counter'] += 1
            auth_data = self._auth_data(rp_id, flags, credential['counter'])
            key = serialization.load_pem_private_key(
                credential['key'].encode('ascii'), password=None)
            signature = key.sign(auth_data + client_data_hash,
                                 ec.ECDSA(hashes.SHA256()))
            response = {1: {'type': 'public-key',
                            'id': base64.b64decode(credential['id'])},
                        2: auth_data, 3: signature}
            if not allowed:
                response[4] = {'id': base64.b64decode(credential['user_id'])}
            responses.append(response)
        self._save(credentials)
        if len(responses) > 1:
            responses[0][5] = len(responses)
        self._pending = responses[1:]
        return responses[0]

    def _get_next_assertion(self, params):
        if not self._pending:
            raise ctap.CtapError(_ERR.NOT_ALLOWED)
        return self._pending.pop(0)


def device():
    """The fido2_device factory the tests name: the stand-in, or None."""
    path = os.environ.get(ENV)
    return SoftCtap2Device(path) if path else None


def credential_count(path: str) -> int:
    return len(SoftCtap2Device(path)._load())
