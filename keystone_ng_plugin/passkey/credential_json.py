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
"""The W3C JSON forms of WebAuthn credentials, parsed before any state.

Everything here is pure: a malformed request is rejected (MalformedCredential,
answered with 400) before its challenge is looked up, so a garbled request
never consumes a ceremony. The Rust Keystone-NG clients' snake_case spelling
(``raw_id``, ``type_``, ``client_data_json``, ...) is accepted too.
"""

import binascii
import dataclasses
import json
import typing as ty

from webauthn.helpers import bytes_to_base64url
from webauthn.helpers import exceptions as wa_exceptions
from webauthn.helpers import parse_attestation_object
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers import parse_authenticator_data
from webauthn.helpers import parse_client_data_json
from webauthn.helpers import parse_registration_credential_json
from webauthn.helpers import structs

_SNAKE_TO_W3C = {
    'raw_id': 'rawId',
    'type_': 'type',
    'client_data_json': 'clientDataJSON',
    'attestation_object': 'attestationObject',
    'authenticator_data': 'authenticatorData',
    'user_handle': 'userHandle',
    'authenticator_attachment': 'authenticatorAttachment',
    'client_extension_results': 'clientExtensionResults',
    'extensions': 'clientExtensionResults',
}
_BINARY_FIELDS = ('rawId', 'clientDataJSON', 'attestationObject',
                  'authenticatorData', 'signature', 'userHandle')


class MalformedCredential(ValueError):
    """The credential is not well-formed JSON, base64url or CBOR."""


@dataclasses.dataclass(frozen=True)
class ParsedRegistration:
    credential: structs.RegistrationCredential
    challenge: str            # base64url of the challenge, no padding
    transports: list[str]


@dataclasses.dataclass(frozen=True)
class ParsedAuthentication:
    credential: structs.AuthenticationCredential
    challenge: str
    user_handle: ty.Optional[bytes]


def _strip_padding(value):
    return value.rstrip('=') if isinstance(value, str) else value


def normalize(body: dict) -> dict:
    """W3C camelCase keys, unpadded base64url, unknown keys dropped."""
    if not isinstance(body, dict):
        raise MalformedCredential('credential must be a JSON object')
    out = {}
    for key, value in body.items():
        key = _SNAKE_TO_W3C.get(key, key)
        if key == 'response':
            if not isinstance(value, dict):
                raise MalformedCredential('response must be an object')
            value = {_SNAKE_TO_W3C.get(k, k): v for k, v in value.items()}
            value = {k: (_strip_padding(v) if k in _BINARY_FIELDS else v)
                     for k, v in value.items()}
        elif key in _BINARY_FIELDS:
            value = _strip_padding(value)
        out[key] = value
    if out.get('type') in ('PublicKey', 'public_key'):
        out['type'] = 'public-key'
    if isinstance(out.get('id'), str):
        out['id'] = _strip_padding(out['id'])
    return out


def _challenge(client_data_json: bytes) -> str:
    try:
        client_data = parse_client_data_json(client_data_json)
    except Exception as exc:
        raise MalformedCredential('clientDataJSON is malformed') from exc
    return bytes_to_base64url(client_data.challenge)


def _parse(parser, body: dict):
    try:
        return parser(normalize(body))
    except (wa_exceptions.InvalidJSONStructure, binascii.Error, ValueError,
            TypeError, KeyError) as exc:
        if isinstance(exc, MalformedCredential):
            raise
        raise MalformedCredential(str(exc) or type(exc).__name__) from exc


def parse_registration(body: dict) -> ParsedRegistration:
    """Parse a RegistrationResponseJSON (``credential.toJSON()``)."""
    credential = _parse(parse_registration_credential_json, body)
    try:
        parse_attestation_object(credential.response.attestation_object)
    except Exception as exc:
        raise MalformedCredential('attestationObject is malformed') from exc
    transports = [t.value for t in (credential.response.transports or [])]
    return ParsedRegistration(
        credential=credential,
        challenge=_challenge(credential.response.client_data_json),
        transports=transports)


def parse_authentication(body: dict) -> ParsedAuthentication:
    """Parse an AuthenticationResponseJSON."""
    credential = _parse(parse_authentication_credential_json, body)
    try:
        parse_authenticator_data(credential.response.authenticator_data)
    except Exception as exc:
        raise MalformedCredential('authenticatorData is malformed') from exc
    return ParsedAuthentication(
        credential=credential,
        challenge=_challenge(credential.response.client_data_json),
        user_handle=credential.response.user_handle)


def options_json(options) -> dict:
    """py_webauthn options as the W3C JSON dict."""
    from webauthn import options_to_json
    return json.loads(options_to_json(options))
