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
"""Keystone as an OpenID provider: /v4/oauth2/{domain_id}/...

The discovery documents, the published signing keys (``jwks``), the
clients, the authorization endpoint and its pages, the token,
introspection and revocation endpoints, userinfo and logout. The protocol
is authlib's (:mod:`keystone_ng_plugin.oauth2.server`), the pages the
plugin's (:mod:`keystone_ng_plugin.oauth2.authorize`).
"""

import hashlib
import http.client
import json
import urllib.parse

import flask

from keystone.common import rbac_enforcer
from keystone import exception
from keystone.server import flask as ks_flask

from keystone_ng_plugin.common import api as ng_api
from keystone_ng_plugin.common import crud
from keystone_ng_plugin.common import discovery
from keystone_ng_plugin.common import json_body
from keystone_ng_plugin.common import validation
from keystone_ng_plugin.oauth2 import authorize
from keystone_ng_plugin.oauth2 import clients
from keystone_ng_plugin.oauth2 import device
from keystone_ng_plugin.oauth2 import keys
from keystone_ng_plugin.oauth2 import schema
from keystone_ng_plugin.oauth2 import server as oauth2_server
from keystone_ng_plugin.token import delegation
import keystone_ng_plugin.conf

CONF = keystone_ng_plugin.conf.CONF
ENFORCER = rbac_enforcer.RBACEnforcer
TAGS = ('oauth2',)
CLIENT_TAGS = ('oauth2_clients',)
RULE = 'identity:ng:oauth2_client:'

_jwk = {
    'type': 'object',
    'required': ['kty', 'kid', 'alg', 'use'],
    'properties': {
        'kty': {'type': 'string', 'enum': ['EC', 'RSA']},
        'kid': {'type': 'string',
                'description': 'RFC 7638 thumbprint of the key'},
        'alg': {'type': 'string', 'enum': ['ES256', 'RS256']},
        'use': {'type': 'string', 'enum': ['sig']},
        'crv': {'type': 'string'}, 'x': {'type': 'string'},
        'y': {'type': 'string'}, 'n': {'type': 'string'},
        'e': {'type': 'string'},
    },
    'additionalProperties': False,
}
token_response = {
    'type': 'object',
    'required': ['access_token', 'token_type', 'expires_in'],
    'properties': {
        'access_token': {'type': 'string',
                         'description': 'An RFC 9068 JWT (typ at+jwt).'},
        'token_type': {'type': 'string', 'enum': ['Bearer']},
        'expires_in': {'type': 'integer'},
        'scope': {'type': 'string'},
    },
}
# RFC 6749 section 5.2
oauth2_error = {
    'type': 'object',
    'required': ['error'],
    'properties': {
        'error': {'type': 'string', 'description': 'invalid_request, '
                  'invalid_client, invalid_grant, unauthorized_client, '
                  'unsupported_grant_type, invalid_scope or '
                  'temporarily_unavailable'},
        'error_description': {'type': 'string'},
        'error_uri': {'type': 'string'},
    },
}
jwks_response = {
    'type': 'object',
    'required': ['keys'],
    'properties': {'keys': {'type': 'array', 'items': _jwk, 'minItems': 1}},
    'additionalProperties': False,
}


class JWKSResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary="The public signing keys of a domain's OpenID provider",
        tags=TAGS, authenticated=False, errors=(304, 404),
        response_media_types=('application/json',),
        response_headers=(
            ('Cache-Control', 'public, max-age=[oauth2] jwks_max_age'),
            ('ETag', 'The document\'s version: send it back in '
                     'If-None-Match for a 304.')),
        response_schema=jwks_response)
    @ks_flask.unenforced_api
    def get(self, domain_id):
        """The JSON Web Key Set (RFC 7517) tokens of the domain's provider
        are signed with: the signing key first, then the one that signs
        after the next rotation, then retired keys until the tokens they
        signed have expired. 404 for a domain without keys
        (``keystone-ng-manage oauth2_key_rotate`` makes them).
        """
        published = keys.published(domain_id)
        if not published:
            raise exception.NotFound(
                target='signing keys of domain %s' % domain_id)
        body = json.dumps({'keys': published}, sort_keys=True)
        etag = hashlib.sha256(body.encode()).hexdigest()[:32]
        if flask.request.if_none_match.contains(etag):
            response = flask.Response(status=http.client.NOT_MODIFIED)
        else:
            response = flask.Response(body, mimetype='application/json')
        response.set_etag(etag)
        response.headers['Cache-Control'] = (
            'public, max-age=%d' % CONF.oauth2.jwks_max_age)
        return response


