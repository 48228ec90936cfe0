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
"""WebSSO without Apache: keystone is the OIDC relying party for browsers.

On keystone's own WebSSO routes, for the protocols in ``[ng_federation]
v3_oidc_protocols``::

  GET /v3/auth/OS-FEDERATION/identity_providers/{idp}/protocols/{p}/websso
  GET /v3/auth/OS-FEDERATION/websso/{p}

the browser is sent to the identity provider (authorization code flow,
PKCE S256, state, nonce; the ``origin`` must be a ``[federation]
trusted_dashboard``); the provider sends it back to
``/v4/federation/websso/callback``, which redeems the code, verifies the ID
token, hands the claims to keystone's ``mapped`` auth as mod_auth_openidc
would, and answers with keystone's ``sso_callback_template`` form that
posts the token to the origin: what Horizon and keystoneauth's
``v3websso`` expect. The client ID and secret are those of the plugin's
identity provider with the v3 IdP's ID.
"""

import re
import urllib.parse

import flask

from keystone.api._shared import authentication
from keystone.api import auth as ks_auth_api
from keystone.common import provider_api
from keystone import exception

from keystone_ng_plugin.common import compat
from keystone_ng_plugin.common import throttle
import keystone_ng_plugin.conf
from keystone_ng_plugin.federation import core
from keystone_ng_plugin.federation import errors
from keystone_ng_plugin.federation import flow
from keystone_ng_plugin.federation import oidc
from keystone_ng_plugin.federation import records
from keystone_ng_plugin.federation import v3_bearer

CONF = keystone_ng_plugin.conf.CONF
PROVIDERS = provider_api.ProviderAPIs
STATE = 'websso.state'
CALLBACK_PATH = '/v4/federation/websso/callback'
_IDP_ROUTE = re.compile(
    r'^/v3/auth/OS-FEDERATION/identity_providers/(?P<idp>[^/]+)'
    r'/protocols/(?P<protocol>[^/]+)/websso/?$')
_ANY_IDP_ROUTE = re.compile(
    r'^/v3/auth/OS-FEDERATION/websso/(?P<protocol>[^/]+)/?$')


def callback_url() -> str:
    configured = CONF.ng_federation.websso_callback_url
    if configured:
        return configured
    return flask.request.host_url.rstrip('/') + CALLBACK_PATH


def _only_idp_with(protocol: str) -> str:
    """The protocol-agnostic route: the one plugin IdP with the protocol,
    if there is exactly one."""
    candidates = []
    for ref in core.get_manager().list():
        try:
            PROVIDERS.federation_api.get_protocol(ref.id, protocol)
        except exception.FederatedProtocolNotFound:
            continue
        candidates.append(ref.id)
    if len(candidates) != 1:
        raise exception.ValidationError(
            message='%d identity providers have protocol %s: use '
                    '/v3/auth/OS-FEDERATION/identity_providers/{idp}/'
                    'protocols/%s/websso' % (len(candidates), protocol,
                                             protocol))
    return candidates[0]


def _idp_for(idp_id: str, protocol: str) -> records.IdentityProvider:
    try:
        idp = flow.enabled_idp(idp_id)
    except exception.NotFound:
        raise exception.ValidationError(
            message='WebSSO needs the plugin\'s identity provider %s (its '
                    'OIDC client)' % idp_id)
    if not idp.oidc_client_id:
        raise exception.ValidationError(
            message='identity provider %s has no oidc_client_id' % idp_id)
    try:
        PROVIDERS.federation_api.get_protocol(idp.id, protocol)
    except exception.FederatedProtocolNotFound:
        raise exception.ValidationError(
            message='identity provider %s has no protocol %s' % (
                idp.id, protocol))
    return idp


def start_websso():
    """before_request: send the browser to the identity provider."""
    path = flask.request.path or ''
    match = _IDP_ROUTE.match(path) or _ANY_IDP_ROUTE.match(path)
    if not match or match.group('protocol') not in \
            CONF.ng_federation.v3_oidc_protocols:
        return None
    compat.mark_enforced()
    throttle.check()
    protocol = match.group('protocol')
    origin = ks_auth_api._get_sso_origin_host()
    idp_id = match.groupdict().get('idp') or _only_idp_with(protocol)
    with flow.attempt(flow.WEBSSO_START, idp_id, protocol):
        idp = _idp_for(idp_id, protocol)
        url = oidc.authorization_url(idp, callback_url(), STATE, {
            'protocol': protocol, 'origin': origin})
    return flask.redirect(url, code=302)


def finish(params: dict):
    """The provider sent the browser back: keystone's token, posted to the
    origin by keystone's sso_callback_template. Refusals before keystone's
    ``mapped`` auth are audited here; keystone audits the rest."""
    with flow.attempt(flow.WEBSSO_CALLBACK) as current:
        redeemed = oidc.redeem(
            current, STATE, params.get('state') or '', params.get('code'),
            error=params.get('error'), issuer=params.get('iss'))
        current.protocol = redeemed.data['protocol']
        origin = redeemed.data['origin']
        trusted = [urllib.parse.unquote_plus(t)
                   for t in CONF.federation.trusted_dashboard]
        if origin not in trusted:
            raise errors.LoginRefused('origin %s is no longer a trusted '
                                      'dashboard' % origin)
        v3_bearer.expose_claims(redeemed.idp.id, current.protocol,
                                redeemed.claims)
        current.hand_over()
        token = authentication.federated_authenticate_for_token(
            identity_provider=redeemed.idp.id,
            protocol_id=current.protocol)
    return ks_auth_api._AuthFederationWebSSOBase._render_template_response(
        origin, token.id)


def setup(app):
    app.before_request(start_websso)
