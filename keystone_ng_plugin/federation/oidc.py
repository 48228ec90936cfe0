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
"""OpenID Connect login with keystone as the relying party.

The authorization code flow with PKCE (RFC 7636, S256), ``state`` and
``nonce``. What the callback needs (IdP, mapping, redirect URI, nonce, PKCE
verifier, requested scope) is kept in the database as a one-time ceremony
keyed by the state, so any keystone node can finish the login.
"""

import dataclasses
import secrets
import typing as ty

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from keystone import exception

from keystone_ng_plugin.common import ceremony
import keystone_ng_plugin.conf
from keystone_ng_plugin.federation import errors
from keystone_ng_plugin.federation import flow
from keystone_ng_plugin.federation import login
from keystone_ng_plugin.federation import metadata
from keystone_ng_plugin.federation import records

CONF = keystone_ng_plugin.conf.CONF
STATE = 'oidc.state'


def start_login(idp_id: str, *, redirect_uri: str,
                scope: ty.Optional[dict] = None,
                mapping_name: ty.Optional[str] = None,
                mapping_id: ty.Optional[str] = None) -> str:
    """Begin an authorization code login at an identity provider.

    Args:
        idp_id: the plugin's identity provider.
        redirect_uri: where the IdP sends the browser back; must be one of
            the IdP's (or the mapping's) allowed_redirect_uris.
        scope: the v3 scope of the token the callback returns.
        mapping_name: the oidc mapping to apply; default: the IdP's.
        mapping_id: the same by ID (mapping_name wins).
    Returns:
        The authorization URL to send the browser to.
    Raises:
        NotFound, Forbidden (disabled IdP), ValidationError (redirect URI,
        mapping, IdP without client), IdentityProviderUnavailable.
    """
    login.token_method()
    login.check_scope(scope)
    with flow.attempt(flow.OIDC_START, idp_id):
        idp = flow.enabled_idp(idp_id)
        mapping = flow.select_mapping(idp, 'oidc', mapping_name, mapping_id)
        allowed = set(idp.allowed_redirect_uris or ()) | set(
            mapping.allowed_redirect_uris or ())
        if redirect_uri not in allowed:
            raise exception.ValidationError(
                message='redirect_uri is not allowed for this identity '
                        'provider')
        if not idp.oidc_client_id:
            raise exception.ValidationError(
                message='the identity provider has no oidc_client_id')
        return authorization_url(
            idp, redirect_uri, STATE, {'mapping_id': mapping.id,
                                       'scope': scope},
            extra_scopes=mapping.oidc_scopes or ())


def authorization_url(idp: records.IdentityProvider, redirect_uri: str,
                      kind: str, data: dict, extra_scopes=()) -> str:
    """The IdP's authorization URL for a code flow with PKCE S256, a
    state and a nonce, all kept (with ``data``) as a one-time ceremony of
    ``kind`` keyed by the state, for whichever node gets the callback.

    Raises:
        LoginRefused, IdpUnavailable: the IdP's discovery document.
    """
    try:
        endpoint = metadata.discovery(idp).get('authorization_endpoint')
        metadata.check_url(endpoint)
    except metadata.MetadataError as exc:
        raise flow.idp_failure(exc)
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(32)
    scopes = list(dict.fromkeys(
        ['openid'] + list(idp.oidc_scopes or ()) + list(extra_scopes)))
    state = ceremony.start(kind, dict(
        data, idp_id=idp.id, redirect_uri=redirect_uri, nonce=nonce,
        code_verifier=verifier),
        ttl=CONF.ng_federation.state_ttl, subject=idp.id)
    params = [('response_type', 'code'),
              ('client_id', idp.oidc_client_id),
              ('redirect_uri', redirect_uri),
              ('scope', ' '.join(scopes)),
              ('state', state), ('nonce', nonce),
              ('code_challenge', create_s256_code_challenge(verifier)),
              ('code_challenge_method', 'S256')]
    if idp.oidc_response_mode:
        params.append(('response_mode', idp.oidc_response_mode))
    return add_params_to_uri(endpoint, params)


