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
"""The OpenID provider's token, introspection and revocation endpoints, on
authlib's authorization server.

authlib does the protocol (RFC 6749 request parsing, client
authentication, grant dispatch, PKCE per RFC 7636, RFC 7009 and RFC 7662
request handling, errors per section 5.2 with ``WWW-Authenticate`` on
``invalid_client``); this module adapts the plugin's clients and state to
authlib's mixins and issues the tokens: JWT access tokens per RFC 9068
and OpenID Connect ID tokens, signed with the domain's key. One server per
request: the domain comes from the path.

Grants: ``authorization_code`` (single use in SQL; a second redemption
revokes what the first issued), ``refresh_token`` (rotating, by family;
reuse revokes the family), ``client_credentials`` (for a confidential
client bound to a service account, the token's ``sub``) and RFC 8628's
device code (its device authorization endpoint here too; the user answers
on the device page, :mod:`keystone_ng_plugin.oauth2.device`).
"""

import hmac

import json
import time
import typing as ty
import urllib.parse
import uuid

import flask
from authlib.common import urls as authlib_urls
from authlib.integrations import flask_oauth2
from authlib.oauth2 import rfc6749
from authlib.oauth2 import rfc7009
from authlib.oauth2 import rfc7636
from authlib.oauth2 import rfc7662
from authlib.oauth2 import rfc8628
from authlib.oauth2.rfc6749 import errors
from authlib.oauth2.rfc6749 import grants
from authlib.oidc.core import util as oidc_util
from joserfc import jwt
from keystone.common import provider_api
from keystone import exception
from keystone import notifications
from oslo_db import exception as db_exception
from oslo_log import log
from pycadf import cadftaxonomy
from pycadf import cadftype
from pycadf import eventfactory as cadf_eventfactory
from pycadf import host as cadf_host
from pycadf import reason as cadf_reason
from pycadf import resource as cadf_resource

from keystone_ng_plugin.common import discovery
from keystone_ng_plugin.common import jose
from keystone_ng_plugin.common import text as ng_text
from keystone_ng_plugin.oauth2 import claims as ng_claims
from keystone_ng_plugin.oauth2 import clients
from keystone_ng_plugin.oauth2 import exchange
from keystone_ng_plugin.oauth2 import keys
from keystone_ng_plugin.oauth2 import state
import keystone_ng_plugin.conf

CONF = keystone_ng_plugin.conf.CONF
LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
AUTH_METHODS = ['client_secret_basic', 'client_secret_post']
USER_AUTH_METHODS = AUTH_METHODS + ['none']
DEVICE_GRANT = rfc8628.DEVICE_CODE_GRANT_TYPE
GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials',
               DEVICE_GRANT, exchange.GRANT_TYPE]
# the name in a client's grant_types of a grant type the token endpoint
# takes, where they differ (the Rust Keystone-NG's names)
_CLIENT_GRANT = {DEVICE_GRANT: 'device_code'}
# the order acr_values keys are tried in
_ACR_ORDER = ('mfa', 'hwk', 'swk', 'pwd')


def issuer(domain_id: str) -> str:
    """The issuer of a domain's provider."""
    return discovery.v4_url('oauth2/%s' % urllib.parse.quote(domain_id,
                                                             safe=''))


def audience(domain_id: str) -> str:
    """The audience of access tokens for OpenStack's APIs (the Rust
    Keystone-NG's)."""
    return 'openstack-apis:%s' % domain_id


def access_lifetime() -> int:
    return CONF.oauth2.access_token_lifetime_minutes * 60


def refresh_lifetime() -> int:
    return CONF.oauth2.refresh_token_lifetime_days * 86400


def acr(amr: ty.Sequence[str]) -> ty.Optional[str]:
    values = CONF.oauth2.acr_values or {}
    for key in _ACR_ORDER:
        if key in amr and key in values:
            return values[key]
    return None


def enabled_user(user_id: str) -> ty.Optional[dict]:
    """The user if it and its domain are enabled, else None."""
    try:
        user = PROVIDERS.identity_api.get_user(user_id)
        domain = PROVIDERS.resource_api.get_domain(user['domain_id'])
    except exception.NotFound:
        return None
    if not user.get('enabled', True) or not domain.get('enabled', True):
        return None
    return user


