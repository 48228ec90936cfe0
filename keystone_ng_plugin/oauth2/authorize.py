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
"""The provider's browser side: the authorization endpoint, its login,
second-factor and consent pages, the SSO session and RP-initiated logout.

authlib validates each authorization request (client, exact redirect URI,
response type, scopes, PKCE); this module decides whether the user must
sign in (no session, ``prompt=login``, ``max_age``, an ``id_token_hint``
of someone else) or consent, and keeps every step in SQL
(:mod:`state`), so any node serves any step.

The pages work without JavaScript. Every form carries the pending
request's handle and CSRF token, and is accepted only from the browser
the request was started in (an HttpOnly ``SameSite=Lax`` cookie: a
cross-site form post carries none). Sign-in is keystone's own: its
``password`` method (lockout, password expiry, disabled users and
domains), the plugin's passkeys (usernameless too; the only script of the
pages is WebAuthn's), and keystone's ``totp`` method or a passkey where
the user's ``multi_factor_auth_rules`` ask for a second factor. ``amr``
says which (RFC 8176): ``pwd``, ``otp``, ``hwk`` (a device-bound passkey)
or ``swk`` (a synced one), ``user`` when the authenticator verified the
user, ``mfa`` for two factors.
"""

import base64
import functools
import hashlib
import importlib.resources
import json
import time
import typing as ty
import urllib.parse

import flask
import jinja2
import jwt as pyjwt
from authlib.common import urls as authlib_urls
from authlib.oauth2.rfc6749 import errors
from keystone.auth import core as auth_core
from keystone.auth.plugins import password as ks_password
from keystone.auth.plugins import totp as ks_totp
from keystone.common import provider_api
from keystone import exception
from oslo_log import log

from keystone_ng_plugin.auth import methods as auth_methods
from keystone_ng_plugin.common import jose
from keystone_ng_plugin.common import text as ng_text
from keystone_ng_plugin.oauth2 import keys
from keystone_ng_plugin.oauth2 import server as oauth2_server
from keystone_ng_plugin.oauth2 import state
from keystone_ng_plugin.passkey import core as passkeys
import keystone_ng_plugin.conf

CONF = keystone_ng_plugin.conf.CONF
LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
SESSION_COOKIE = 'ng_oauth2_session'
BROWSER_COOKIE = 'ng_oauth2_browser'
# what the consent page says each scope gives
SCOPE_TEXT = {
    'openid': 'that you are signed in, and your user ID',
    'profile': 'your user name and domain',
    'email': 'your email address',
    'groups': 'the names of your groups',
    'openstack:api': 'access to OpenStack APIs as you',
    'openstack': 'to sign in to OpenStack as you (keystone tokens with '
                 'your roles)',
}
# request parameters kept while the user signs in
_KEPT = ('client_id', 'redirect_uri', 'scope', 'state', 'nonce',
         'code_challenge', 'code_challenge_method', 'prompt', 'max_age',
         'login_hint')
_MAX_FIELD = 4096


@functools.lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source), autoescape=True)


def _template_source(name: str) -> str:
    return _asset(name).decode('utf-8')


@functools.lru_cache(maxsize=None)
def _asset(name: str) -> bytes:
    return importlib.resources.files('keystone_ng_plugin.oauth2').joinpath(
        'pages', name).read_bytes()


def _style() -> str:
    return _asset('style.css').decode('utf-8')


@functools.lru_cache(maxsize=1)
def _style_hash() -> str:
    digest = hashlib.sha256(_style().encode('utf-8')).digest()
    return "'sha256-%s'" % base64.b64encode(digest).decode('ascii')


def _origin(uri: ty.Optional[str]) -> ty.Optional[str]:
    if not uri:
        return None
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme in ('http', 'https'):
        return '%s://%s' % (parts.scheme, parts.netloc)
    return '%s:' % parts.scheme  # a private-use scheme


def security_headers(redirect_uri: ty.Optional[str] = None,
                     script: bool = False) -> dict:
    """No framing, nothing cached, no script but the page's own WebAuthn
    file; forms post here, and (after a redirect) to the client's
    redirect URI."""
    targets = "'self'"
    origin = _origin(redirect_uri)
    if origin:
        targets += ' ' + origin
    scripts = "script-src 'self'; connect-src 'self'; " if script else ''
    return {
        'Content-Security-Policy': (
            "default-src 'none'; %sstyle-src %s; img-src 'self'; "
            "base-uri 'none'; form-action %s; frame-ancestors 'none'"
            % (scripts, _style_hash(), targets)),
        'X-Content-Type-Options': 'nosniff',
        'X-Frame-Options': 'DENY',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-store',
        'Pragma': 'no-cache',
        'Cross-Origin-Opener-Policy': 'same-origin',
    }