def _enforce(action: str, domain_id: str, ref=None):
    target = dict(ref or {}, domain_id=domain_id)
    ENFORCER.enforce_call(action=RULE + action,
                          target_attr={'oauth2_client': target})


def _enforce_pre_authorized(domain_id: str, ref: dict):
    if ref.get('pre_authorized'):
        _enforce('pre_authorize', domain_id, ref)


class ClientsResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Register a client', status=201,
                      tags=CLIENT_TAGS, errors=(404, 409))
    @validation.request_body_schema(schema.oauth2_client_create)
    @validation.response_body_schema(schema.oauth2_client_response)
    def post(self, domain_id):
        """A client of the domain's OpenID provider. A confidential
        client's ``client_secret`` is in this answer only (the server
        keeps a slow hash). ``pre_authorized`` needs an admin. Audited
        (CADF ``identity.oauth2_client.created``).
        """
        ref = flask.request.get_json()['oauth2_client']
        _enforce('create', domain_id, ref)
        _enforce_pre_authorized(domain_id, ref)
        delegation.check(delegation.Credential.OAUTH2_CLIENT)
        client, secret = clients.get_manager().create(domain_id, ref)
        body = {'oauth2_client': client}
        if secret is not None:
            body['client_secret'] = secret
        return body, http.client.CREATED

    @ng_api.operation(summary="List a domain's clients", tags=CLIENT_TAGS)
    @validation.request_query_schema(schema.oauth2_clients_query)
    @validation.response_body_schema(schema.oauth2_clients_response)
    def get(self, domain_id):
        """By ``provider_id``, a page at a time: ``limit`` (at most
        keystone's ``[DEFAULT] list_limit``, 100 when unset) and
        ``marker`` (the last ``provider_id`` of the previous page);
        ``links.next`` is the next page, null after the last one.
        ``enabled`` filters.
        """
        _enforce('list', domain_id)
        limit, marker = crud.page_request()
        enabled = flask.request.args.get('enabled')
        page, more = clients.get_manager().list(
            domain_id, enabled=None if enabled is None else
            enabled == 'true', limit=limit, marker=marker)
        url = discovery.v4_url('oauth2/%s/clients' % urllib.parse.quote(
            domain_id, safe=''))
        return {'oauth2_clients': page,
                'links': {'self': url, 'next': crud.next_link(
                    url, limit, page[-1]['provider_id']) if more else None,
                    'previous': None}}


def _refuse_restricted():
    delegation.refuse_restricted_caller('manage OAuth2 clients')


class ClientResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Show a client', tags=CLIENT_TAGS,
                      errors=(404,))
    @validation.response_body_schema(schema.oauth2_client_response)
    def get(self, domain_id, provider_id):
        """The client, without its secret."""
        _enforce('get', domain_id)
        return {'oauth2_client': clients.get_manager().get(
            domain_id, provider_id)}

    @ng_api.operation(summary='Update a client', tags=CLIENT_TAGS,
                      errors=(404,),
                      description='Fields to change (confidential and '
                                  'provider_id cannot change).')
    @validation.request_body_schema(schema.oauth2_client_update)
    @validation.response_body_schema(schema.oauth2_client_response)
    def put(self, domain_id, provider_id):
        changes = flask.request.get_json()['oauth2_client']
        _enforce('update', domain_id, changes)
        _enforce_pre_authorized(domain_id, changes)
        _refuse_restricted()
        return {'oauth2_client': clients.get_manager().update(
            domain_id, provider_id, changes)}

    @ng_api.operation(summary='Delete a client', status=204,
                      tags=CLIENT_TAGS, errors=(404,))
    def delete(self, domain_id, provider_id):
        """A tombstone: the client is disabled and hidden, its secret
        forgotten, and its ``provider_id`` is never given again."""
        _enforce('delete', domain_id)
        _refuse_restricted()
        clients.get_manager().delete(domain_id, provider_id)
        return None, http.client.NO_CONTENT


