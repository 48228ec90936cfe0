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
"""OIDC bearer tokens on keystone's own v3 federation auth route.

``POST|GET /v3/OS-FEDERATION/identity_providers/{idp}/protocols/{protocol}
/auth`` with ``Authorization: Bearer <token>``, for the protocols listed in
``[ng_federation] v3_oidc_protocols``: what mod_auth_openidc does in front
of keystone, inside keystone. The token is verified, then its claims are
put in the request environment as mod_auth_openidc would (``OIDC-<claim>``,
plus the protocol's remote ID attribute set to the issuer), and keystone's
own v3 ``mapped`` auth runs: its mapping engine, shadow users and group
roles apply unchanged. keystoneauth's OIDC plugins (``v3oidcaccesstoken``,
``v3oidcclientcredentials``, ``v3oidcpassword``, ``v3oidcdeviceauthz``)
work against it with no change.

* A JWT (access or ID token) is verified against the IdP's keys: the
  plugin's IdP record with the same ID when there is one (its JWKS,
  discovery, static keys, bound issuer), else the discovery document of
  the v3 IdP's remote ID. Its audience must be one of ``[ng_federation]
  v3_bearer_audiences``.
* An opaque token goes to the IdP's RFC 7662 introspection endpoint with
  the client credentials of the plugin's IdP record; it must be active,
  not expired, and issued by the IdP.

* An access token of this keystone's own OpenID provider (the v3 IdP's
  remote ID is the issuer of a domain's provider,
  :mod:`keystone_ng_plugin.oauth2.openstack`) is verified against that
  domain's keys, must be live and granted the scope ``openstack``: a
  user's goes on to keystone's mapped auth (a ``local`` mapping: the same
  user), a service account's gets the account's restricted token here.

Requests without a bearer token, or for other protocols, are left to
keystone (a web server's ``REMOTE_USER`` and mod_auth_openidc keep
working).
"""

import re
import time
import typing as ty

import flask

from keystone.common import provider_api
from keystone import exception
from keystone.federation import utils as federation_utils

from keystone_ng_plugin.common import api as ng_api
from keystone_ng_plugin.common import compat
from keystone_ng_plugin.common import text as ng_text
from keystone_ng_plugin.common import throttle
import keystone_ng_plugin.conf
from keystone_ng_plugin.federation import errors
from keystone_ng_plugin.federation import flow
from keystone_ng_plugin.federation import metadata
from keystone_ng_plugin.federation import records
from keystone_ng_plugin.oauth2 import openstack as own_provider
from keystone_ng_plugin.token import restricted

CONF = keystone_ng_plugin.conf.CONF
PROVIDERS = provider_api.ProviderAPIs
PREFIX = 'OIDC-'
_ROUTE = re.compile(r'^/v3/OS-FEDERATION/identity_providers/(?P<idp>[^/]+)'
                    r'/protocols/(?P<protocol>[^/]+)/auth/?$')


# (domain ID, issuer) of this keystone's own OpenID provider
OwnProvider = tuple[str, str]


def _idp(idp_id: str) -> ty.Union[records.IdentityProvider, OwnProvider]:
    """The IdP record to verify with: the plugin's (if enabled), else
    (domain ID, issuer) when the v3 IdP is this keystone's own provider,
    else one made from the v3 IdP's (first) remote ID, taken as issuer and
    discovery URL."""
    try:
        return flow.enabled_idp(idp_id)
    except exception.NotFound:
        pass
    try:
        v3 = PROVIDERS.federation_api.get_idp(idp_id)
    except exception.IdentityProviderNotFound:
        raise errors.LoginRefused('no identity provider %s' % idp_id)
    if not v3.get('enabled', True):
        raise errors.IdpDisabled('identity provider %s is disabled' % idp_id)
    remote_ids = v3.get('remote_ids') or []
    own = own_provider.provider_of(remote_ids)
    if own is not None:
        return own
    if not remote_ids:
        raise errors.LoginRefused('identity provider %s has no remote ID' %
                                  idp_id)
    return records.IdentityProvider(
        id=idp_id, bound_issuer=remote_ids[0],
        oidc_discovery_url=remote_ids[0])