def provider_path(domain_id: str, *parts: str) -> str:
    """An absolute path of the domain's provider, behind keystone's
    prefix."""
    return '/'.join((flask.request.script_root, 'v4', 'oauth2',
                     urllib.parse.quote(domain_id, safe='')) + parts)


def page(name: str, status: int = 200, redirect_uri=None, script=None,
         **values) -> flask.Response:
    body = _templates().get_template(name).render(style=_style(),
                                                  script=script, **values)
    response = flask.Response(body, status=status, mimetype='text/html')
    response.headers.update(security_headers(redirect_uri,
                                             script=bool(script)))
    return response


def script() -> flask.Response:
    """The pages' one script: WebAuthn for passkeys."""
    response = flask.Response(_asset('passkey.js'),
                              mimetype='text/javascript')
    response.headers.update(security_headers())
    response.headers['Cache-Control'] = 'no-cache'
    return response


def message(title: str, text: str, status: int = 400) -> flask.Response:
    return page('message.html', status=status, title=title, message=text)


def _redirect(uri: str) -> flask.Response:
    # 303 after a form post: the client's redirect URI gets a GET
    status = 302 if flask.request.method == 'GET' else 303
    response = flask.Response(status=status)
    response.headers['Location'] = uri
    response.headers.update(security_headers(uri))
    return response


def _error_redirect(params: dict, error: str, description: str
                    ) -> flask.Response:
    query = [('error', error), ('error_description', description)]
    if params.get('state'):
        query.append(('state', params['state']))
    query.append(('iss', oauth2_server.issuer(params['domain_id'])))
    return _redirect(authlib_urls.add_params_to_uri(params['redirect_uri'],
                                                    query))


def _secure() -> bool:
    return flask.request.scheme == 'https'


def _set_cookie(response, domain_id: str, name: str, value: str):
    response.set_cookie(name, value, path=provider_path(domain_id),
                        httponly=True, samesite='Lax', secure=_secure())


def _cookie(name: str) -> ty.Optional[str]:
    value = flask.request.cookies.get(name)
    if not value or len(value) > 128 or ng_text.is_hostile(value):
        return None
    return value


def form_field(name: str) -> str:
    value = flask.request.form.get(name, '')
    if len(value) > _MAX_FIELD or ng_text.is_hostile(value):
        return ''
    return value


# -- the session -------------------------------------------------------------

def current_session(domain_id: str) -> ty.Optional[state.SessionModel]:
    """The browser's live session with the domain's provider, if its user
    is still enabled."""
    session = state.get_session(domain_id, _cookie(SESSION_COOKIE))
    if session is None or oauth2_server.enabled_user(
            session.user_id) is None:
        return None
    return session


def _hint_subject(domain_id: str, client_id: str, hint: str
                  ) -> ty.Optional[str]:
    """The ``sub`` of an ID token this provider issued to the client
    (expired ones too, as OpenID Connect allows), else None."""
    published = keys.published(domain_id)
    try:
        verified = jose.verify_jwt(
            hint, keys=jose.keys_from_jwks({'keys': published}),
            issuer=oauth2_server.issuer(domain_id),
            audiences=[client_id], algorithms=('ES256', 'RS256'),
            leeway=CONF.oauth2.session_lifetime_minutes * 60)
    except jose.InvalidJWT:
        return None
    sub = verified.claims.get('sub')
    return sub if isinstance(sub, str) else None


# -- the authorization endpoint ---------------------------------------------