class RotateSecretResource(ks_flask.ResourceBase):

    @ng_api.operation(summary="Replace a client's secret", tags=CLIENT_TAGS,
                      errors=(404,))
    @validation.response_body_schema(schema.secret_response)
    def post(self, domain_id, provider_id):
        """A new secret for a confidential client, shown this once; the old
        one stops working at once."""
        _enforce('rotate_secret', domain_id)
        delegation.check(delegation.Credential.OAUTH2_CLIENT)
        return {'client_secret': clients.get_manager().rotate_secret(
            domain_id, provider_id)}


# RFC 6749 requests, the pages' posts and logout are forms
json_body.allow_form_bodies(
    r'^/v4/oauth2/[^/]+/(token|introspect|revoke|userinfo|end_session|'
    r'authorize(/login|/second-factor|/consent|/continue)?|'
    r'device_authorization|device(/login|/consent)?)$')


def _form(required=(), **fields) -> dict:
    return {'type': 'object', 'required': list(required),
            'properties': {name: dict({'type': 'string'}, **extra)
                           for name, extra in fields.items()}}


token_form = _form(
    ['grant_type'],
    grant_type={'enum': oauth2_server.GRANT_TYPES},
    code={}, redirect_uri={}, code_verifier={}, refresh_token={}, scope={},
    device_code={'description': 'the device grant\'s, from '
                 'device_authorization'},
    subject_token={'description': 'token-exchange: a keystone token'},
    subject_token_type={'description': 'token-exchange: '
                        'urn:openstack:params:oauth:token-type:keystone'},
    requested_token_type={'description': 'token-exchange: '
                          'urn:ietf:params:oauth:token-type:access_token '
                          '(the default and only one)'},
    audience={'description': 'token-exchange: the client_id of the '
              'target client (default: the exchanging client)'},
    client_id={'description': 'client_secret_post, or a public client'},
    client_secret={'description': 'client_secret_post'})
held_token_form = _form(
    ['token'], token={},
    token_type_hint={'enum': ['access_token', 'refresh_token']},
    client_id={}, client_secret={})
_page_fields = {'request': {'description': 'the pending request'},
                'csrf_token': {}}
login_form = _form(['request', 'csrf_token', 'username', 'password'],
                   username={}, password={'format': 'password'},
                   **_page_fields)
second_factor_form = _form(['request', 'csrf_token', 'passcode'],
                           passcode={}, **_page_fields)
consent_form = _form(['request', 'csrf_token', 'decision'],
                     decision={'enum': ['allow', 'deny']}, **_page_fields)
authorize_form = _form(
    ['response_type', 'client_id', 'redirect_uri', 'scope'],
    response_type={'enum': ['code']}, client_id={}, redirect_uri={},
    scope={'description': 'openid and more of the client\'s scopes'},
    state={}, nonce={}, code_challenge={},
    code_challenge_method={'enum': ['S256']},
    prompt={'description': 'none, login or consent'},
    max_age={}, login_hint={}, id_token_hint={})
device_authorization_form = _form(
    (), client_id={'description': 'a public client, or client_secret_post'},
    client_secret={'description': 'client_secret_post'},
    scope={'description': 'the client\'s scopes, space separated'},
    code_challenge={'description': 'optional PKCE (S256), verified at the '
                    'token endpoint'},
    code_challenge_method={'enum': ['S256']})
device_form = _form(['user_code'], user_code={
    'description': 'the code the device shows (XXXX-XXXX; case, spaces and '
                   'the dash do not matter)'})
device_authorization_response = {
    'type': 'object',
    'required': ['device_code', 'user_code', 'verification_uri',
                 'expires_in', 'interval'],
    'properties': {
        'device_code': {'type': 'string'},
        'user_code': {'type': 'string', 'pattern': '^[BCDFGHJKLMNPQRSTVWXZ]'
                      '{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$'},
        'verification_uri': {'type': 'string'},
        'verification_uri_complete': {'type': 'string'},
        'expires_in': {'type': 'integer'},
        'interval': {'type': 'integer'},
    },
}
end_session_form = _form((), id_token_hint={}, post_logout_redirect_uri={},
                         client_id={}, state={})