def _introspect(idp: records.IdentityProvider, token: str) -> dict:
    if not idp.oidc_client_id:
        raise errors.LoginRefused('opaque token and no client to introspect '
                                  'it with')
    try:
        endpoint = metadata.discovery(idp).get('introspection_endpoint')
        if not endpoint:
            raise errors.LoginRefused('the identity provider has no '
                                      'introspection endpoint')
        answer = metadata.post_form(
            endpoint, data={'token': token,
                            'token_type_hint': 'access_token'},
            auth=flow.client_auth(idp))
        issuer = metadata.issuer(idp)
    except metadata.MetadataError as exc:
        raise flow.idp_failure(exc)
    if answer.get('active') is not True:
        raise errors.LoginRefused('introspection: token not active')
    if ng_text.find_hostile(answer):
        raise errors.LoginRefused('introspection: a claim holds a NUL or an '
                                  'unpaired surrogate')
    if isinstance(answer.get('exp'), (int, float)) and \
            answer['exp'] < time.time():
        raise errors.LoginRefused('introspection: token expired')
    if answer.get('iss', issuer) != issuer:
        raise errors.LoginRefused('introspection: token of another issuer')
    answer.setdefault('iss', issuer)
    return answer


def verified_claims(idp: records.IdentityProvider, token: str) -> dict:
    """The claims of a bearer token of this IdP (LoginRefused if refused).
    """
    if len(token) > CONF.ng_federation.max_token_bytes:
        raise errors.LoginRefused('bearer token too large')
    if token.count('.') != 2:
        return _introspect(idp, token)
    audiences = CONF.ng_federation.v3_bearer_audiences
    if not audiences:
        raise errors.LoginRefused('[ng_federation] v3_bearer_audiences is '
                                  'empty')
    return flow.verified_claims(idp, token, audiences, what='bearer token')


def _environ_value(value) -> ty.Optional[str]:
    """A claim as mod_auth_openidc passes it: strings as they are, lists
    joined with ",", numbers and booleans as text; objects left out. WSGI
    environ values are latin-1 decoded bytes (keystone re-decodes UTF-8)."""
    if isinstance(value, bool):
        value = 'true' if value else 'false'
    elif isinstance(value, (int, float)):
        value = str(value)
    elif isinstance(value, list) and all(
            isinstance(v, (str, int, float)) for v in value):
        value = ','.join(str(v) for v in value)
    if not isinstance(value, str):
        return None
    return value.encode('utf-8').decode('latin-1')


def handle_bearer():
    """before_request: verify a bearer token on a handed-over protocol and
    expose its claims to keystone's mapped auth (which issues the token
    and audits it; refusals here are audited here)."""
    match = _ROUTE.match(flask.request.path or '')
    if not match or match.group('protocol') not in \
            CONF.ng_federation.v3_oidc_protocols:
        return None
    token = flow.bearer_token()
    if token is None:
        return None
    # This is the authentication decision keystone's route relies on.
    compat.mark_enforced()
    throttle.check()
    idp_id, protocol = match.group('idp'), match.group('protocol')
    with flow.attempt(flow.V3_BEARER, idp_id, protocol) as current:
        idp = _idp(idp_id)
        if isinstance(idp, tuple):
            claims, restriction_id = _own_provider_claims(idp, token)
            if restriction_id is not None:
                return _service_account_login(current, protocol, claims,
                                              restriction_id)
        else:
            claims = verified_claims(idp, token)
        expose_claims(idp_id, protocol, claims)
        current.hand_over()
    return None


def _own_provider_claims(provider: OwnProvider, token: str
                         ) -> tuple[dict, ty.Optional[str]]:
    """(claims, the restriction of a service account's token or None) of
    an access token of this keystone's own provider."""
    domain_id, issuer = provider
    try:
        claims = own_provider.login_claims(domain_id, issuer, token)
        return claims, own_provider.service_account_restriction(
            domain_id, claims)
    except own_provider.Refused as exc:
        raise errors.LoginRefused(str(exc))


def _service_account_login(current: flow.Attempt, protocol: str,
                           claims: dict, restriction_id: str):
    """A service account's restricted token, answered as keystone's route
    answers (201, X-Subject-Token): keystone's mapped auth would give it
    an unrestricted one."""
    current.user_id = claims['sub']
    if protocol not in CONF.auth.methods:
        # as keystone refuses a federated login of a method it lacks
        raise errors.LoginRefused('protocol %s is not in [auth] methods'
                                  % protocol)
    current.token = restricted.issue_for_service_account(
        claims['sub'], restriction_id, methods=[protocol])
    return ng_api.token_response(current.token)


def expose_claims(idp_id: str, protocol: str, claims: dict):
    """Put verified claims in this request's environment as
    mod_auth_openidc does, for keystone's mapped auth to read."""
    environ = flask.request.environ
    for name, value in claims.items():
        text = _environ_value(value)
        if text is not None:
            environ[PREFIX + name] = text
    try:
        remote_id_attribute = federation_utils.get_remote_id_parameter(
            PROVIDERS.federation_api.get_idp(idp_id), protocol)
    except exception.Error:
        remote_id_attribute = None
    if remote_id_attribute:
        environ[remote_id_attribute] = _environ_value(claims['iss'])


def setup(app):
    app.before_request(handle_bearer)