class _Refusal(Exception):
    """An error for the client, at its redirect URI."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error, self.description = error, description


def _max_age(params: dict) -> ty.Optional[int]:
    raw = params.get('max_age')
    if raw in (None, ''):
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise _Refusal('invalid_request', 'max_age is a number of seconds')
    return int(raw)


def _prompts(params: dict) -> set:
    prompts = set((params.get('prompt') or '').split())
    if prompts - {'none', 'login', 'consent', 'select_account'}:
        raise _Refusal('invalid_request', 'prompt: none, login or consent')
    if 'none' in prompts and len(prompts) > 1:
        raise _Refusal('invalid_request', 'prompt=none stands alone')
    return prompts


def _needs_consent(client: dict, user_id: str, scopes, prompts) -> bool:
    if client['pre_authorized']:
        return False
    return 'consent' in prompts or not state.has_consent(
        user_id, client['client_id'], scopes)


def authorize(domain_id: str) -> flask.Response:
    """GET or POST /v4/oauth2/{domain_id}/authorize."""
    if not keys.published(domain_id):
        raise exception.NotFound(target='OpenID provider of domain %s'
                                 % domain_id)
    server = oauth2_server.Server(domain_id)
    try:
        grant = server.get_consent_grant()
    except errors.OAuth2Error as error:
        if error.redirect_uri:  # authlib's redirect, with the state
            return server.handle_error_response(None, error)
        return message('Sign-in request refused',
                       '%s: %s' % (error.error, error.description or
                                   'the request is not valid'))
    payload = grant.request.payload
    client = grant.request.client.ref
    params = {k: payload.data.get(k) for k in _KEPT
              if payload.data.get(k) not in (None, '')}
    params.update(domain_id=domain_id, redirect_uri=grant.redirect_uri,
                  scope=grant.request.scope or '')
    try:
        if 'request' in payload.data:
            raise _Refusal('request_not_supported',
                           'request objects are not supported')
        if 'request_uri' in payload.data:
            raise _Refusal('request_uri_not_supported',
                           'request_uri is not supported')
        return _decide(domain_id, client, params)
    except _Refusal as refusal:
        return _error_redirect(params, refusal.error, refusal.description)


def _decide(domain_id: str, client: dict, params: dict) -> flask.Response:
    prompts = _prompts(params)
    max_age = _max_age(params)
    session = current_session(domain_id)
    if session is not None and max_age is not None and (
            time.time() - session.auth_time > max_age):
        session = None
    hint = flask.request.values.get('id_token_hint')
    if hint:
        subject = _hint_subject(domain_id, client['client_id'], hint)
        if subject is None:
            raise _Refusal('invalid_request', 'id_token_hint is not an ID '
                           'token of this provider for the client')
        if session is not None and session.user_id != subject:
            session = None
    scopes = params['scope'].split()
    if 'none' in prompts:
        if session is None:
            raise _Refusal('login_required', 'the user is not signed in')
        if _needs_consent(client, session.user_id, scopes, prompts):
            raise _Refusal('consent_required', 'the user has not consented')
        return issue_code(domain_id, params, session.user_id,
                          session.auth_time, json.loads(session.amr),
                          session.sid)
    if session is not None and 'login' not in prompts:
        if not _needs_consent(client, session.user_id, scopes, prompts):
            return issue_code(domain_id, params, session.user_id,
                              session.auth_time, json.loads(session.amr),
                              session.sid)
        params['sid'] = session.sid
        return start(domain_id, client, params, 'consent', session)
    return start(domain_id, client, params, 'login')


def start(domain_id: str, client: dict, params: dict, stage: str,
          session: ty.Optional[state.SessionModel] = None
          ) -> flask.Response:
    browser = _cookie(BROWSER_COOKIE)
    new_browser = browser is None
    if new_browser:
        browser, _digest = state.new_secret()
    handle, csrf = state.create_pending(
        domain_id, client['client_id'], params, state.digest(browser),
        CONF.oauth2.pre_auth_session_lifetime_minutes * 60)
    row = state.get_pending(domain_id, handle, state.digest(browser), csrf)
    if stage == 'consent':
        state.advance_pending(row, 'consent', user_id=session.user_id,
                              auth_time=session.auth_time, amr=session.amr)
        response = _consent_page(domain_id, client, params, handle, csrf,
                                 session.user_id)
    else:
        response = _login_page(domain_id, client, params, handle, csrf)
    if new_browser:
        _set_cookie(response, domain_id, BROWSER_COOKIE, browser)
    return response


def domain_name(domain_id: str) -> str:
    return PROVIDERS.resource_api.get_domain(domain_id)['name']


def _client_name(client: dict) -> str:
    return client.get('name') or client['provider_id']


def _passkey_values(domain_id: str) -> dict:
    def path(*parts):
        return provider_path(domain_id, 'authorize', *parts)
    return {'script': path('passkey.js'),
            'passkey_start': path('passkey', 'start'),
            'passkey_finish': path('passkey', 'finish'),
            'continue_action': path('continue')}


def is_device(params: dict) -> bool:
    """Whether the pending request is a device's (RFC 8628), answered on
    the device page rather than at a redirect URI."""
    return bool(params.get('device_id'))


def _flow(params: dict) -> str:
    """Where the request's forms post: ``device/...`` for a device's
    (the Rust Keystone-NG's paths), ``authorize/...`` otherwise."""
    return 'device' if is_device(params) else 'authorize'


def _login_page(domain_id, client, params, handle, csrf, error=None,
                status=200):
    return page('login.html', status=status,
                redirect_uri=params.get('redirect_uri'), title='Sign in',
                error=error, client_name=_client_name(client),
                domain_name=domain_name(domain_id),
                action=provider_path(domain_id, _flow(params), 'login'),
                request_handle=handle, csrf_token=csrf,
                login_hint=params.get('login_hint', ''),
                **_passkey_values(domain_id))


def _second_factor_page(domain_id, params, handle, csrf, factors,
                        error=None, status=200):
    values = _passkey_values(domain_id) if 'passkey' in factors else {}
    return page('second_factor.html', status=status,
                redirect_uri=params.get('redirect_uri'),
                title='Second factor', error=error, totp='totp' in factors,
                passkey='passkey' in factors,
                action=provider_path(domain_id, 'authorize', 'second-factor'),
                request_handle=handle, csrf_token=csrf, **values)


def _consent_page(domain_id, client, params, handle, csrf, user_id):
    user = PROVIDERS.identity_api.get_user(user_id)
    scopes = [(s, SCOPE_TEXT.get(s, s)) for s in params['scope'].split()]
    return page('consent.html', redirect_uri=params.get('redirect_uri'),
                title='Allow access?', client_name=_client_name(client),
                user_name=user['name'], scopes=scopes,
                device=is_device(params), user_code=params.get('user_code'),
                action=provider_path(domain_id, _flow(params), 'consent'),
                request_handle=handle, csrf_token=csrf)


def issue_code(domain_id: str, params: dict, user_id: str, auth_time: int,
               amr: list, sid: ty.Optional[str]) -> flask.Response:
    code = state.create_code(
        CONF.oauth2.authorization_code_lifetime_seconds,
        domain_id=domain_id, client_id=params['client_id'],
        user_id=user_id, redirect_uri=params['redirect_uri'],
        scope=params['scope'], nonce=params.get('nonce'),
        code_challenge=params.get('code_challenge'),
        code_challenge_method=params.get('code_challenge_method'),
        auth_time=auth_time, amr=amr, sid=sid)
    query = [('code', code)]
    if params.get('state'):
        query.append(('state', params['state']))
    query.append(('iss', oauth2_server.issuer(domain_id)))
    return _redirect(authlib_urls.add_params_to_uri(params['redirect_uri'],
                                                    query))


# -- the pages' forms --------------------------------------------------------

class _Step:
    """The pending request a form post continues, checked: its handle,
    CSRF token and browser, and the stage the form belongs to."""

    def __init__(self, domain_id: str, stage: str,
                 fields: ty.Optional[dict] = None):
        self.domain_id = domain_id
        if fields is None:
            self.handle = form_field('request')
            self.csrf = form_field('csrf_token')
        else:
            self.handle, self.csrf = fields['request'], fields['csrf_token']
        browser = _cookie(BROWSER_COOKIE)
        self.row = None
        if self.handle and self.csrf and browser:
            self.row = state.get_pending(domain_id, self.handle,
                                         state.digest(browser), self.csrf)
        if self.row is not None and self.row.stage != stage:
            self.row = None
        if self.row is not None:
            self.params = json.loads(self.row.params)
            self.client = oauth2_server.Server(domain_id)._client(
                self.row.client_id).ref

    @property
    def refused(self) -> ty.Optional[flask.Response]:
        if self.row is None:
            return message('Sign-in expired', 'This page is no longer '
                           'valid: go back to the application and sign in '
                           'again.', status=403)
        if self.client is None:
            return message('Application unavailable',
                           'The application is disabled.', status=403)
        return None


def _auth_methods_satisfy(user_id: str, methods: set) -> bool:
    return auth_core.UserMFARulesValidator.check_auth_methods_against_rules(
        user_id, methods)


def _open_session(step: _Step, user_id: str, amr: list
                  ) -> tuple[str, state.SessionModel]:
    """A new SSO session for the user (replacing the browser's old one)."""
    cookie, session = state.create_session(
        step.domain_id, user_id, int(time.time()), amr,
        CONF.oauth2.session_lifetime_minutes * 60)
    previous = state.get_session(step.domain_id, _cookie(SESSION_COOKIE))
    if previous is not None:
        state.delete_session(previous.id)
    return cookie, session


def _next(step: _Step, user_id: str, auth_time: int, amr: list,
          sid: ty.Optional[str]) -> flask.Response:
    """After sign-in: the consent page, or the code."""
    scopes = step.params['scope'].split()
    prompts = set((step.params.get('prompt') or '').split()) - {'login'}
    # a device's request is always confirmed on the page: the user checks
    # that it is the device in front of them (RFC 8628 section 5.4)
    if is_device(step.params) or _needs_consent(step.client, user_id,
                                                scopes, prompts):
        step.params['sid'] = sid
        if not state.advance_pending(
                step.row, 'consent', user_id=user_id, auth_time=auth_time,
                amr=json.dumps(amr), params=json.dumps(step.params)):
            return message('Sign-in expired', 'This sign-in was finished '
                           'in another window.', status=403)
        return _consent_page(step.domain_id, step.client, step.params,
                             step.handle, step.csrf, user_id)
    if state.take_pending(step.row):
        return issue_code(step.domain_id, step.params, user_id, auth_time,
                          amr, sid)
    return message('Sign-in expired', 'This sign-in was finished in '
                   'another window.', status=403)


def _signed_in(step: _Step, user_id: str, amr: list) -> flask.Response:
    """Open the session, then consent or the code."""
    cookie, session = _open_session(step, user_id, amr)
    response = _next(step, user_id, session.auth_time, amr, session.sid)
    _set_cookie(response, step.domain_id, SESSION_COOKIE, cookie)
    return response


def _second_factors(user_id: str) -> list[str]:
    """The second factors after a password that meet the user's rules."""
    return [factor for factor in ('totp', auth_methods.PASSKEY)
            if _auth_methods_satisfy(user_id, {'password', factor})]


def login(domain_id: str) -> flask.Response:
    """POST authorize/login: the password form."""
    step = _Step(domain_id, 'login')
    if step.refused:
        return step.refused
    username, password = form_field('username'), form_field('password')
    try:
        if not username or not password or len(username) > 255:
            raise exception.Unauthorized()
        result = ks_password.Password().authenticate({'user': {
            'name': username, 'domain': {'id': domain_id},
            'password': password}})
        user_id = result.response_data['user_id']
    except (exception.Unauthorized, exception.ValidationError,
            exception.NotFound) as exc:
        LOG.info('OpenID provider login refused in domain %s: %s',
                 domain_id, exc)
        if is_device(step.params) and not state.count_device_attempt(
                step.params['device_id'],
                CONF.oauth2.device_user_code_attempts):
            state.take_pending(step.row)
            return message('Sign-in refused', 'Too many attempts: the '
                           'device request is cancelled. Start again on '
                           'the device.', status=403)
        return _login_page(domain_id, step.client, step.params, step.handle,
                           step.csrf, error='Wrong user name or password, '
                           'or the account cannot sign in.', status=401)
    if _auth_methods_satisfy(user_id, {'password'}):
        return _signed_in(step, user_id, ['pwd'])
    factors = _second_factors(user_id)
    if factors:
        if not state.advance_pending(step.row, 'second_factor',
                                     user_id=user_id, amr='["pwd"]'):
            return message('Sign-in expired', 'Try again.', status=403)
        return _second_factor_page(domain_id, step.params, step.handle,
                                   step.csrf, factors)
    return _login_page(domain_id, step.client, step.params, step.handle,
                       step.csrf, status=403,
                       error='Your account needs a second factor this page '
                             'does not offer.')


def second_factor(domain_id: str) -> flask.Response:
    """POST authorize/second-factor: a TOTP passcode (keystone's totp
    method)."""
    step = _Step(domain_id, 'second_factor')
    if step.refused:
        return step.refused
    passcode = form_field('passcode')
    factors = _second_factors(step.row.user_id)
    try:
        if not passcode or len(passcode) > 16 or 'totp' not in factors:
            raise exception.Unauthorized()
        ks_totp.TOTP().authenticate({'user': {
            'id': step.row.user_id, 'passcode': passcode}})
    except (exception.Unauthorized, exception.ValidationError,
            exception.NotFound):
        return _second_factor_page(domain_id, step.params, step.handle,
                                   step.csrf, factors, status=401,
                                   error='Wrong passcode.')
    if not _auth_methods_satisfy(step.row.user_id, {'password', 'totp'}):
        return message('Sign-in refused', 'Your account needs factors '
                       'this page does not offer.', status=403)
    return _signed_in(step, step.row.user_id, ['pwd', 'otp', 'mfa'])


def consent(domain_id: str) -> flask.Response:
    """POST authorize/consent: allow or deny."""
    step = _Step(domain_id, 'consent')
    if step.refused:
        return step.refused
    decision = form_field('decision')
    if decision not in ('allow', 'deny'):
        return message('Decide', 'Allow or deny the request.')
    if not state.take_pending(step.row):
        return message('Sign-in expired', 'This request was answered in '
                       'another window.', status=403)
    if is_device(step.params):
        return _answer_device(step, decision == 'allow')
    if decision == 'deny':
        return _error_redirect(step.params, 'access_denied',
                               'the user denied the request')
    scopes = step.params['scope'].split()
    state.remember_consent(step.row.user_id, step.client['client_id'],
                           scopes)
    return issue_code(domain_id, step.params, step.row.user_id,
                      step.row.auth_time, json.loads(step.row.amr),
                      step.params.get('sid'))


def _answer_device(step: _Step, approved: bool) -> flask.Response:
    """The user's answer to a device's request, for the device's next
    poll. The grant is the device's own: not bound to this browser's SSO
    session (``sid``), whose logout does not sign the device out."""
    values = {}
    if approved:
        values = dict(user_id=step.row.user_id,
                      auth_time=step.row.auth_time, amr=step.row.amr)
    if not state.answer_device(step.params['device_id'], approved,
                               **values):
        return message('Request expired', 'This device request expired or '
                       'was answered already: start again on the device.',
                       status=403)
    if approved:
        return message('Device signed in', '%s is signed in. You can close '
                       'this page and go back to your device.'
                       % _client_name(step.client), status=200)
    return message('Request denied', 'The device was not signed in.',
                   status=200)


# -- passkeys -------------------------------------------------------------

def _json_step(domain_id: str, stages: tuple) -> tuple[_Step, dict]:
    body = flask.request.get_json(silent=True) or {}
    for name in ('request', 'csrf_token'):
        value = body.get(name)
        if not isinstance(value, str) or len(value) > 128 or (
                ng_text.is_hostile(value)):
            body[name] = ''
    step = None
    for stage in stages:
        step = _Step(domain_id, stage, fields=body)
        if step.row is not None:
            break
    return step, body


def _json_refusal(status: int, text: str) -> flask.Response:
    response = flask.Response(json.dumps({'error': text}), status=status,
                              mimetype='application/json')
    response.headers['Cache-Control'] = 'no-store'
    return response


def passkey_start(domain_id: str) -> flask.Response:
    """POST authorize/passkey/start: WebAuthn options for the pending
    request: usernameless on the login page, the user's passkeys as a
    second factor."""
    step, _body = _json_step(domain_id, ('login', 'second_factor'))
    if step.refused:
        return _json_refusal(403, 'this sign-in is no longer valid')
    user_id = None
    if step.row.stage == 'second_factor':
        user_id = step.row.user_id
        if auth_methods.PASSKEY not in _second_factors(user_id):
            return _json_refusal(403, 'a passkey is not a second factor '
                                 'your account accepts')
    options = passkeys.get_manager().authentication_options(user_id=user_id)
    response = flask.Response(json.dumps({'public_key': options}),
                              mimetype='application/json')
    response.headers['Cache-Control'] = 'no-store'
    return response


def _passkey_amr(result) -> list[str]:
    amr = ['swk' if result.backed_up else 'hwk']
    if result.user_verified:
        amr.append('user')
    return amr


def passkey_finish(domain_id: str) -> flask.Response:
    """POST authorize/passkey/finish: the assertion; on success the
    session is open and the page continues (``authorize/continue``)."""
    step, body = _json_step(domain_id, ('login', 'second_factor'))
    if step.refused:
        return _json_refusal(403, 'this sign-in is no longer valid')
    credential = body.get('credential')
    if not isinstance(credential, dict):
        return _json_refusal(400, 'credential: the WebAuthn assertion')
    second = step.row.stage == 'second_factor'
    try:
        result = passkeys.get_manager().authenticate(
            credential, expected_user_id=step.row.user_id if second
            else None)
    except (exception.Unauthorized, exception.ValidationError) as exc:
        LOG.info('OpenID provider passkey sign-in refused in domain %s: '
                 '%s', domain_id, exc)
        return _json_refusal(401, 'the passkey was not accepted')
    user = oauth2_server.enabled_user(result.user_id)
    if user is None or user['domain_id'] != domain_id:
        return _json_refusal(401, 'the passkey was not accepted')
    methods = {auth_methods.PASSKEY} | ({'password'} if second else set())
    if not _auth_methods_satisfy(result.user_id, methods):
        return _json_refusal(403, 'your account needs a password too: '
                             'sign in with it first')
    amr = _passkey_amr(result)
    if second:
        amr = ['pwd'] + amr + ['mfa']
    cookie, session = _open_session(step, result.user_id, amr)
    step.params['sid'] = session.sid
    if not state.advance_pending(
            step.row, 'signed_in', user_id=result.user_id,
            auth_time=session.auth_time, amr=json.dumps(amr),
            params=json.dumps(step.params)):
        return _json_refusal(403, 'this sign-in was finished elsewhere')
    response = flask.Response(json.dumps({'continue': True}),
                              mimetype='application/json')
    response.headers['Cache-Control'] = 'no-store'
    _set_cookie(response, domain_id, SESSION_COOKIE, cookie)
    return response


def continue_(domain_id: str) -> flask.Response:
    """POST authorize/continue: after a passkey sign-in, consent or the
    code."""
    step = _Step(domain_id, 'signed_in')
    if step.refused:
        return step.refused
    return _next(step, step.row.user_id, step.row.auth_time,
                 json.loads(step.row.amr), step.params.get('sid'))


# -- logout --------------------------------------------------------------

def _audience_of(hint: str) -> ty.Optional[str]:
    """The client an ID token names, read before it is verified: the
    client the token is then verified for."""
    try:
        jose.parse_unverified(hint)
        aud = pyjwt.decode(hint, options={'verify_signature': False}).get(
            'aud')
    except (jose.InvalidJWT, pyjwt.exceptions.PyJWTError):
        return None
    aud = aud[0] if isinstance(aud, list) and aud else aud
    return aud if isinstance(aud, str) else None


def end_session(domain_id: str) -> flask.Response:
    """GET or POST end_session: RP-initiated logout."""
    values = flask.request.values
    hint = values.get('id_token_hint', '')
    target = values.get('post_logout_redirect_uri')
    client_id = values.get('client_id')
    for value in (hint, target, client_id, values.get('state')):
        if value and (len(value) > _MAX_FIELD or ng_text.is_hostile(value)):
            return message('Sign-out refused', 'Malformed request.')
    if hint and not client_id:
        client_id = _audience_of(hint)
    client = (oauth2_server.Server(domain_id)._client(client_id).ref
              if isinstance(client_id, str) else None)
    if hint and (client is None or _hint_subject(
            domain_id, client['client_id'], hint) is None):
        return message('Sign-out refused', 'id_token_hint is not an ID '
                       'token of this provider.')
    if target and (client is None or target not in client.get(
            'post_logout_redirect_uris', [])):
        return message('Sign-out refused', 'post_logout_redirect_uri is '
                       'not registered for the client.')
    session = state.get_session(domain_id, _cookie(SESSION_COOKIE))
    if session is not None:
        state.delete_session(session.id)
    if target:
        query = ([('state', values['state'])] if values.get('state')
                 else [])
        response = _redirect(authlib_urls.add_params_to_uri(target, query))
    else:
        response = message('Signed out', 'You are signed out.', status=200)
    response.delete_cookie(SESSION_COOKIE, path=provider_path(domain_id),
                           httponly=True, samesite='Lax', secure=_secure())
    return response
