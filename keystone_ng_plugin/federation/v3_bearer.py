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

Requests without a bearer token, or for other protocols, are left to
keystone (a web server's ``REMOTE_USER`` and mod_auth_openidc keep
working).
"""

import re
import time
import typing as ty

import flask
from oslo_log import log

from keystone.common import provider_api
from keystone.common.rbac_enforcer import enforcer
from keystone import exception

import keystone_ng_plugin.conf
from keystone_ng_plugin.common import jose
from keystone_ng_plugin.common import text as ng_text
from keystone_ng_plugin.common import throttle
from keystone_ng_plugin.federation import core
from keystone_ng_plugin.federation import login
from keystone_ng_plugin.federation import metadata

CONF = keystone_ng_plugin.conf.CONF
LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
PREFIX = 'OIDC-'
_ROUTE = re.compile(r'^/v3/OS-FEDERATION/identity_providers/(?P<idp>[^/]+)'
                    r'/protocols/(?P<protocol>[^/]+)/auth/?$')


def _idp(idp_id: str) -> dict:
    """The IdP record to verify with: the plugin's, else one made from the
    v3 IdP's (first) remote ID, taken as issuer and discovery URL."""
    try:
        return core.get_manager().get_for_login(idp_id)
    except exception.NotFound:
        pass
    try:
        v3 = PROVIDERS.federation_api.get_idp(idp_id)
    except exception.IdentityProviderNotFound:
        login.refuse('no identity provider %s' % idp_id)
    if not v3.get('enabled', True):
        login.refuse('identity provider %s is disabled' % idp_id)
    remote_ids = v3.get('remote_ids') or []
    if not remote_ids:
        login.refuse('identity provider %s has no remote ID' % idp_id)
    return {'id': idp_id, 'enabled': True, 'bound_issuer': remote_ids[0],
            'oidc_discovery_url': remote_ids[0], 'jwks_url': None,
            'jwt_validation_pubkeys': None, 'oidc_client_id': None}


def _introspect(idp: dict, token: str) -> dict:
    if not idp.get('oidc_client_id'):
        login.refuse('opaque token and no client to introspect it with')
    endpoint = metadata.discovery(idp).get('introspection_endpoint')
    if not endpoint:
        login.refuse('the identity provider has no introspection endpoint')
    answer = metadata.post_form(
        endpoint, data={'token': token, 'token_type_hint': 'access_token'},
        auth=(idp['oidc_client_id'],
              core.get_manager().client_secret(idp['id']) or ''))
    if answer.get('active') is not True:
        login.refuse('introspection: token not active')
    if ng_text.find_hostile(answer):
        login.refuse('introspection: a claim holds a NUL or an unpaired '
                     'surrogate')
    if isinstance(answer.get('exp'), (int, float)) and \
            answer['exp'] < time.time():
        login.refuse('introspection: token expired')
    if answer.get('iss', metadata.issuer(idp)) != metadata.issuer(idp):
        login.refuse('introspection: token of another issuer')
    answer.setdefault('iss', metadata.issuer(idp))
    return answer


def verified_claims(idp: dict, token: str) -> dict:
    """The claims of a bearer token of this IdP (401 if refused)."""
    if len(token) > CONF.ng_federation.max_token_bytes:
        login.refuse('bearer token too large')
    try:
        if token.count('.') == 2:
            audiences = CONF.ng_federation.v3_bearer_audiences
            if not audiences:
                login.refuse('[ng_federation] v3_bearer_audiences is empty')
            return metadata.verify_token(idp, token, audiences).claims
        return _introspect(idp, token)
    except jose.InvalidJWT as exc:
        login.refuse('bearer token refused: %s' % exc)
    except metadata.MetadataError as exc:
        from keystone_ng_plugin.federation import oidc
        oidc.idp_failure(exc)


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
    expose its claims to keystone's mapped auth."""
    match = _ROUTE.match(flask.request.path or '')
    if not match or match.group('protocol') not in \
            CONF.ng_federation.v3_oidc_protocols:
        return None
    header = flask.request.headers.get('Authorization', '')
    scheme, _, token = header.partition(' ')
    if scheme.lower() != 'bearer' or not token.strip():
        return None
    # This is the authentication decision keystone's route relies on.
    setattr(flask.g, enforcer._ENFORCEMENT_CHECK_ATTR, True)
    throttle.check()
    idp_id, protocol = match.group('idp'), match.group('protocol')
    idp = _idp(idp_id)
    if not idp.get('enabled', True):
        login.refuse('identity provider %s is disabled' % idp_id)
    claims = verified_claims(idp, token.strip())
    expose_claims(idp_id, protocol, claims)
    return None


def expose_claims(idp_id: str, protocol: str, claims: dict):
    """Put verified claims in this request's environment as
    mod_auth_openidc does, for keystone's mapped auth to read."""
    environ = flask.request.environ
    for name, value in claims.items():
        text = _environ_value(value)
        if text is not None:
            environ[PREFIX + name] = text
    try:
        from keystone.federation import utils as federation_utils
        remote_id_attribute = federation_utils.get_remote_id_parameter(
            PROVIDERS.federation_api.get_idp(idp_id), protocol)
    except exception.Error:
        remote_id_attribute = None
    if remote_id_attribute:
        environ[remote_id_attribute] = _environ_value(claims['iss'])


def install(app):
    app.before_request(handle_bearer)
