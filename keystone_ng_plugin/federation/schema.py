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
"""JSON schemas of the identity provider API."""

import copy

from keystone_ng_plugin.common import schema as common_schema

# Printable ASCII: Python's re and the document's ECMA-262 dialect agree on
# it (they do not on \\s). A URL that does not parse is a 400 as well.
URL_PATTERN = '^https?://[!-~]+$'
_url = {'type': ['string', 'null'], 'maxLength': 255,
        'pattern': URL_PATTERN}
_long_url = dict(_url, maxLength=2048)
_string = {'type': ['string', 'null'], 'maxLength': 255}
_strings = {'type': ['array', 'null'], 'maxItems': 64,
            'items': {'type': 'string', 'minLength': 1, 'maxLength': 255}}

_idp_properties = {
    'name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
    'enabled': {'type': 'boolean'},
    'oidc_discovery_url': _url,
    'oidc_client_id': _string,
    'oidc_client_secret': dict(_string, writeOnly=True,
                               description='Write-only; stored encrypted '
                                           "with keystone's credential "
                                           'keys; null clears it.'),
    'oidc_response_mode': {'type': ['string', 'null'], 'maxLength': 64},
    'oidc_response_types': _strings,
    'jwks_url': _long_url,
    'jwt_validation_pubkeys': {
        'type': ['array', 'null'], 'maxItems': 16,
        'description': 'PEM public keys (or JWKs as JSON) that sign the '
                       "IdP's JWTs, besides its JWKS.",
        'items': {'type': 'string', 'minLength': 1, 'maxLength': 16384}},
    'bound_issuer': _string,
    'default_mapping_name': _string,
    'oidc_scopes': _strings,
    'allowed_redirect_uris': {
        'type': ['array', 'null'], 'maxItems': 64,
        'items': {'type': 'string', 'maxLength': 2048,
                  'pattern': URL_PATTERN}},
    'provider_config': {'type': ['object', 'null']},
}

