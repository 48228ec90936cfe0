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
from oslo_log import log

from keystone import exception

from keystone_ng_plugin.common import ceremony
from keystone_ng_plugin.common import jose
import keystone_ng_plugin.conf
from keystone_ng_plugin.federation import core
from keystone_ng_plugin.federation import login
from keystone_ng_plugin.federation import mapping as mapping_core
from keystone_ng_plugin.federation import mapping_engine
from keystone_ng_plugin.federation import metadata

CONF = keystone_ng_plugin.conf.CONF
LOG = log.getLogger(__name__)
STATE = 'oidc.state'


class IdentityProviderUnavailable(exception.Error):
    """The identity provider could not be reached or misbehaved."""

    code = 502
    title = 'Bad Gateway'
    message_format = 'The identity provider is unavailable: %(reason)s'


def idp_failure(exc: metadata.MetadataError):
    """Raise what a failed IdP exchange means for the client: 401 when the
    IdP's documents cannot be trusted (issuer mismatch), else 502."""
    if isinstance(exc, metadata.IssuerMismatch):
        raise exception.Unauthorized('identity provider refused: %s' % exc)
    raise IdentityProviderUnavailable(reason=str(exc))


def _invalid(message):
    raise exception.ValidationError(message=message)


def select_mapping(idp: dict, mapping_name: ty.Optional[str],
                   mapping_type: str,
                   mapping_id: ty.Optional[str] = None) -> dict:
    """The enabled mapping of this type the login uses (400 if none).

    By name, else by ID, else the IdP's default_mapping_name.
    """
    manager = mapping_core.get_manager()
    if mapping_id and not mapping_name:
        try:
            found = [manager.get(mapping_id)]
        except exception.NotFound:
            found = []
        found = [m for m in found if m['idp_id'] == idp['id']]
        name = mapping_id
    else:
        name = mapping_name or idp.get('default_mapping_name')
        if not name:
            _invalid('no mapping_name given and the identity provider has '
                     'no default_mapping_name')
        found = [m for m in [manager.find_for_login(idp['id'], name)] if m]
    if not found or found[0]['type'] != mapping_type:
        _invalid('identity provider has no %s mapping %s' % (
            mapping_type, name))
    if not found[0]['enabled']:
        _invalid('mapping %s is disabled' % name)
    return found[0]


def enabled_idp(idp_id: str) -> dict:
    idp = core.get_manager().get_for_login(idp_id)
    if not idp['enabled']:
        raise exception.Forbidden(
            message='The identity provider is disabled.')
    return idp


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
    idp = enabled_idp(idp_id)
    mapping = select_mapping(idp, mapping_name, 'oidc', mapping_id)
    allowed = set(idp.get('allowed_redirect_uris') or []) | set(
        mapping.get('allowed_redirect_uris') or [])
    if redirect_uri not in allowed:
        _invalid('redirect_uri is not allowed for this identity provider')
    if not idp.get('oidc_client_id'):
        _invalid('the identity provider has no oidc_client_id')
    return authorization_url(
        idp, redirect_uri, STATE, {'mapping_id': mapping['id'],
                                   'scope': scope},
        extra_scopes=mapping.get('oidc_scopes') or [])


def authorization_url(idp: dict, redirect_uri: str, kind: str, data: dict,
                      extra_scopes=()) -> str:
    """The IdP's authorization URL for a code flow with PKCE S256, a
    state and a nonce, all kept (with ``data``) as a one-time ceremony of
    ``kind`` keyed by the state, for whichever node gets the callback."""
    try:
        endpoint = metadata.discovery(idp).get('authorization_endpoint')
        metadata.check_url(endpoint)
    except metadata.MetadataError as exc:
        idp_failure(exc)
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(32)
    scopes = list(dict.fromkeys(
        ['openid'] + (idp.get('oidc_scopes') or []) + list(extra_scopes)))
    state = ceremony.start(kind, dict(
        data, idp_id=idp['id'], redirect_uri=redirect_uri, nonce=nonce,
        code_verifier=verifier),
        ttl=CONF.ng_federation.state_ttl, subject=idp['id'])
    params = [('response_type', 'code'),
              ('client_id', idp['oidc_client_id']),
              ('redirect_uri', redirect_uri),
              ('scope', ' '.join(scopes)),
              ('state', state), ('nonce', nonce),
              ('code_challenge', create_s256_code_challenge(verifier)),
              ('code_challenge_method', 'S256')]
    if idp.get('oidc_response_mode'):
        params.append(('response_mode', idp['oidc_response_mode']))
    return add_params_to_uri(endpoint, params)


