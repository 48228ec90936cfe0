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
"""The OpenID provider's token endpoint, on authlib's authorization server.

authlib does the protocol (RFC 6749 request parsing, client
authentication, grant dispatch, errors per section 5.2 with
``WWW-Authenticate`` on ``invalid_client``); this module adapts the
plugin's clients to authlib's ``ClientMixin`` and issues the tokens:
JWT access tokens per RFC 9068 signed with the domain's key. One server
per request: the domain comes from the path.

Grants so far: ``client_credentials``, for a confidential client bound to
a service account (the token's ``sub``).
"""

import time
import typing as ty
import urllib.parse
import uuid

import flask
from authlib.integrations import flask_oauth2
from authlib.oauth2 import rfc6749
from authlib.oauth2.rfc6749 import errors
from authlib.oauth2.rfc6749 import grants
from joserfc import jwt
from keystone.common import provider_api
from keystone import exception

from keystone_ng_plugin.common import discovery
from keystone_ng_plugin.common import text as ng_text
from keystone_ng_plugin.oauth2 import clients
from keystone_ng_plugin.oauth2 import keys
import keystone_ng_plugin.conf

CONF = keystone_ng_plugin.conf.CONF
PROVIDERS = provider_api.ProviderAPIs
AUTH_METHODS = ['client_secret_basic', 'client_secret_post']


def issuer(domain_id: str) -> str:
    """The issuer of a domain's provider."""
    return discovery.v4_url('oauth2/%s' % urllib.parse.quote(domain_id,
                                                             safe=''))


def audience(domain_id: str) -> str:
    """The audience of access tokens for OpenStack's APIs (the Rust
    Keystone-NG's)."""
    return 'openstack-apis:%s' % domain_id


class Client(rfc6749.ClientMixin):
    """A client of the plugin as authlib sees it; ``ref`` None is an
    unknown client, which fails authentication at the cost of a known
    one."""

    def __init__(self, client_id: str, ref: ty.Optional[dict]):
        self.client_id, self.ref = client_id, ref

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        uris = (self.ref or {}).get('redirect_uris') or []
        return uris[0] if uris else None

    def get_allowed_scope(self, scope):
        allowed = (self.ref or {}).get('allowed_scopes', [])
        if not scope:
            return ''
        return ' '.join(s for s in rfc6749.scope_to_list(scope)
                        if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in (self.ref or {}).get('redirect_uris', [])

    def check_client_secret(self, client_secret):
        return clients.get_manager().verify_secret(
            self.client_id if self.ref else None, client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        if self.ref is None:
            return True  # its secret check fails, at the same cost
        return method == self.ref['token_endpoint_auth_method']

    def check_response_type(self, response_type):
        return response_type == 'code'

    def check_grant_type(self, grant_type):
        return grant_type in (self.ref or {}).get('grant_types', [])


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def validate_requested_scope(self):
        requested = rfc6749.scope_to_list(self.request.payload.scope) or []
        allowed = self.request.client.ref['allowed_scopes']
        if not set(requested) <= set(allowed):
            raise errors.InvalidScopeError(
                'the client may ask for: %s' % ' '.join(allowed))


class Server(flask_oauth2.AuthorizationServer):
    """The authorization server of one domain's provider."""

    def __init__(self, domain_id: str):
        super().__init__(query_client=self._client,
                         save_token=lambda token, request: None)
        self.domain_id = domain_id
        self.register_token_generator('default', self._token)
        self.register_grant(ClientCredentialsGrant)

    def _client(self, client_id):
        # from a Basic header, decoded after the edge's checks
        if (not isinstance(client_id, str) or len(client_id) > 64 or
                ng_text.is_hostile(client_id)):
            return Client(client_id, None)
        return Client(client_id,
                      clients.get_manager().find(self.domain_id, client_id))

    def _subject(self, client: Client) -> str:
        account = client.ref.get('service_account_id')
        try:
            user = PROVIDERS.identity_api.get_user(account)
        except exception.UserNotFound:
            user = None
        if user is None or not user.get('enabled', True):
            raise errors.InvalidGrantError(
                'the service account of the client is disabled or gone')
        return account

    def _token(self, grant_type, client, user=None, scope=None,
               expires_in=None, include_refresh_token=True):
        subject = self._subject(client)
        try:
            kid, algorithm, key = keys.signing_key(self.domain_id)
        except exception.NotFound:
            raise errors.OAuth2Error(
                description='the domain has no signing key yet',
                status_code=503, error='temporarily_unavailable')
        lifetime = CONF.oauth2.access_token_lifetime_minutes * 60
        now = int(time.time())
        claims = {'iss': issuer(self.domain_id), 'sub': subject,
                  'aud': audience(self.domain_id),
                  'client_id': client.get_client_id(), 'jti': uuid.uuid4().hex,
                  'iat': now, 'nbf': now, 'exp': now + lifetime}
        if scope:
            claims['scope'] = scope
        token = jwt.encode({'alg': algorithm, 'kid': kid, 'typ': 'at+jwt'},
                           claims, key)
        body = {'access_token': token, 'token_type': 'Bearer',
                'expires_in': lifetime}
        if scope:
            body['scope'] = scope
        return body


def token_response(domain_id: str) -> flask.Response:
    """The token endpoint's answer to this request."""
    return Server(domain_id).create_token_response()