identity_provider_create = {
    'type': 'object',
    'required': ['identity_provider'],
    'properties': {
        'identity_provider': {
            'type': 'object',
            'required': ['name'],
            'properties': dict(
                copy.deepcopy(_idp_properties),
                domain_id={'type': ['string', 'null'], 'minLength': 1,
                           'maxLength': 64,
                           'description': 'Owning domain; absent or null: '
                                          'a global IdP.'}),
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}

identity_provider_update = {
    'type': 'object',
    'required': ['identity_provider'],
    'properties': {
        'identity_provider': {
            'type': 'object',
            'description': 'Fields to change; null clears. domain_id cannot '
                           'change.',
            'properties': copy.deepcopy(_idp_properties),
            'minProperties': 1,
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}

_view_properties = {k: v for k, v in copy.deepcopy(_idp_properties).items()
                    if k != 'oidc_client_secret'}
_view_properties.update(
    id={'type': 'string'},
    domain_id={'type': ['string', 'null']})

identity_provider = {
    'type': 'object',
    'required': ['id', 'name', 'domain_id', 'enabled'],
    'properties': _view_properties,
    'additionalProperties': False,
}

identity_provider_response = {
    'type': 'object',
    'required': ['identity_provider'],
    'properties': {'identity_provider': identity_provider},
}

identity_providers_response = {
    'type': 'object',
    'required': ['identity_providers', 'links'],
    'properties': {
        'identity_providers': {'type': 'array', 'items': identity_provider},
        'links': {'type': 'object'},
    },
}

identity_providers_query = {
    'type': 'object',
    'properties': {
        **common_schema.PAGE_QUERY,
        'name': {'type': 'string', 'maxLength': 255},
        'domain_id': {'type': 'string', 'maxLength': 64},
    },
    'additionalProperties': False,
}

# Mappings: the typed model of the contract (type oidc or jwt).
_claim = {'type': 'string', 'minLength': 1, 'maxLength': 255}
_id_or_null = {'type': ['string', 'null'], 'minLength': 1, 'maxLength': 64}
_mapping_properties = {
    'name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
    'enabled': {'type': 'boolean'},
    'allowed_redirect_uris': {
        'type': ['array', 'null'], 'maxItems': 64,
        'items': {'type': 'string', 'maxLength': 2048,
                  'pattern': URL_PATTERN}},
    'user_id_claim': _claim,
    'user_name_claim': _claim,
    'domain_id_claim': dict(_claim, type=['string', 'null']),
    'groups_claim': dict(_claim, type=['string', 'null']),
    'bound_audiences': _strings,
    'bound_subject': _string,
    'bound_claims': {
        'type': ['object', 'null'], 'maxProperties': 32,
        'description': 'Each claim must equal the given JSON value.'},
    'oidc_scopes': _strings,
    'token_project_id': _id_or_null,
    'token_restriction_id': _id_or_null,
    'service_account_id': _id_or_null,
}

mapping_create = {
    'type': 'object',
    'required': ['mapping'],
    'properties': {
        'mapping': {
            'type': 'object',
            'required': ['name', 'idp_id', 'user_id_claim',
                         'user_name_claim'],
            'properties': dict(
                copy.deepcopy(_mapping_properties),
                idp_id={'type': 'string', 'minLength': 1, 'maxLength': 64},
                domain_id=_id_or_null,
                type={'type': 'string', 'enum': ['oidc', 'jwt']}),
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}

mapping_update = {
    'type': 'object',
    'required': ['mapping'],
    'properties': {
        'mapping': {
            'type': 'object',
            'description': 'Fields to change; null clears. idp_id, '
                           'domain_id and type cannot change.',
            'properties': copy.deepcopy(_mapping_properties),
            'minProperties': 1,
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}

mapping = {
    'type': 'object',
    'required': ['id', 'name', 'idp_id', 'type', 'enabled'],
    'properties': dict(copy.deepcopy(_mapping_properties),
                       id={'type': 'string'}, idp_id={'type': 'string'},
                       domain_id={'type': ['string', 'null']},
                       type={'type': 'string'}),
    'additionalProperties': False,
}

mapping_response = {
    'type': 'object',
    'required': ['mapping'],
    'properties': {'mapping': mapping},
}

mappings_response = {
    'type': 'object',
    'required': ['mappings', 'links'],
    'properties': {
        'mappings': {'type': 'array', 'items': mapping},
        'links': {'type': 'object'},
    },
}

mappings_query = {
    'type': 'object',
    'properties': {
        **common_schema.PAGE_QUERY,
        'name': {'type': 'string', 'maxLength': 255},
        'idp_id': {'type': 'string', 'maxLength': 64},
        'domain_id': {'type': 'string', 'maxLength': 64},
        'type': {'type': 'string', 'enum': ['oidc', 'jwt']},
    },
    'additionalProperties': False,
}

oidc_auth_request = {
    'type': 'object',
    'required': ['redirect_uri'],
    'properties': {
        'redirect_uri': {'type': 'string', 'maxLength': 2048,
                         'pattern': URL_PATTERN},
        'mapping_name': {'type': 'string', 'minLength': 1,
                         'maxLength': 255},
        'mapping_id': {'type': 'string', 'minLength': 1, 'maxLength': 64,
                       'description': 'The mapping by ID (as the Rust '
                                      'Keystone-NG clients send it); '
                                      'mapping_name wins when both are '
                                      'given.'},
        'scope': dict(common_schema.scope,
                      description='The v3 scope of the token the callback '
                                  'returns: project or domain (a '
                                  'federated token cannot be system '
                                  'scoped).'),
    },
    'additionalProperties': False,
}

oidc_auth_response = {
    'type': 'object',
    'required': ['auth_url'],
    'properties': {'auth_url': {'type': 'string'}},
}

oidc_callback_request = {
    'type': 'object',
    'description': 'What the identity provider appended to redirect_uri: '
                   'state and code, or state and an OAuth2 error.',
    'required': ['state'],
    'properties': {
        'state': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'code': {'type': 'string', 'minLength': 1, 'maxLength': 4096},
        'error': {'type': 'string', 'maxLength': 255},
        'error_description': {'type': 'string', 'maxLength': 1024},
        'iss': {'type': 'string', 'maxLength': 2048,
                'description': 'RFC 9207 issuer identification; checked '
                               'when present.'},
        'session_state': {'type': 'string', 'maxLength': 1024},
    },
    'oneOf': [{'required': ['code']}, {'required': ['error']}],
    'additionalProperties': False,
}

# What an identity provider sends back to the WebSSO callback (query or
# form_post). Providers add parameters of their own (scope, authuser...):
# any other string parameter is accepted and ignored.
websso_callback_request = {
    'type': 'object',
    'description': 'What the identity provider appended to the callback '
                   'URL: state and code, or state and an OAuth2 error.',
    'required': ['state'],
    'properties': dict(oidc_callback_request['properties']),
    'additionalProperties': {'type': 'string', 'maxLength': 4096},
}