@dataclasses.dataclass(frozen=True)
class FederatedLogin:
    """A verified OIDC login: who, through which IdP and mapping."""

    idp: dict
    mapping: dict
    identity: mapping_engine.Identity
    claims: dict
    scope: ty.Optional[dict]


_refuse = login.refuse


def complete_authorization(state: str, code: ty.Optional[str] = None, *,
                           error: ty.Optional[str] = None,
                           issuer: ty.Optional[str] = None
                           ) -> FederatedLogin:
    """The IdP sent the browser back: check it, redeem the code.

    The state is consumed first (a reused or expired state is refused; an
    error answer from the IdP uses it up too), then the code is exchanged
    with the PKCE verifier and the client secret, and the ID token is
    verified (asymmetric signature by the IdP's key, iss, aud = client_id,
    exp/nbf/iat, and the nonce of this login) before the mapping is
    applied.

    Args:
        state: the state the IdP returned.
        code: the authorization code (absent when the IdP sent an error).
        error: the OAuth2 error the IdP returned instead of a code.
        issuer: the ``iss`` authorization response parameter (RFC 9207),
            which must then be the IdP's issuer.

    Raises:
        Unauthorized: state, code, ID token or mapping refused.
        Forbidden: the IdP was disabled meanwhile.
        IdentityProviderUnavailable: the IdP cannot be reached.
    """
    data, idp, claims = redeem(STATE, state, code, error=error,
                               issuer=issuer)
    mapping = next((m for m in mapping_core.get_manager().of_idp_for_login(
        idp['id']) if m['id'] == data['mapping_id']), None)
    if mapping is None:
        _refuse('the mapping of this login was deleted')
    default_domain_id = None
    if not (mapping.get('domain_id') or idp.get('domain_id')):
        default_domain_id = login.idp_domain_id(idp['id'])
    try:
        identity = mapping_engine.apply_mapping(
            mapping, idp, claims, default_domain_id=default_domain_id)
    except mapping_engine.MappingRejected as exc:
        _refuse('mapping refused the identity: %s' % exc)
    return FederatedLogin(idp=idp, mapping=mapping, identity=identity,
                          claims=claims, scope=data.get('scope'))


def redeem(kind: str, state: str, code: ty.Optional[str], *,
           error: ty.Optional[str] = None,
           issuer: ty.Optional[str] = None) -> tuple[dict, dict, dict]:
    """Use up a ceremony of ``kind`` and redeem its code.

    Returns:
        (the ceremony's data, the IdP, the verified ID token claims).
    Raises:
        Unauthorized, Forbidden, IdentityProviderUnavailable.
    """
    started = ceremony.consume(kind, state)
    if started is None:
        _refuse('unknown, expired or used OIDC state')
    data = started.data
    if error or not code:
        _refuse('the identity provider answered %s' % (error or 'no code'))
    idp = enabled_idp(data['idp_id'])
    try:
        provider = metadata.discovery(idp)
        if issuer is not None and issuer != provider.get('issuer'):
            _refuse('authorization response iss is not the IdP issuer')
        endpoint = provider.get('token_endpoint')
        tokens = metadata.post_form(
            endpoint,
            data={'grant_type': 'authorization_code', 'code': code,
                  'redirect_uri': data['redirect_uri'],
                  'code_verifier': data['code_verifier']},
            auth=(idp['oidc_client_id'],
                  core.get_manager().client_secret(idp['id']) or ''))
    except metadata.MetadataError as exc:
        if '(invalid_grant)' in str(exc):
            _refuse('the identity provider refused the code')
        idp_failure(exc)
    id_token = tokens.get('id_token')
    if not isinstance(id_token, str):
        _refuse('the identity provider sent no ID token')
    try:
        claims = metadata.verify_token(idp, id_token,
                                       [idp['oidc_client_id']]).claims
    except jose.InvalidJWT as exc:
        _refuse('ID token refused: %s' % exc)
    except metadata.MetadataError as exc:
        idp_failure(exc)
    if claims.get('nonce') != data['nonce']:
        _refuse('ID token nonce is not the nonce of this login')
    return data, idp, claims
