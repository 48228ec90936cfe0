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
"""Decoy credentials, so that a login start does not reveal an account.

For a user that does not exist, or has no passkey, login start still answers
with ``allowCredentials``: credential descriptors derived from an HMAC of the
identifier the client gave. They are stable (the same identifier always gets
the same decoys, on every node) and look like real ones: same fields, a
plausible count, ID length and transports.
"""

import hashlib
import hmac

from webauthn.helpers import bytes_to_base64url

# Shapes seen on real authenticators: platform (16/32-byte IDs, "internal",
# often "hybrid" too) and security keys (64-byte IDs, "usb"/"nfc").
_SHAPES = (
    (16, ('internal',)),
    (16, ('hybrid', 'internal')),
    (32, ('internal',)),
    (64, ('nfc', 'usb')),
)


def _prf(key: bytes, *parts: str) -> bytes:
    return hmac.new(key, '\x1f'.join(parts).encode('utf-8'),
                    hashlib.sha256).digest()


def _expand(key: bytes, label: str, length: int) -> bytes:
    out = b''
    counter = 0
    while len(out) < length:
        out += _prf(key, label, str(counter))
        counter += 1
    return out[:length]


def decoy_credentials(key: bytes, identifier: str) -> list[dict]:
    """Stable fake ``allowCredentials`` entries for an identifier.

    Args:
        key: the decoy HMAC key (same on every node).
        identifier: what the client asked for (a user ID, or
            ``name@domain``), never anything secret.
    Returns:
        One to three W3C PublicKeyCredentialDescriptorJSON dicts.
    """
    seed = _prf(key, 'decoy', identifier)
    count = 1 + seed[0] % 3
    length, transports = _SHAPES[seed[1] % len(_SHAPES)]
    return [{'id': bytes_to_base64url(
                _expand(key, 'decoy:%s:%d' % (identifier, i), length)),
             'type': 'public-key',
             'transports': list(transports)}
            for i in range(count)]