@dataclasses.dataclass(frozen=True)
class Redeemed:
    """What an IdP's answer to a code flow gave, verified."""

    data: dict                        # the ceremony's data
    idp: records.IdentityProvider
    claims: dict                      # of the verified ID token


def complete_login(state: str, code: ty.Optional[str] = None, *,
                   error: ty.Optional[str] = None,
                   issuer: ty.Optional[str] = None):
    """The IdP sent the browser back: redeem the code, map, issue.

    The state is consumed first (a reused or expired state is refused; an
    error answer from the IdP uses it up too), then the code is exchanged
    with the PKCE verifier and the client secret, and the ID token is
    verified (asymmetric signature by the IdP's key, iss, aud = client_id,
    exp/nbf/iat, and the nonce of this login) before the mapping is
    applied and the token issued (:func:`flow.issue`), scoped as asked at
    the start.

    Args:
        state: the state the IdP returned.
        code: the authorization code (absent when the IdP sent an error).
        error: the OAuth2 error the IdP returned instead of a code.
        issuer: the ``iss`` authorization response parameter (RFC 9207),
            which must then be the IdP's issuer.
    Returns:
        The keystone token (a TokenModel).
    Raises:
        Unauthorized: state, code, ID token or mapping refused.
        Forbidden: the IdP was disabled meanwhile.
        IdentityProviderUnavailable: the IdP cannot be reached.
    """
    with flow.attempt(flow.OIDC_CALLBACK) as current:
        redeemed = redeem(current, STATE, state, code, error=error,
                          issuer=issuer)
        mapping = flow.mapping_of(redeemed.idp, redeemed.data['mapping_id'])
        identity = flow.map_identity(redeemed.idp, mapping, redeemed.claims)
        return flow.issue(current, redeemed.idp, mapping, identity,
                          scope=redeemed.data.get('scope'))


def redeem(current: flow.Attempt, kind: str, state: str,
           code: ty.Optional[str], *, error: ty.Optional[str] = None,
           issuer: ty.Optional[str] = None) -> Redeemed:
    """Use up a ceremony of ``kind`` and redeem its code.

    Raises:
        LoginRefused, IdpDisabled, IdpUnavailable.
    """
    started = ceremony.consume(kind, state)
    if started is None:
        raise errors.LoginRefused('unknown, expired or used OIDC state')
    data = started.data
    current.idp_id = data['idp_id']
    if error or not code:
        raise errors.LoginRefused('the identity provider answered %s' % (
            error or 'no code'))
    idp = flow.enabled_idp(data['idp_id'])
    try:
        provider = metadata.discovery(idp)
        if issuer is not None and issuer != provider.get('issuer'):
            raise errors.LoginRefused('authorization response iss is not '
                                      'the IdP issuer')
        tokens = metadata.post_form(
            provider.get('token_endpoint'),
            data={'grant_type': 'authorization_code', 'code': code,
                  'redirect_uri': data['redirect_uri'],
                  'code_verifier': data['code_verifier']},
            auth=flow.client_auth(idp))
    except metadata.OAuthError as exc:
        if exc.error == 'invalid_grant':
            raise errors.LoginRefused('the identity provider refused the '
                                      'code')
        raise flow.idp_failure(exc)
    except metadata.MetadataError as exc:
        raise flow.idp_failure(exc)
    id_token = tokens.get('id_token')
    if not isinstance(id_token, str):
        raise errors.LoginRefused('the identity provider sent no ID token')
    claims = flow.verified_claims(idp, id_token, [idp.oidc_client_id],
                                  what='ID token')
    if claims.get('nonce') != data['nonce']:
        raise errors.LoginRefused('ID token nonce is not the nonce of this '
                                  'login')
    return Redeemed(data=data, idp=idp, claims=claims)
