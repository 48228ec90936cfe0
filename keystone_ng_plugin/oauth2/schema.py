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
"""JSON schemas of the OpenID provider's client API (the Rust
Keystone-NG's ``oauth2_client`` body, plus ``name``,
``post_logout_redirect_uris`` and ``service_account_id``)."""

GRANT_TYPES = ('authorization_code', 'refresh_token', 'client_credentials',
               'device_code',
               'urn:ietf:params:oauth:grant-type:token-exchange')
AUTH_METHODS = ('client_secret_basic', 'client_secret_post', 'none')

_id = {'type': 'string', 'minLength': 1, 'maxLength': 64}
# in the path: URL-safe characters only
_provider_id = {'type': 'string', 'minLength': 1, 'maxLength': 64,
                'pattern': '^[A-Za-z0-9._~-]+$'}
_uris = {'type': 'array', 'maxItems': 32, 'uniqueItems': True,
         'items': {'type': 'string', 'minLength': 1, 'maxLength': 2048}}
# RFC 6749 section 3.3 scope-token
_scopes = {'type': 'array', 'maxItems': 64, 'uniqueItems': True,
           'items': {'type': 'string', 'minLength': 1, 'maxLength': 128,
                     'pattern': '^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$'}}
_writable = {
    'name': {'type': ['string', 'null'], 'maxLength': 255,
             'description': 'Shown to users on the consent page.'},
    'enabled': {'type': 'boolean'},
    'grant_types': {'type': 'array', 'minItems': 1, 'uniqueItems': True,
                    'items': {'type': 'string', 'enum': list(GRANT_TYPES)},
                    'description': 'Default: authorization_code.'},
    'redirect_uris': dict(_uris, description=(
        'Exact matches (no wildcard): https, http on a loopback address, '
        'or a private-use scheme with a dot (RFC 8252).')),
    'post_logout_redirect_uris': dict(_uris, description=(
        'Where end_session may send the browser back to.')),
    'allowed_scopes': dict(_scopes, description=(
        'Default: openid, profile, email.')),
    'require_pkce': {'type': 'boolean',
                     'description': 'Default true; always true for public '
                                    'clients.'},
    'pre_authorized': {'type': 'boolean',
                       'description': 'No consent page (admins only).'},
    'token_endpoint_auth_method': {
        'type': 'string', 'enum': list(AUTH_METHODS),
        'description': 'Confidential clients: client_secret_basic '
                       '(default) or client_secret_post; public ones: '
                       'none.'},
    'service_account_id': {
        'type': ['string', 'null'], 'minLength': 1, 'maxLength': 64,
        'description': 'The service account of the domain whose tokens '
                       'the client_credentials grant gives.'},
    'token_restriction_id': {
        'type': ['string', 'null'], 'minLength': 1, 'maxLength': 64,
        'description': 'With service_account_id: the token restriction '
                       '(of the domain, with a project) of the keystone '
                       'tokens that the client\'s access tokens with the '
                       'scope openstack log in to.'},
}

oauth2_client_create = {
    'type': 'object',
    'required': ['oauth2_client'],
    'properties': {'oauth2_client': {
        'type': 'object',
        'required': ['provider_id', 'confidential'],
        'properties': dict(_writable, provider_id=_provider_id,
                           confidential={'type': 'boolean'}),
        'additionalProperties': False}},
    'additionalProperties': False,
}

oauth2_client_update = {
    'type': 'object',
    'required': ['oauth2_client'],
    'properties': {'oauth2_client': {
        'type': 'object', 'minProperties': 1,
        'properties': _writable,
        'additionalProperties': False}},
    'additionalProperties': False,
}

_timestamp = {'type': ['string', 'null'], 'format': 'date-time'}
oauth2_client = {
    'type': 'object',
    'required': ['client_id', 'provider_id', 'domain_id', 'confidential',
                 'enabled', 'grant_types', 'redirect_uris',
                 'allowed_scopes', 'require_pkce', 'pre_authorized',
                 'token_endpoint_auth_method', 'created_at'],
    'properties': dict(
        _writable, client_id=_id, provider_id=_provider_id, domain_id=_id,
        confidential={'type': 'boolean'}, created_at=_timestamp,
        updated_at=_timestamp),
    'additionalProperties': False,
}

_secret = {'type': 'string', 'description': 'Shown this once only.'}

oauth2_client_response = {
    'type': 'object', 'required': ['oauth2_client'],
    'properties': {'oauth2_client': oauth2_client,
                   'client_secret': _secret},
    'additionalProperties': False,
}

oauth2_clients_response = {
    'type': 'object', 'required': ['oauth2_clients', 'links'],
    'properties': {'oauth2_clients': {'type': 'array',
                                      'items': oauth2_client},
                   'links': {'type': 'object'}},
}

oauth2_clients_query = {
    'type': 'object',
    'properties': {'enabled': {'type': 'string',
                               'enum': ['true', 'false']},
                   'limit': {'type': 'string', 'pattern': '^[1-9][0-9]{0,5}$'},
                   'marker': _provider_id},
    'additionalProperties': False,
}

secret_response = {
    'type': 'object', 'required': ['client_secret'],
    'properties': {'client_secret': _secret},
    'additionalProperties': False,
}