userinfo_form = _form(['access_token'], access_token={})
userinfo_response = {
    'type': 'object', 'required': ['sub'],
    'properties': {name: {'type': 'string'}
                   for name in oauth2_server.ng_claims.claims_supported()},
}
metadata_response = {
    'type': 'object',
    'required': ['issuer', 'authorization_endpoint', 'token_endpoint',
                 'jwks_uri', 'response_types_supported',
                 'subject_types_supported',
                 'id_token_signing_alg_values_supported'],
    'description': 'OpenID Connect Discovery 1.0 / RFC 8414 metadata',
}
introspection_response = {
    'type': 'object', 'required': ['active'],
    'properties': {'active': {'type': 'boolean'}},
}
_HTML = ('text/html',)
_PAGE_HEADERS = (('Content-Security-Policy', "frame-ancestors 'none', no "
                  "script"), ('Cache-Control', 'no-store'))


class TokenResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary="The token endpoint of a domain's OpenID provider",
        tags=TAGS, authenticated=False, errors=(401, 503),
        response_headers=(('Cache-Control', 'no-store'),),
        response_schema=token_response, error_schema=oauth2_error,
        form_schema=token_form)
    @ks_flask.unenforced_api
    def post(self, domain_id):
        """An RFC 6749 token request (``application/x-www-form-urlencoded``),
        the client authenticated with ``client_secret_basic`` or
        ``client_secret_post`` (or a public client by ``client_id`` with
        PKCE). ``authorization_code`` (PKCE S256; single use: a second
        redemption fails and revokes what the first issued) and
        ``refresh_token`` (rotating; a used one revokes its family): the
        user's RFC 9068 access token (``aud`` the client), an ID token for
        ``openid``, and the next refresh token for a client with the grant.
        ``client_credentials``: for a confidential client bound to a
        service account, an access token whose ``sub`` is that account
        (``aud`` ``openstack-apis:<domain_id>``). Tokens are signed with
        the domain's key. Errors per RFC 6749 section 5.2;
        ``invalid_client`` is a 401 with ``WWW-Authenticate``.
        """
        return oauth2_server.token_response(domain_id)


def _metadata(domain_id):
    document = oauth2_server.metadata(domain_id)
    if document is None:
        raise exception.NotFound(
            target='OpenID provider of domain %s (no signing keys)'
            % domain_id)
    response = flask.Response(json.dumps(document),
                              mimetype='application/json')
    response.headers['Cache-Control'] = (
        'public, max-age=%d' % CONF.oauth2.jwks_max_age)
    return response


class OpenIDConfigurationResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary="The OpenID Connect discovery document of a domain's "
                "provider", tags=TAGS, authenticated=False, errors=(404,),
        response_schema=metadata_response)
    @ks_flask.unenforced_api
    def get(self, domain_id):
        """Issuer, endpoints, grants, PKCE methods, client authentication
        methods, scopes, claims and signing algorithms, each read from the
        code that implements it. 404 for a domain without signing keys.
        """
        return _metadata(domain_id)


class AuthorizationServerMetadataResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary="RFC 8414 metadata of a domain's provider", tags=TAGS,
        authenticated=False, errors=(404,),
        response_schema=metadata_response)
    @ks_flask.unenforced_api
    def get(self, domain_id):
        """The same document as ``openid-configuration``."""
        return _metadata(domain_id)


class AuthorizeResource(ks_flask.ResourceBase):

    _doc = dict(tags=TAGS, authenticated=False, errors=(302, 404),
                response_media_types=_HTML, response_headers=_PAGE_HEADERS)

    @ng_api.operation(summary='The authorization endpoint', **_doc)
    @ks_flask.unenforced_api
    def get(self, domain_id):
        """OpenID Connect authorization code flow (``response_type=code``,
        PKCE S256, ``state``, ``nonce``, ``prompt`` none/login/consent,
        ``max_age``, ``login_hint``, ``id_token_hint``; request objects are
        refused with ``request_not_supported``). With a live SSO session
        and remembered consent: a 302 to the redirect URI with the code;
        otherwise the sign-in or consent page. Errors about the client or
        its redirect URI are a page; the others go to the redirect URI.
        """
        return authorize.authorize(domain_id)

    @ng_api.operation(summary='The authorization endpoint (form post)',
                      form_schema=authorize_form, **_doc)
    @ks_flask.unenforced_api
    def post(self, domain_id):
        """As GET, the parameters in a form body."""
        return authorize.authorize(domain_id)


class LoginResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Sign in on the provider (password form)',
                      tags=TAGS, authenticated=False, errors=(303, 401, 403),
                      response_media_types=_HTML, form_schema=login_form,
                      response_headers=_PAGE_HEADERS)
    @ks_flask.unenforced_api
    def post(self, domain_id):
        """Keystone's password method (lockout and password expiry
        apply). Then the second-factor page when the user's MFA rules ask
        for one, the consent page, or a 303 to the client with the code.
        Only from the browser that opened the request (its cookie) with
        the page's CSRF token.
        """
        return authorize.login(domain_id)


class SecondFactorResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='A second factor on the provider (TOTP)',
                      tags=TAGS, authenticated=False, errors=(303, 401, 403),
                      response_media_types=_HTML,
                      form_schema=second_factor_form,
                      response_headers=_PAGE_HEADERS)
    @ks_flask.unenforced_api
    def post(self, domain_id):
        """Keystone's totp method, for users whose MFA rules need it."""
        return authorize.second_factor(domain_id)


passkey_step = {
    'type': 'object', 'required': ['request', 'csrf_token'],
    'properties': {'request': {'type': 'string', 'maxLength': 128},
                   'csrf_token': {'type': 'string', 'maxLength': 128}},
}
passkey_finish = {
    'type': 'object', 'required': ['request', 'csrf_token', 'credential'],
    'properties': dict(passkey_step['properties'], credential={
        'type': 'object', 'description': 'AuthenticationResponseJSON'}),
}
passkey_options = {
    'type': 'object', 'required': ['public_key'],
    'properties': {'public_key': {
        'type': 'object',
        'description': 'PublicKeyCredentialRequestOptionsJSON'}},
}
_STEP_ERROR = {'type': 'object', 'required': ['error'],
               'properties': {'error': {'type': 'string'}}}


class PasskeyStartResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Passkey options for a sign-in on the '
                              'provider', tags=TAGS, authenticated=False,
                      errors=(403,), response_schema=passkey_options,
                      error_schema=_STEP_ERROR)
    @validation.request_body_schema(passkey_step)
    @ks_flask.unenforced_api
    def post(self, domain_id):
        """For the login page (usernameless: any of the user's passkeys)
        or as the second factor (the passkeys of the user who gave the
        password), with the page's request handle and CSRF token, from
        the browser that opened the request."""
        return authorize.passkey_start(domain_id)


class PasskeyFinishResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='A passkey sign-in on the provider',
                      tags=TAGS, authenticated=False, errors=(401, 403),
                      error_schema=_STEP_ERROR,
                      response_schema={'type': 'object'})
    @validation.request_body_schema(passkey_finish)
    @ks_flask.unenforced_api
    def post(self, domain_id):
        """The plugin's WebAuthn verification (challenge single use, sign
        count, user handle); the SSO session opens (``amr`` ``hwk`` or
        ``swk``, ``user`` when the user was verified) and the page posts
        ``authorize/continue``. Refused when the user's MFA rules need
        more than the passkey."""
        return authorize.passkey_finish(domain_id)


class ContinueResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Continue after a passkey sign-in', tags=TAGS,
                      authenticated=False, errors=(303, 403),
                      response_media_types=_HTML,
                      form_schema=_form(['request', 'csrf_token'],
                                        **_page_fields),
                      response_headers=_PAGE_HEADERS)
    @ks_flask.unenforced_api
    def post(self, domain_id):
        """The consent page, or a 303 to the client with the code."""
        return authorize.continue_(domain_id)


class ScriptResource(ks_flask.ResourceBase):

    @ng_api.operation(summary="The sign-in pages' passkey script",
                      tags=TAGS, authenticated=False,
                      response_media_types=('text/javascript',))
    @ks_flask.unenforced_api
    def get(self, domain_id):
        """WebAuthn for the login and second-factor pages."""
        return authorize.script()


class ConsentResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Allow or deny a client', tags=TAGS,
                      authenticated=False, errors=(303, 403),
                      response_media_types=_HTML, form_schema=consent_form,
                      response_headers=_PAGE_HEADERS)
    @ks_flask.unenforced_api
    def post(self, domain_id):
        """``allow`` is remembered for the user, client and scopes; both
        answers are a 303 to the client (``access_denied`` for deny)."""
        return authorize.consent(domain_id)