class Client(rfc6749.ClientMixin):
    """A client of the plugin as authlib sees it; ``ref`` None is an
    unknown client, which fails authentication at the cost of a known
    one."""

    def __init__(self, client_id: str, ref: ty.Optional[dict],
                 secret_hash: ty.Optional[str] = None):
        self.client_id, self.ref = client_id, ref
        self._secret_hash = secret_hash

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        # no default: every authorization request names its redirect URI
        return None

    def get_allowed_scope(self, scope):
        allowed = (self.ref or {}).get('allowed_scopes', [])
        if not scope:
            return ''
        return ' '.join(s for s in rfc6749.scope_to_list(scope)
                        if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in (self.ref or {}).get('redirect_uris', [])

    def check_client_secret(self, client_secret):
        return clients.get_manager().check_secret(
            self.client_id if self.ref else None, self._secret_hash,
            client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        if self.ref is None:
            # its secret check fails, at the same cost; 'none' has no
            # secret to check, so an unknown client fails here
            return method != 'none'
        return method == self.ref['token_endpoint_auth_method']

    def check_response_type(self, response_type):
        return (response_type == 'code' and
                'authorization_code' in (self.ref or {}).get(
                    'grant_types', []))

    def check_grant_type(self, grant_type):
        return _CLIENT_GRANT.get(grant_type, grant_type) in (
            self.ref or {}).get('grant_types', [])


def _check_scope_allowed(request):
    requested = rfc6749.scope_to_list(request.payload.scope) or []
    allowed = request.client.ref['allowed_scopes']
    if not set(requested) <= set(allowed):
        raise errors.InvalidScopeError(
            'the client may ask for: %s' % ' '.join(allowed))


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def validate_requested_scope(self):
        _check_scope_allowed(self.request)

    def generate_token(self, user=None, scope=None, grant_type=None,
                       expires_in=None, include_refresh_token=True):
        return self.server.service_token(self.request.client, scope)


class TokenExchangeGrant(grants.BaseGrant, grants.TokenEndpointMixin):
    """RFC 8693: a keystone token (the subject) for an access token of a
    target client's audience, with ``act`` naming the exchanging client;
    what it may say is :mod:`keystone_ng_plugin.oauth2.exchange`'s."""

    GRANT_TYPE = exchange.GRANT_TYPE
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def validate_token_request(self):
        data = self.request.payload.data
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise errors.UnauthorizedClientError(
                'the client may not exchange tokens')
        self.request.client = client
        if data.get('subject_token_type') != exchange.KEYSTONE_TOKEN_TYPE:
            raise errors.InvalidRequestError(
                'subject_token_type must be %s' %
                exchange.KEYSTONE_TOKEN_TYPE)
        if data.get('requested_token_type') not in (
                None, '', exchange.ACCESS_TOKEN_TYPE):
            raise errors.InvalidRequestError(
                'requested_token_type can only be %s' %
                exchange.ACCESS_TOKEN_TYPE)
        if data.get('actor_token') or data.get('actor_token_type'):
            raise errors.InvalidRequestError('actor_token is not supported: '
                                             'the client is the actor')
        _check_scope_allowed(self.request)
        asked = set(rfc6749.scope_to_list(self.request.payload.scope) or [])
        if asked & exchange.FORBIDDEN_SCOPES:
            raise errors.InvalidScopeError(
                'an exchanged token never has the scope %s' %
                ' '.join(sorted(asked & exchange.FORBIDDEN_SCOPES)))
        target = data.get('audience') or client.get_client_id()
        if not isinstance(target, str) or len(target) > 64 or \
                ng_text.is_hostile(target) or \
                clients.get_manager().find(self.server.domain_id,
                                           target) is None:
            raise errors.OAuth2Error(
                description='the audience is not a client of this '
                            'provider', error='invalid_target')
        try:
            self.subject = exchange.subject(self.server.domain_id,
                                            data.get('subject_token'))
        except exchange.Refused as exc:
            raise errors.InvalidGrantError(str(exc))
        self.target = target

    def create_token_response(self):
        body = self.server.exchanged_token(
            self.request.client, self.target, self.subject,
            self.request.payload.scope)
        return 200, body, self.TOKEN_RESPONSE_HEADER


class Pkce(rfc7636.CodeChallenge):
    """PKCE with S256 only, required by the client's ``require_pkce``."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ['S256']
    DEFAULT_CODE_CHALLENGE_METHOD = 'S256'

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if data.get('code_challenge') and (
                data.get('code_challenge_method') != 'S256'):
            raise errors.InvalidRequestError(
                'code_challenge_method must be S256')
        if (not data.get('code_challenge') and
                grant.request.client.ref['require_pkce']):
            raise errors.InvalidRequestError(
                'the client requires PKCE: code_challenge with S256')
        super().validate_code_challenge(grant, redirect_uri)


class Code:
    """An authorization code row as authlib sees it."""

    def __init__(self, row: state.CodeModel):
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self):
        return self.row.redirect_uri

    def get_scope(self):
        return self.row.scope


class Grant:
    """What a token response is issued from: the user's login (from the
    code or the refresh token) and the family it belongs to."""

    def __init__(self, row, family_id: str, nonce: ty.Optional[str] = None):
        self.user_id, self.auth_time = row.user_id, row.auth_time
        self.amr, self.sid = json.loads(row.amr), row.sid
        self.family_id, self.nonce = family_id, nonce
        self.jti = uuid.uuid4().hex


def _critical_event(action: str, target_id: str, reason: str):
    """A CADF event at priority CRITICAL, for what operators must see: a
    replayed code or refresh token (keystone's own emitter only sends
    INFO)."""
    LOG.warning('OpenID provider: %s (%s): %s', action, target_id, reason)
    client_id = flask.request.form.get('client_id') or (
        flask.request.authorization.username
        if flask.request.authorization else None)
    initiator = cadf_resource.Resource(
        typeURI=cadftaxonomy.ACCOUNT_USER, id=cadftaxonomy.UNKNOWN
        if not client_id or ng_text.is_hostile(client_id) else
        'oauth2_client:%s' % client_id[:64])
    initiator.host = cadf_host.Host(address=flask.request.remote_addr)
    event = cadf_eventfactory.EventFactory().new_event(
        eventType=cadftype.EVENTTYPE_ACTIVITY,
        outcome=cadftaxonomy.OUTCOME_FAILURE,
        action=cadftaxonomy.ACTION_UPDATE, initiator=initiator,
        target=cadf_resource.Resource(typeURI='data/security/oauth2/grant',
                                      id=target_id),
        observer=cadf_resource.Resource(
            typeURI=cadftaxonomy.SERVICE_SECURITY),
        reason=cadf_reason.Reason(reasonType='oauth2', reasonCode=reason))
    notifier = notifications._get_notifier()
    if notifier:
        try:
            notifier.critical({}, 'identity.oauth2.%s' % action,
                              event.as_dict())
        except Exception:  # never fail the request over the notifier
            LOG.exception('could not send the %s event', action)


def revoke_replayed(domain_id: str, family_id: ty.Optional[str],
                    jtis: ty.Iterable[str], what: str):
    """A code or refresh token was presented again: revoke everything
    its first use issued, and say so loudly."""
    if family_id:
        state.revoke_family(domain_id, family_id, jtis,
                            lifetime=refresh_lifetime())
    _critical_event('%s_reuse' % what, family_id or cadftaxonomy.UNKNOWN,
                    'reuse: the family is revoked')


class _UserGrant:
    """What the user's grants share: the user checked, the user's
    tokens."""

    def signed_in(self, grant: Grant) -> Grant:
        if enabled_user(grant.user_id) is None:
            raise errors.InvalidGrantError('the user is disabled or gone')
        return grant

    def generate_token(self, user=None, scope=None, grant_type=None,
                       expires_in=None, include_refresh_token=True):
        return self.server.user_token(
            self.request.client, user, scope, include_refresh_token)


class AuthorizationCodeGrant(_UserGrant, grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = USER_AUTH_METHODS

    def validate_requested_scope(self):
        _check_scope_allowed(self.request)

    def query_authorization_code(self, code, client):
        row = state.get_code(code)
        if (row is None or row.domain_id != self.server.domain_id or
                row.client_id != client.get_client_id()):
            return None
        if row.used_at is not None:
            revoke_replayed(row.domain_id, row.family_id,
                            [row.access_jti], 'authorization_code')
            return None
        if row.expires_at <= state.sql.utcnow():
            return None
        return Code(row)

    def authenticate_user(self, authorization_code):
        row = authorization_code.row
        grant = Grant(row, uuid.uuid4().hex, nonce=row.nonce)
        if not state.claim_code(row, grant.family_id, grant.jti):
            # a concurrent redemption won: it is a replay all the same
            spent = state.get_code(self.request.form.get('code'))
            revoke_replayed(row.domain_id, spent and spent.family_id,
                            [spent and spent.access_jti],
                            'authorization_code')
            raise errors.InvalidGrantError('the code was used already')
        return self.signed_in(grant)

    def delete_authorization_code(self, authorization_code):
        """Spent codes stay (used) until purged: a replay is seen."""


class Refresh:
    """A refresh token row as authlib sees it."""

    def __init__(self, row: state.RefreshModel):
        self.row = row

    def check_client(self, client):
        return self.row.client_id == client.get_client_id()

    def get_scope(self):
        return self.row.scope

    def is_expired(self):
        return self.row.expires_at <= state.sql.utcnow()

    def is_revoked(self):
        return self.row.revoked_at is not None


class RefreshTokenGrant(_UserGrant, grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = USER_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        row = state.get_refresh(refresh_token)
        if (row is None or row.domain_id != self.server.domain_id or
                row.revoked_at is not None):
            return None
        if row.used_at is not None:
            revoke_replayed(row.domain_id, row.family_id, [],
                            'refresh_token')
            return None
        if row.expires_at <= state.sql.utcnow():
            return None
        return Refresh(row)

    def authenticate_user(self, refresh_token):
        row = refresh_token.row
        if not state.claim_refresh(row):
            revoke_replayed(row.domain_id, row.family_id, [],
                            'refresh_token')
            raise errors.InvalidGrantError(
                'the refresh token was used already')
        if state.family_revoked(row.family_id):
            # revoked while this token was being issued (a code or device
            # code replayed during its first redemption)
            raise errors.InvalidGrantError('the refresh token was revoked')
        grant = Grant(row, row.family_id)
        grant.expires_at = row.expires_at
        return self.signed_in(grant)

    def revoke_old_credential(self, refresh_token):
        """Spent in authenticate_user already (one conditional UPDATE)."""


class Device:
    """A device authorization request as authlib sees it."""

    def __init__(self, row: state.DeviceModel):
        self.row = row

    def get_scope(self):
        return self.row.scope


def _verify_device_pkce(row: state.DeviceModel, verifier: ty.Optional[str]):
    """A device authorization request that sent a PKCE challenge (as
    keystoneauth's ``code_challenge_method`` does) is redeemed with its
    verifier."""
    if not row.code_challenge:
        return
    if not isinstance(verifier, str) or not (
            43 <= len(verifier) <= 128) or not hmac.compare_digest(
                rfc7636.create_s256_code_challenge(verifier),
                row.code_challenge):
        raise errors.InvalidGrantError(
            'code_verifier does not match the code_challenge')


class DeviceCodeGrant(_UserGrant, rfc8628.DeviceCodeGrant):
    """RFC 8628 section 3.4: the device polls until the user answered on
    the device page. Every answer comes from the request's row, so any
    node answers any poll; a second redemption revokes what the first
    issued, as for codes."""

    TOKEN_ENDPOINT_AUTH_METHODS = USER_AUTH_METHODS

    def validate_token_request(self):
        device_code = self.request.payload.data.get('device_code')
        if not device_code:
            raise errors.InvalidRequestError('device_code is required')
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise errors.UnauthorizedClientError(
                'the client may not use the device grant')
        row = state.get_device(device_code)
        if (row is None or row.domain_id != self.server.domain_id or
                row.client_id != client.get_client_id()):
            raise errors.InvalidGrantError('the device_code is not valid')
        if row.used_at is not None:
            revoke_replayed(row.domain_id, row.family_id,
                            [row.access_jti], 'device_code')
            raise errors.InvalidGrantError('the device_code was used '
                                           'already')
        if row.expires_at <= state.sql.utcnow():
            raise rfc8628.ExpiredTokenError('the request expired')
        if row.status == 'denied':
            raise errors.AccessDeniedError('the user denied the request')
        if row.status != 'approved':
            if not state.note_device_poll(row):
                raise rfc8628.SlowDownError(
                    'poll at most every %d seconds' % row.poll_interval)
            raise rfc8628.AuthorizationPendingError(
                'the user has not answered yet')
        _verify_device_pkce(row, self.request.payload.data.get(
            'code_verifier'))
        grant = Grant(row, uuid.uuid4().hex)
        if not state.claim_device(row, grant.family_id, grant.jti):
            spent = state.get_device_by_id(row.id)
            revoke_replayed(row.domain_id, spent and spent.family_id,
                            [spent and spent.access_jti], 'device_code')
            raise errors.InvalidGrantError('the device_code was used '
                                           'already')
        self.request.user = self.signed_in(grant)
        self.request.client = client
        self.request.credential = Device(row)


class DeviceAuthorizationEndpoint(rfc8628.DeviceAuthorizationEndpoint):
    """RFC 8628 section 3.1, for a client with the ``device_code`` grant:
    the scopes it may ask for, an optional PKCE challenge (S256), and a
    user code of the RFC's restricted alphabet."""

    CLIENT_AUTH_METHODS = USER_AUTH_METHODS

    def __init__(self, server):
        super().__init__(server)
        self.EXPIRES_IN = CONF.oauth2.device_code_lifetime_minutes * 60
        self.INTERVAL = CONF.oauth2.device_code_poll_interval_seconds
        self._challenge = None

    def authenticate_client(self, request):
        client = super().authenticate_client(request)
        if not client.check_grant_type(DEVICE_GRANT):
            raise errors.UnauthorizedClientError(
                'the client may not use the device grant')
        _check_scope_allowed(request)
        data = request.payload.data
        challenge = data.get('code_challenge')
        if challenge or data.get('code_challenge_method'):
            if data.get('code_challenge_method') != 'S256' or not (
                    isinstance(challenge, str) and
                    43 <= len(challenge) <= 128):
                raise errors.InvalidRequestError(
                    'code_challenge with code_challenge_method S256')
            self._challenge = challenge
        return client

    def get_verification_uri(self):
        return issuer(self.server.domain_id) + '/device'

    def save_device_credential(self, client_id, scope, data):
        for _attempt in range(5):
            try:
                state.create_device(
                    data['device_code'], data['user_code'],
                    self.EXPIRES_IN, self.INTERVAL,
                    domain_id=self.server.domain_id, client_id=client_id,
                    scope=scope or '', code_challenge=self._challenge,
                    code_challenge_method=self._challenge and 'S256')
                return
            except db_exception.DBDuplicateEntry:
                # another request holds that user code: draw again
                data['user_code'] = self.generate_user_code()
                data['verification_uri_complete'] = (
                    authlib_urls.add_params_to_uri(
                        data['verification_uri'],
                        [('user_code', data['user_code'])]))
        raise errors.OAuth2Error(description='no free user code, try again',
                                 status_code=503,
                                 error='temporarily_unavailable')


class Held:
    """A token presented to introspection or revocation: a verified access
    token (``claims``) or a refresh token row."""

    def __init__(self, domain_id: str, claims: ty.Optional[dict] = None,
                 row: ty.Optional[state.RefreshModel] = None):
        self.domain_id, self.claims, self.row = domain_id, claims, row

    def check_client(self, client):
        if self.row is not None:
            return self.row.client_id == client.get_client_id()
        return self.claims.get('client_id') == client.get_client_id()

    def is_expired(self):
        if self.row is not None:
            return self.row.expires_at <= state.sql.utcnow()
        return self.claims['exp'] <= time.time()

    def is_revoked(self):
        if self.row is not None:
            return (self.row.revoked_at is not None or
                    self.row.used_at is not None or
                    enabled_user(self.row.user_id) is None)
        return not access_token_live(self.domain_id, self.claims)


class _HeldTokens:
    SUPPORTED_TOKEN_TYPES = ('access_token', 'refresh_token')
    CLIENT_AUTH_METHODS = USER_AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        if not isinstance(token_string, str) or ng_text.is_hostile(
                token_string):
            return None
        if token_string.count('.') == 2:
            claims = verify_access_token(self.server.domain_id, token_string,
                                         check_live=False)
            return (Held(self.server.domain_id, claims=claims) if claims
                    else None)
        row = state.get_refresh(token_string)
        if row is None or row.domain_id != self.server.domain_id:
            return None
        return Held(self.server.domain_id, row=row)


class RevocationEndpoint(_HeldTokens, rfc7009.RevocationEndpoint):

    def authenticate_token(self, request, client):
        self.check_params(request, client)
        token = self.query_token(request.form['token'],
                                 request.form.get('token_type_hint'))
        # RFC 7009 2.2: a token of another client is not revoked, and the
        # answer does not tell
        return token if token and token.check_client(client) else None

    def revoke_token(self, token, request):
        if token.row is not None:
            state.revoke_family(token.row.domain_id, token.row.family_id,
                                lifetime=refresh_lifetime())
        else:
            state.revoke_jti(self.server.domain_id, token.claims['jti'],
                             lifetime=access_lifetime())


class IntrospectionEndpoint(_HeldTokens, rfc7662.IntrospectionEndpoint):

    def check_permission(self, token, client, request):
        # a client introspects the tokens issued to it
        return token.check_client(client)

    def introspect_token(self, token):
        if token.row is not None:
            row = token.row
            return {'active': True, 'token_type': 'refresh_token',
                    'client_id': row.client_id, 'sub': row.user_id,
                    'scope': row.scope, 'iss': issuer(row.domain_id),
                    'exp': int(row.expires_at.timestamp())}
        body = {k: token.claims[k] for k in (
            'iss', 'sub', 'aud', 'client_id', 'scope', 'jti', 'iat', 'nbf',
            'exp', 'auth_time') if k in token.claims}
        body.update(active=True, token_type='Bearer')
        return body


def verify_access_token(domain_id: str, token: str,
                        check_live: bool = True,
                        issuer_url: ty.Optional[str] = None
                        ) -> ty.Optional[dict]:
    """The claims of an access token the domain's provider issued (its
    signature, ``typ``, ``iss`` (``issuer_url``, else the provider's
    issuer as this request names it) and ``exp`` checked; with
    ``check_live`` also that it is not revoked and its user is enabled),
    else None."""
    published = keys.published(domain_id)
    if not published:
        return None
    try:
        verified = jose.verify_jwt(
            token, keys=jose.keys_from_jwks({'keys': published}),
            issuer=issuer_url or issuer(domain_id), audiences=None,
            leeway=0,
            algorithms=('ES256', 'RS256'))
    except jose.InvalidJWT:
        return None
    if verified.header.get('typ') != 'at+jwt' or not isinstance(
            verified.claims.get('jti'), str):
        return None
    if check_live and not access_token_live(domain_id, verified.claims):
        return None
    return verified.claims


def access_token_live(domain_id: str, claims: dict) -> bool:
    """Not revoked, its client not deleted or disabled, its subject (a
    user or a service account) enabled."""
    if state.jti_revoked(claims['jti']):
        return False
    client_id = claims.get('client_id')
    if not isinstance(client_id, str) or clients.get_manager().find(
            domain_id, client_id) is None:
        return False
    sub = claims.get('sub')
    if not isinstance(sub, str):
        return False
    return enabled_user(sub) is not None


class Server(flask_oauth2.AuthorizationServer):
    """The authorization server of one domain's provider."""

    def __init__(self, domain_id: str):
        super().__init__(query_client=self._client,
                         save_token=lambda token, request: None)
        self.domain_id = domain_id
        self._key = None
        self.register_grant(AuthorizationCodeGrant, [Pkce(required=True)])
        self.register_grant(RefreshTokenGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(DeviceCodeGrant)
        self.register_grant(TokenExchangeGrant)
        self.register_endpoint(RevocationEndpoint)
        self.register_endpoint(DeviceAuthorizationEndpoint)
        self.register_endpoint(IntrospectionEndpoint)

    def _client(self, client_id):
        # from a Basic header, decoded after the edge's checks
        if (not isinstance(client_id, str) or len(client_id) > 64 or
                ng_text.is_hostile(client_id)):
            return Client(client_id, None)
        ref, hashed = clients.get_manager().find_with_secret_hash(
            self.domain_id, client_id) or (None, None)
        return Client(client_id, ref, hashed)

    def _signing_key(self):
        """The domain's signing key, read once per request."""
        if self._key is None:
            self._key = self._read_signing_key()
        return self._key

    def _read_signing_key(self):
        try:
            return keys.signing_key(self.domain_id)
        except exception.NotFound:
            raise errors.OAuth2Error(
                description='the domain has no signing key yet',
                status_code=503, error='temporarily_unavailable')

    def _sign(self, claims: dict, typ: str) -> str:
        kid, algorithm, key = self._signing_key()
        return jwt.encode({'alg': algorithm, 'kid': kid, 'typ': typ},
                          claims, key)

    def service_token(self, client: Client, scope: str) -> dict:
        """client_credentials: a token of the client's service account."""
        account = client.ref.get('service_account_id')
        if enabled_user(account) is None:
            raise errors.InvalidGrantError(
                'the service account of the client is disabled or gone')
        self._signing_key()
        lifetime, now = access_lifetime(), int(time.time())
        claims = {'iss': issuer(self.domain_id), 'sub': account,
                  'aud': audience(self.domain_id),
                  'client_id': client.get_client_id(), 'jti': uuid.uuid4().hex,
                  'iat': now, 'nbf': now, 'exp': now + lifetime}
        if scope:
            claims['scope'] = scope
        body = {'access_token': self._sign(claims, 'at+jwt'),
                'token_type': 'Bearer', 'expires_in': lifetime}
        if scope:
            body['scope'] = scope
        return body

    def exchanged_token(self, client: Client, target: str,
                        subject: exchange.Subject, scope: str) -> dict:
        """token-exchange: an access token about the subject for the
        target's audience, acted by the client, ending no later than the
        subject token."""
        self._signing_key()
        now = int(time.time())
        expires = min(now + access_lifetime(), subject.expires_at)
        client_id = client.get_client_id()
        claims = dict(subject.context, iss=issuer(self.domain_id),
                      sub=subject.user_id, aud=target, client_id=client_id,
                      act={'sub': client_id}, jti=uuid.uuid4().hex,
                      iat=now, nbf=now, exp=expires)
        if scope:
            claims['scope'] = scope
        body = {'access_token': self._sign(claims, 'at+jwt'),
                'issued_token_type': exchange.ACCESS_TOKEN_TYPE,
                'token_type': 'Bearer', 'expires_in': max(expires - now, 0)}
        if scope:
            body['scope'] = scope
        return body

    def user_token(self, client: Client, grant: Grant, scope: str,
                   include_refresh_token: bool) -> dict:
        """authorization_code and refresh_token: the user's access token,
        an ID token when ``openid`` was granted, and the next refresh
        token of the family when the client has the grant."""
        self._signing_key()
        client_id = client.get_client_id()
        lifetime, now = access_lifetime(), int(time.time())
        claims = {'iss': issuer(self.domain_id), 'sub': grant.user_id,
                  'aud': client_id, 'client_id': client_id,
                  'jti': grant.jti, 'iat': now, 'nbf': now,
                  'exp': now + lifetime, 'auth_time': grant.auth_time}
        if scope:
            claims['scope'] = scope
        if grant.sid:
            claims['sid'] = grant.sid
        access = self._sign(claims, 'at+jwt')
        body = {'access_token': access, 'token_type': 'Bearer',
                'expires_in': lifetime, 'scope': scope or ''}
        scopes = rfc6749.scope_to_list(scope) or []
        if include_refresh_token:
            expires = getattr(grant, 'expires_at', None)
            remaining = (int((expires - state.sql.utcnow()).total_seconds())
                         if expires else refresh_lifetime())
            body['refresh_token'] = state.create_refresh(
                max(remaining, 1), family_id=grant.family_id,
                domain_id=self.domain_id, client_id=client_id,
                user_id=grant.user_id, scope=scope or '',
                auth_time=grant.auth_time, amr=grant.amr, sid=grant.sid,
                access_jti=grant.jti)
        if 'openid' in scopes:
            body['id_token'] = self.id_token(client_id, grant, scopes,
                                             access)
        return body

    def id_token(self, client_id: str, grant: Grant, scopes, access: str
                 ) -> str:
        kid, algorithm, key = self._signing_key()
        now = int(time.time())
        claims = {'iss': issuer(self.domain_id), 'sub': grant.user_id,
                  'aud': client_id, 'azp': client_id, 'iat': now,
                  'exp': now + CONF.oauth2.id_token_lifetime_minutes * 60,
                  'auth_time': grant.auth_time, 'amr': grant.amr,
                  'at_hash': oidc_util.create_half_hash(
                      access, algorithm).decode('ascii')}
        if grant.nonce:
            claims['nonce'] = grant.nonce
        if grant.sid:
            claims['sid'] = grant.sid
        level = acr(grant.amr)
        if level:
            claims['acr'] = level
        user = enabled_user(grant.user_id)
        domain = PROVIDERS.resource_api.get_domain(user['domain_id'])
        claims.update(ng_claims.user_claims(user, domain, scopes))
        return jwt.encode({'alg': algorithm, 'kid': kid, 'typ': 'JWT'},
                          claims, key)


def token_response(domain_id: str) -> flask.Response:
    """The token endpoint's answer to this request."""
    return Server(domain_id).create_token_response()


def revocation_response(domain_id: str) -> flask.Response:
    return Server(domain_id).create_endpoint_response(
        RevocationEndpoint.ENDPOINT_NAME)


def device_authorization_response(domain_id: str) -> flask.Response:
    if not keys.published(domain_id):
        raise exception.NotFound(target='OpenID provider of domain %s'
                                 % domain_id)
    return Server(domain_id).create_endpoint_response(
        DeviceAuthorizationEndpoint.ENDPOINT_NAME)


def introspection_response(domain_id: str) -> flask.Response:
    return Server(domain_id).create_endpoint_response(
        IntrospectionEndpoint.ENDPOINT_NAME)


def _bearer_error(status: int, error: str, description: str
                  ) -> flask.Response:
    response = flask.Response(
        json.dumps({'error': error, 'error_description': description}),
        status=status, mimetype='application/json')
    response.headers['WWW-Authenticate'] = (
        'Bearer error="%s", error_description="%s"' % (error, description))
    response.headers['Cache-Control'] = 'no-store'
    return response


def userinfo_response(domain_id: str) -> flask.Response:
    """OpenID Connect userinfo: the claims of the token's scopes about its
    user, from the bearer header or (POST) an ``access_token`` form
    field."""
    header = flask.request.headers.get('Authorization', '')
    token = None
    if header[:7].lower() == 'bearer ':
        token = header[7:].strip()
    elif flask.request.method == 'POST':
        token = flask.request.form.get('access_token')
    if not token or len(token) > jose.MAX_TOKEN_BYTES or ng_text.is_hostile(
            token):
        return _bearer_error(401, 'invalid_token', 'no bearer token')
    claims = verify_access_token(domain_id, token)
    if claims is None:
        return _bearer_error(401, 'invalid_token',
                             'the token is not valid, expired or revoked')
    scopes = rfc6749.scope_to_list(claims.get('scope')) or []
    if 'openid' not in scopes:
        return _bearer_error(403, 'insufficient_scope',
                             'the token was not granted openid')
    user = enabled_user(claims['sub'])
    if user is None:  # disabled or deleted since the check above
        return _bearer_error(401, 'invalid_token',
                             'the token is not valid, expired or revoked')
    domain = PROVIDERS.resource_api.get_domain(user['domain_id'])
    body = ng_claims.user_claims(user, domain, scopes)
    response = flask.Response(json.dumps(body), mimetype='application/json')
    response.headers['Cache-Control'] = 'no-store'
    return response


def metadata(domain_id: str) -> ty.Optional[dict]:
    """The provider's metadata (OpenID Connect Discovery 1.0 and RFC
    8414), None for a domain without signing keys. Each value is read
    from the code that does it: grants and extensions registered on the
    server, the claims registry, the domain's keys."""
    published = keys.published(domain_id)
    if not published:
        return None
    base = issuer(domain_id)
    methods = USER_AUTH_METHODS
    values = {
        'issuer': base,
        'authorization_endpoint': base + '/authorize',
        'token_endpoint': base + '/token',
        'userinfo_endpoint': base + '/userinfo',
        'jwks_uri': base + '/jwks',
        'revocation_endpoint': base + '/revoke',
        'introspection_endpoint': base + '/introspect',
        'end_session_endpoint': base + '/end_session',
        'device_authorization_endpoint': base + '/device_authorization',
        'response_types_supported': sorted(
            AuthorizationCodeGrant.RESPONSE_TYPES),
        'response_modes_supported': ['query'],
        'grant_types_supported': [
            g.GRANT_TYPE for g in (AuthorizationCodeGrant, RefreshTokenGrant,
                                   ClientCredentialsGrant, DeviceCodeGrant,
                                   TokenExchangeGrant)],
        'code_challenge_methods_supported': list(
            Pkce.SUPPORTED_CODE_CHALLENGE_METHOD),
        'token_endpoint_auth_methods_supported': methods,
        'revocation_endpoint_auth_methods_supported': list(
            RevocationEndpoint.CLIENT_AUTH_METHODS),
        'introspection_endpoint_auth_methods_supported': list(
            IntrospectionEndpoint.CLIENT_AUTH_METHODS),
        'scopes_supported': ng_claims.scopes_supported(),
        'claims_supported': ng_claims.claims_supported(),
        'subject_types_supported': ['public'],
        'id_token_signing_alg_values_supported': sorted(
            {key['alg'] for key in published}),
        'prompt_values_supported': ['none', 'login', 'consent'],
        'request_parameter_supported': False,
        'request_uri_parameter_supported': False,
        'claims_parameter_supported': False,
        'authorization_response_iss_parameter_supported': True,
    }
    if CONF.oauth2.acr_values:
        values['acr_values_supported'] = sorted(
            set(CONF.oauth2.acr_values.values()))
    return values
