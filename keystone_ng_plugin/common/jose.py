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
"""JWT verification (RFC 7519 / RFC 7515) for federation and workload login.

Pure functions over PyJWT: no storage, no HTTP. The policy is fixed here so
every caller gets it: asymmetric algorithms only (never ``none`` or HMAC, so
an HS256 token "signed" with a public key is refused), ``iss`` must match,
``aud`` must intersect the allowed audiences, ``exp`` is required and
``nbf``/``iat`` are checked, all with a leeway; oversized tokens are refused
before parsing.
"""

import dataclasses
import json
import typing as ty

import jwt
from cryptography.hazmat.primitives import serialization

from keystone_ng_plugin.common import text as ng_text

ASYMMETRIC_ALGORITHMS = ('RS256', 'RS384', 'RS512', 'PS256', 'PS384',
                         'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA')
MAX_TOKEN_BYTES = 16384
DEFAULT_LEEWAY = 30


class InvalidJWT(Exception):
    """The token is malformed, or fails a check; the message says which."""


class UnknownKey(InvalidJWT):
    """No key matches the token's ``kid`` (the caller may refresh JWKS)."""


@dataclasses.dataclass(frozen=True)
class VerificationKey:
    """A public key that may sign tokens."""

    key: ty.Any                      # a cryptography public key
    kid: ty.Optional[str] = None
    algorithm: ty.Optional[str] = None


@dataclasses.dataclass(frozen=True)
class VerifiedJWT:
    header: dict
    claims: dict


def keys_from_jwks(jwks: dict) -> list[VerificationKey]:
    """Signing keys of a JWKS document (keys for encryption are skipped).

    Raises:
        InvalidJWT: the document is not a JWKS.
    """
    if not isinstance(jwks, dict) or not isinstance(jwks.get('keys'), list):
        raise InvalidJWT('not a JWKS document')
    keys = []
    for entry in jwks['keys']:
        if not isinstance(entry, dict) or entry.get('use', 'sig') != 'sig':
            continue
        try:
            parsed = jwt.PyJWK(entry)
        except (jwt.exceptions.PyJWKError, jwt.InvalidKeyError,
                ValueError, TypeError):
            continue  # unsupported or private-only: not ours to use
        if parsed.algorithm_name in ('HS256', 'HS384', 'HS512'):
            continue
        keys.append(VerificationKey(key=parsed.key, kid=parsed.key_id,
                                    algorithm=entry.get('alg')))
    return keys


def key_from_text(text: str) -> VerificationKey:
    """A key given as PEM (SubjectPublicKeyInfo) or as a JWK in JSON.

    Raises:
        InvalidJWT: neither a public PEM key nor a JWK.
    """
    text = text.strip()
    if text.startswith('{'):
        try:
            keys = keys_from_jwks({'keys': [json.loads(text)]})
        except ValueError as exc:
            raise InvalidJWT('not a JWK: %s' % exc)
        if not keys:
            raise InvalidJWT('not a usable public signing JWK')
        return keys[0]
    try:
        return VerificationKey(key=serialization.load_pem_public_key(
            text.encode('ascii')))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise InvalidJWT('not a PEM public key: %s' % exc)


def _candidates(keys, kid):
    if kid is None:
        return list(keys)
    matching = [k for k in keys if k.kid == kid]
    if not matching:
        raise UnknownKey('no key with kid %s' % kid)
    return matching


def parse_unverified(token: str, *, max_bytes: int = MAX_TOKEN_BYTES,
                     algorithms: ty.Collection[str] = ASYMMETRIC_ALGORITHMS
                     ) -> dict:
    """Check that a token is a compact JWS that could be verified at all,
    before anything is fetched to verify it.

    Returns:
        The (unverified) header.
    Raises:
        InvalidJWT: not a string, too large, not three base64url JSON
            parts with an object payload, or an algorithm not allowed.
    """
    if not isinstance(token, str) or not token:
        raise InvalidJWT('no token')
    if len(token.encode('utf-8', 'replace')) > max_bytes:
        raise InvalidJWT('token larger than %d bytes' % max_bytes)
    try:
        header = jwt.get_unverified_header(token)
        jwt.decode(token, options={'verify_signature': False})
    except jwt.exceptions.PyJWTError as exc:
        raise InvalidJWT('malformed token: %s' % exc)
    except (ValueError, TypeError) as exc:
        raise InvalidJWT('malformed token: %s' % exc)
    alg = header.get('alg')
    allowed = [a for a in algorithms if a in ASYMMETRIC_ALGORITHMS]
    if alg not in allowed:
        raise InvalidJWT('algorithm %r is not allowed' % alg)
    kid = header.get('kid')
    if kid is not None and not isinstance(kid, str):
        raise InvalidJWT('malformed kid')
    return header


def verify_jwt(token: str, *, keys: ty.Sequence[VerificationKey],
               issuer: str, audiences: ty.Optional[ty.Collection[str]],
               leeway: int = DEFAULT_LEEWAY,
               algorithms: ty.Collection[str] = ASYMMETRIC_ALGORITHMS,
               max_bytes: int = MAX_TOKEN_BYTES) -> VerifiedJWT:
    """Verify a signed JWT and its registered claims.

    Args:
        token: the compact JWS.
        keys: the keys that may have signed it.
        issuer: the ``iss`` it must have.
        audiences: ``aud`` must contain one of them; None skips the check
            (only for tokens whose audience is checked otherwise).
        leeway: seconds of clock skew allowed for exp, nbf and iat.
        algorithms: allowed algorithms, asymmetric ones only.
        max_bytes: larger tokens are refused unparsed.
    Returns:
        The header and claims.
    Raises:
        UnknownKey: no key has the token's kid.
        InvalidJWT: anything else.
    """
    header = parse_unverified(token, max_bytes=max_bytes,
                              algorithms=algorithms)
    alg, kid = header['alg'], header.get('kid')
    last_error = None
    for candidate in _candidates(keys, kid):
        if candidate.algorithm and candidate.algorithm != alg:
            continue
        try:
            claims = jwt.decode(
                token, key=candidate.key, algorithms=[alg],
                issuer=issuer, audience=list(audiences) if audiences else None,
                leeway=leeway,
                options={'require': ['exp', 'iss'],
                         'verify_aud': bool(audiences),
                         'verify_iat': True, 'verify_nbf': True})
        except jwt.exceptions.InvalidSignatureError as exc:
            last_error = exc
            continue  # maybe another key without a kid
        except jwt.exceptions.InvalidKeyError as exc:
            last_error = exc
            continue  # a key of another type
        except jwt.exceptions.PyJWTError as exc:
            raise InvalidJWT(str(exc))
        iat = claims.get('iat')
        if iat is not None and not isinstance(iat, (int, float)):
            raise InvalidJWT('iat must be a number')
        if ng_text.find_hostile(claims):
            raise InvalidJWT('a claim holds a NUL or an unpaired surrogate')
        return VerifiedJWT(header=header, claims=claims)
    raise InvalidJWT('signature does not verify%s' % (
        ': %s' % last_error if last_error else ' (no key for %s)' % alg))
