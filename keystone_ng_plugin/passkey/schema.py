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
"""JSON schemas of the passkey API (validation and the OpenAPI document)."""

import copy

from keystone_ng_plugin.common import schema as common_schema

_description = {'type': ['string', 'null'], 'maxLength': 255}
_b64url = {'type': 'string', 'minLength': 1, 'maxLength': 65536,
           'pattern': '^[A-Za-z0-9_-]+={0,2}$'}
_id = {'type': 'string', 'minLength': 1, 'maxLength': 64}

# The v3 scope object, shared with the other logins.
scope = common_schema.scope

user_reference = {
    'type': 'object',
    'description': 'The user: by ID, or by name and domain.',
    'properties': {
        'id': _id,
        'name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'domain': {
            'type': 'object',
            'properties': {'id': _id,
                           'name': {'type': 'string', 'minLength': 1,
                                    'maxLength': 64}},
            'minProperties': 1,
            'additionalProperties': False,
        },
    },
    'oneOf': [{'required': ['id']}, {'required': ['name', 'domain']}],
    'additionalProperties': False,
}

# W3C JSON of credentials; the Rust clients' snake_case names are accepted.
_response = {
    'type': 'object',
    'properties': {
        name: _b64url for name in (
            'clientDataJSON', 'client_data_json', 'attestationObject',
            'attestation_object', 'authenticatorData', 'authenticator_data',
            'signature', 'publicKey', 'public_key')
    },
}
_response['properties'].update({
    'userHandle': {'type': ['string', 'null'], 'maxLength': 1024},
    'user_handle': {'type': ['string', 'null'], 'maxLength': 1024},
    'transports': {'type': 'array', 'items': {'type': 'string',
                                              'maxLength': 32},
                   'maxItems': 16},
    'publicKeyAlgorithm': {'type': 'integer'},
})

_credential_properties = {
    'id': _b64url,
    'rawId': _b64url,
    'raw_id': _b64url,
    'type': {'type': 'string', 'maxLength': 32},
    'type_': {'type': 'string', 'maxLength': 32},
    'response': _response,
    'authenticatorAttachment': {'type': ['string', 'null'],
                                'maxLength': 32},
    'clientExtensionResults': {'type': 'object'},
    'extensions': {'type': 'object'},
}

registration_response = {
    'type': 'object',
    'description': 'RegistrationResponseJSON (credential.toJSON()), plus '
                   'an optional description.',
    'properties': dict(_credential_properties, description=_description),
    'required': ['id', 'response'],
}

authentication_response = {
    'type': 'object',
    'description': 'AuthenticationResponseJSON (credential.toJSON()), plus '
                   'an optional user_id.',
    'properties': dict(_credential_properties, user_id=_id),
    'required': ['id', 'response'],
}

register_start_request = {
    'type': 'object',
    'properties': {
        'passkey': {
            'type': 'object',
            'properties': {'description': _description},
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}

public_key_options = {
    'type': 'object',
    'required': ['public_key'],
    'properties': {
        'public_key': {
            'type': 'object',
            'description': 'W3C PublicKeyCredential*OptionsJSON: give it to '
                           'PublicKeyCredential.parse*OptionsFromJSON().',
            'required': ['challenge'],
            'properties': {
                'challenge': {'type': 'string'},
                'rp': {'type': 'object'},
                'rpId': {'type': 'string'},
                'user': {'type': 'object'},
                'allowCredentials': {'type': 'array'},
                'excludeCredentials': {'type': 'array'},
                'timeout': {'type': 'integer'},
                'userVerification': {'type': 'string'},
            },
        },
        'origins': {
            'type': 'array', 'items': {'type': 'string'},
            'description': 'The origins this relying party accepts in '
                           'clientDataJSON (beyond): what a native client '
                           '(python-fido2, the v4passkey plugin) puts '
                           'there; browsers use their own.',
        },
    },
}

passkey = {
    'type': 'object',
    'required': ['id', 'user_id', 'credential_id', 'created_at'],
    'properties': {
        'id': {'type': 'string'},
        'user_id': {'type': 'string'},
        'credential_id': {'type': 'string',
                          'description': 'WebAuthn credential ID '
                                         '(base64url).'},
        'description': {'type': ['string', 'null']},
        'aaguid': {'type': ['string', 'null']},
        'transports': {'type': 'array', 'items': {'type': 'string'}},
        'backup_eligible': {'type': 'boolean'},
        'backed_up': {'type': 'boolean'},
        'user_verified': {'type': 'boolean'},
        'sign_count': {'type': 'integer'},
        'created_at': {'type': 'string', 'format': 'date-time'},
        'last_used_at': {'type': ['string', 'null'], 'format': 'date-time'},
    },
    'additionalProperties': False,
}

passkey_response = {
    'type': 'object',
    'required': ['passkey'],
    'properties': {'passkey': passkey},
}

passkeys_response = {
    'type': 'object',
    'required': ['passkeys', 'links'],
    'properties': {
        'passkeys': {'type': 'array', 'items': passkey},
        'links': {
            'type': 'object',
            'properties': {
                'self': {'type': 'string'},
                'next': {'type': ['string', 'null']},
                'previous': {'type': ['string', 'null']},
            },
        },
    },
}

passkeys_query = {
    'type': 'object',
    'properties': dict(common_schema.PAGE_QUERY),
    'additionalProperties': False,
}

passkey_update_request = {
    'type': 'object',
    'required': ['passkey'],
    'properties': {
        'passkey': {
            'type': 'object',
            'required': ['description'],
            'properties': {'description': _description},
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}

login_start_request = {
    'type': 'object',
    'properties': {
        'passkey': {
            'type': 'object',
            'description': 'Who logs in (user_id, or user by name and '
                           'domain; neither: usernameless) and the scope '
                           'of the token that finish returns.',
            'properties': {
                'user_id': _id,
                'user': user_reference,
                'scope': scope,
            },
            'not': {'required': ['user_id', 'user']},
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}

# What the keystone auth method "passkey" accepts in POST /v3/auth/tokens:
# without an assertion it answers 401 with the request options.
auth_method_payload = {
    'type': 'object',
    'properties': dict(copy.deepcopy(_credential_properties),
                       user=user_reference,
                       credential=authentication_response),
}