class UserinfoResource(ks_flask.ResourceBase):

    _doc = dict(tags=TAGS, authenticated=False, errors=(401, 403),
                response_headers=(('Cache-Control', 'no-store'),),
                response_schema=userinfo_response, error_schema=oauth2_error)

    @ng_api.operation(summary='OpenID Connect userinfo', **_doc)
    @ks_flask.unenforced_api
    def get(self, domain_id):
        """The claims of the access token's scopes about its user
        (``Authorization: Bearer``): ``sub``; ``preferred_username``,
        ``name``, ``domain_id``, ``domain_name`` for ``profile``; ``email``
        for ``email``. 401 (``WWW-Authenticate``) for a token that is
        invalid, expired, revoked or of a disabled or deleted user.
        """
        return oauth2_server.userinfo_response(domain_id)

    @ng_api.operation(summary='OpenID Connect userinfo (POST)',
                      form_schema=userinfo_form, **_doc)
    @ks_flask.unenforced_api
    def post(self, domain_id):
        """As GET; the token in the header or an ``access_token`` form
        field."""
        return oauth2_server.userinfo_response(domain_id)


class DeviceAuthorizationResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary='Device authorization (RFC 8628)', tags=TAGS,
        authenticated=False, errors=(401, 404),
        response_headers=(('Cache-Control', 'no-store'),),
        response_schema=device_authorization_response,
        error_schema=oauth2_error, form_schema=device_authorization_form)
    @ks_flask.unenforced_api
    def post(self, domain_id):
        """For a client with the ``device_code`` grant, authenticated as at
        the token endpoint (a public one by ``client_id``): a
        ``device_code`` to poll the token endpoint with
        (``urn:ietf:params:oauth:grant-type:device_code``), and a
        ``user_code`` (eight letters of the RFC's vowel-free alphabet) for
        the user to enter at ``verification_uri``. Polls answer
        ``authorization_pending`` until the user answered, ``slow_down``
        (and 5 s more) when sooner than ``interval``, ``access_denied``,
        ``expired_token``; then the user's tokens, as for a code.
        """
        return oauth2_server.device_authorization_response(domain_id)


class DeviceResource(ks_flask.ResourceBase):

    _doc = dict(tags=TAGS, authenticated=False, errors=(400, 403, 404),
                response_media_types=_HTML, response_headers=_PAGE_HEADERS)

    @ng_api.operation(summary='The device page: enter the user code',
                      **_doc)
    @ks_flask.unenforced_api
    def get(self, domain_id):
        """The code entry form, filled from ``user_code``
        (``verification_uri_complete``); it never approves by itself."""
        return device.page(domain_id)

    @ng_api.operation(summary='The device page: the user code entered',
                      form_schema=device_form, **_doc)
    @ks_flask.unenforced_api
    def post(self, domain_id):
        """The sign-in page (password or passkey, second factor per the
        user's MFA rules), or with an SSO session straight to the consent
        page, which a device's request always shows. A wrong code is a 400
        page and costs extra throttle requests; a code tried
        ``[oauth2] device_user_code_attempts`` times is used up (403)."""
        return device.page(domain_id)


class DeviceLoginResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Sign in on the device page (password form)',
                      tags=TAGS, authenticated=False, errors=(401, 403),
                      response_media_types=_HTML, form_schema=login_form,
                      response_headers=_PAGE_HEADERS)
    @ks_flask.unenforced_api
    def post(self, domain_id):
        """As ``authorize/login``, for a device's request; a failed sign-in
        counts against its user code."""
        return authorize.login(domain_id)


class DeviceConsentResource(ks_flask.ResourceBase):

    @ng_api.operation(summary="Allow or deny a device's request", tags=TAGS,
                      authenticated=False, errors=(403,),
                      response_media_types=_HTML, form_schema=consent_form,
                      response_headers=_PAGE_HEADERS)
    @ks_flask.unenforced_api
    def post(self, domain_id):
        """The answer the device's next poll gets: its tokens, or
        ``access_denied``."""
        return authorize.consent(domain_id)


class IntrospectResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Token introspection (RFC 7662)', tags=TAGS,
                      authenticated=False, errors=(401,),
                      response_schema=introspection_response,
                      error_schema=oauth2_error, form_schema=held_token_form)
    @ks_flask.unenforced_api
    def post(self, domain_id):
        """For an authenticated client, about the access and refresh
        tokens issued to it: ``active`` false when revoked, expired, of a
        disabled or deleted user, or another client's."""
        return oauth2_server.introspection_response(domain_id)


class RevokeResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Token revocation (RFC 7009)', tags=TAGS,
                      authenticated=False, errors=(401,),
                      error_schema=oauth2_error, form_schema=held_token_form)
    @ks_flask.unenforced_api
    def post(self, domain_id):
        """Revoke an access token (its ``jti``) or a refresh token (its
        whole family), visible at once to userinfo and introspection. 200
        for unknown tokens too."""
        return oauth2_server.revocation_response(domain_id)


class EndSessionResource(ks_flask.ResourceBase):

    _doc = dict(tags=TAGS, authenticated=False, errors=(302,),
                response_media_types=_HTML, response_headers=_PAGE_HEADERS)

    @ng_api.operation(summary='RP-initiated logout', **_doc)
    @ks_flask.unenforced_api
    def get(self, domain_id):
        """Ends the browser's SSO session; with a registered
        ``post_logout_redirect_uri`` (and ``id_token_hint`` or
        ``client_id``), a 302 there with ``state``."""
        return authorize.end_session(domain_id)

    @ng_api.operation(summary='RP-initiated logout (form post)',
                      form_schema=end_session_form, **_doc)
    @ks_flask.unenforced_api
    def post(self, domain_id):
        """As GET."""
        return authorize.end_session(domain_id)


class OAuth2API(ng_api.V4APIBase):
    _name = 'ng_oauth2'
    _import_name = __name__
    url_prefix = '/v4/oauth2'
    resource_mapping = [
        ng_api.resource(JWKSResource, '/<string:domain_id>/jwks'),
        ng_api.resource(TokenResource, '/<string:domain_id>/token'),
        ng_api.resource(
            OpenIDConfigurationResource,
            '/<string:domain_id>/.well-known/openid-configuration'),
        ng_api.resource(
            AuthorizationServerMetadataResource,
            '/<string:domain_id>/.well-known/oauth-authorization-server'),
        ng_api.resource(AuthorizeResource, '/<string:domain_id>/authorize'),
        ng_api.resource(LoginResource, '/<string:domain_id>/authorize/login'),
        ng_api.resource(SecondFactorResource,
                        '/<string:domain_id>/authorize/second-factor'),
        ng_api.resource(ConsentResource,
                        '/<string:domain_id>/authorize/consent'),
        ng_api.resource(PasskeyStartResource,
                        '/<string:domain_id>/authorize/passkey/start'),
        ng_api.resource(PasskeyFinishResource,
                        '/<string:domain_id>/authorize/passkey/finish'),
        ng_api.resource(ContinueResource,
                        '/<string:domain_id>/authorize/continue'),
        ng_api.resource(ScriptResource,
                        '/<string:domain_id>/authorize/passkey.js'),
        ng_api.resource(UserinfoResource, '/<string:domain_id>/userinfo'),
        ng_api.resource(IntrospectResource, '/<string:domain_id>/introspect'),
        ng_api.resource(DeviceAuthorizationResource,
                        '/<string:domain_id>/device_authorization'),
        ng_api.resource(DeviceResource, '/<string:domain_id>/device'),
        ng_api.resource(DeviceLoginResource,
                        '/<string:domain_id>/device/login'),
        ng_api.resource(DeviceConsentResource,
                        '/<string:domain_id>/device/consent'),
        ng_api.resource(RevokeResource, '/<string:domain_id>/revoke'),
        ng_api.resource(EndSessionResource,
                        '/<string:domain_id>/end_session'),
        ng_api.resource(ClientsResource, '/<string:domain_id>/clients'),
        ng_api.resource(ClientResource,
                        '/<string:domain_id>/clients/<string:provider_id>'),
        ng_api.resource(
            RotateSecretResource,
            '/<string:domain_id>/clients/<string:provider_id>/rotate-secret'),
    ]


APIs = (OAuth2API,)
