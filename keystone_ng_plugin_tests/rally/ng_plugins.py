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
"""Rally contexts and scenarios for keystone-ng-plugin's flows.

Scenarios (each measured action is exactly one HTTP request, timed as a
Rally atomic action):

=================================  ==========================================
KeystoneNG.password_login          keystone.password_login
KeystoneNG.token_login             keystone.token_login (re-authentication)
KeystoneNG.validate_token          keystone.validate
KeystoneNG.passkey_login           ng.passkey_start, ng.passkey_finish
KeystoneNG.oidc_login              ng.oidc_start, idp.login (the IdP's time,
                                   several requests), ng.oidc_callback
KeystoneNG.jwt_login               ng.jwt_login
KeystoneNG.restricted_token        ng.restricted_mint, ng.restricted_validate
KeystoneNG.service_account_token   ng.service_account_token
KeystoneNG.keystone_client_creds   keystone.oauth2_token (keystone's own
                                   POST /v3/OS-OAUTH2/token, application
                                   credential client credentials)
KeystoneNG.oauth2_client_creds     ng.oauth2_client_credentials
KeystoneNG.oauth2_code_flow        ng.oauth2_authorize (SSO session: the
                                   302 with the code), ng.oauth2_code,
                                   ng.oauth2_userinfo, ng.oauth2_refresh
KeystoneNG.oauth2_metadata         ng.oauth2_jwks, ng.oauth2_discovery
=================================  ==========================================

Contexts (after Rally's ``users``; each cleans up what it made):
``ng_user_tokens``, ``ng_passkeys``, ``ng_oidc``, ``ng_jwt``,
``ng_restrictions``, ``ng_service_accounts``, ``ng_oauth2``.
"""

import base64
import hashlib
import secrets
import urllib.parse

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import serialization
import jwt
from rally.common import logging
import requests
from rally.task import atomic
from rally.task import context
from rally.task import scenario as rally_scenario
from rally.task import validation
from rally_openstack.task import scenario

try:
    from keystone_ng_plugin_tests.rally import ng_client
except ImportError:  # loaded with --plugin-paths: this directory is on path
    import ng_client

LOG = logging.getLogger(__name__)
PLATFORM = 'openstack'


def _loaded(base, name):
    return bool(base.get_all(name=name, platform=PLATFORM, allow_hidden=True))


def _context(name, order):
    """Rally's context.configure, unless a plugin of that name is loaded
    already (this directory given twice, or importable as a package too): the
    second copy stays unconfigured, which Rally ignores."""
    def wrapper(cls):
        if _loaded(context.Context, name):
            return cls
        return context.configure(name=name, platform=PLATFORM,
                                 order=order)(cls)
    return wrapper


def _scenario(name, context):
    """Rally's scenario.configure (same rule as :func:`_context`);
    ``context``'s names get the platform."""
    context = {(key if '@' in key else key + '@' + PLATFORM): value
               for key, value in context.items()}

    def wrapper(cls):
        if _loaded(rally_scenario.Scenario, name):
            return cls
        cls = rally_scenario.configure(name=name, platform=PLATFORM,
                                       context=context)(cls)
        return validation.add('required_platform', platform=PLATFORM,
                              users=True)(cls)
    return wrapper


# -- contexts -----------------------------------------------------------------

class _Base(context.Context):
    """An admin client (a password token) for setup and cleanup."""

    def admin(self) -> ng_client.Keystone:
        if not hasattr(self, '_admin'):
            self._admin = ng_client.Keystone.login(
                self.context['admin']['credential'])
        return self._admin

    def users(self):
        return self.context.get('users', [])

    @staticmethod
    def user_token(user, scoped=True):
        cred = user['credential']
        base = ng_client.base_url(cred['auth_url'])
        scope = {'project': {'id': user['tenant_id']}} if scoped else None
        return ng_client.password_token(
            base, {'id': user['id'], 'password': cred['password']}, scope)

    def member_role(self):
        return self.admin().role_id(self.config.get('role', 'member'))


@_context('ng_user_tokens', order=510)
class UserTokens(_Base):
    """Each user's unscoped and project-scoped token.

    Keystone's password method, once per user, for the token
    re-authentication and validation scenarios.
    """

    CONFIG_SCHEMA = {'type': 'object', 'additionalProperties': False,
                     'properties': {}}

    def setup(self):
        for user in self.users():
            user['ng_tokens'] = {'unscoped': self.user_token(user, False),
                                 'scoped': self.user_token(user)}

    def cleanup(self):
        pass  # the tokens die with the users


@_context('ng_passkeys', order=520)
class Passkeys(_Base):
    """A passkey for each user, held by a software authenticator.

    The key is P-256; the scenario signs assertions with it, so no browser
    is needed under load. ``origin``: the WebAuthn origin keystone accepts
    ([passkey] origins).
    """

    CONFIG_SCHEMA = {
        'type': 'object', 'additionalProperties': False,
        'properties': {'origin': {'type': 'string'}}}

    def setup(self):
        if not self.config.get('origin'):
            raise ValueError('ng_passkeys needs the "origin" keystone '
                             'accepts for WebAuthn ([passkey] origins)')
        softauthn = ng_client.softauthn()
        for user in self.users():
            keystone = ng_client.Keystone(
                ng_client.base_url(user['credential']['auth_url']),
                self.user_token(user))
            authn = softauthn.SoftAuthenticator(origin=self.config['origin'])
            path = '/v4/users/%s/passkeys/' % user['id']
            options = keystone.request('POST', path + 'register_start', 201,
                                       json={}).json()['public_key']
            passkey = keystone.request(
                'POST', path + 'register_finish', 201,
                json=authn.create(options)).json()['passkey']
            (cred,) = authn.credentials.values()
            user['ng_passkey'] = {
                'id': passkey['id'], 'origin': self.config['origin'],
                'credential_id': cred.id, 'rp_id': cred.rp_id,
                'user_handle': cred.user_handle,
                'key': cred.key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption())}

    def cleanup(self):
        for user in self.users():
            passkey = user.get('ng_passkey')
            if passkey:
                self.admin().delete('/v4/users/%s/passkeys/%s' % (
                    user['id'], passkey['id']))


_KEYS = {}


def _private_key(pem):
    """A loaded private key (loading an RSA key costs milliseconds of the
    client's CPU, which it shares with the server: once per process)."""
    if pem not in _KEYS:
        _KEYS[pem] = serialization.load_pem_private_key(pem, None)
    return _KEYS[pem]


def _authenticator(passkey):
    """A software authenticator holding the user's passkey. Its signature
    counter stays 0 (as with synced passkeys), so concurrent iterations
    with the same passkey are not taken for a cloned authenticator."""
    softauthn = ng_client.softauthn()
    authn = softauthn.SoftAuthenticator(origin=passkey['origin'],
                                        counter_step=0)
    authn.credentials[passkey['credential_id']] = softauthn.Credential(
        id=passkey['credential_id'], rp_id=passkey['rp_id'],
        user_handle=passkey['user_handle'],
        key=_private_key(passkey['key']))
    return authn


class _WithDomain(_Base):

    def make_domain(self):
        return self.admin().create('/v3/domains', 'domain',
                                   {'name': ng_client.name()})['id']

    def drop_domain(self, domain_id):
        self.admin().request('PATCH', '/v3/domains/' + domain_id, (200, 404),
                             json={'domain': {'enabled': False}})
        self.admin().delete('/v3/domains/' + domain_id)


@_context('ng_oidc', order=530)
class OIDC(_WithDomain):
    """An OpenID Connect identity provider registered in keystone.

    A real one (``discovery_url``), in a domain of its own, with a mapping;
    ``accounts`` people sign in at the IdP as ``username`` % n
    (1..accounts) with ``password`` % n. ``warm``: each signs in once at
    setup, so the scenario measures returning users."""

    CONFIG_SCHEMA = {
        'type': 'object', 'additionalProperties': False,
        'properties': {
            'discovery_url': {'type': 'string'},
            'client_id': {'type': 'string'},
            'client_secret': {'type': 'string'},
            'redirect_uri': {'type': 'string'},
            'scopes': {'type': 'array', 'items': {'type': 'string'}},
            'username': {'type': 'string'},
            'password': {'type': 'string'},
            'accounts': {'type': 'integer', 'minimum': 1},
            'warm': {'type': 'boolean'},
        }}
    REQUIRED = ('discovery_url', 'client_id', 'client_secret',
                'redirect_uri')
    DEFAULT_CONFIG = {'scopes': ['openid', 'profile'],
                      'username': 'load-%d', 'password': 'load-%d-pass',
                      'accounts': 16, 'warm': True}

    def setup(self):
        missing = [key for key in self.REQUIRED if not self.config.get(key)]
        if missing:
            raise ValueError('ng_oidc needs ' + ', '.join(missing))
        admin = self.admin()
        domain_id = self.make_domain()
        self.context['ng_oidc'] = dict(self.config, domain_id=domain_id)
        idp = admin.create('/v4/federation/identity_providers',
                           'identity_provider', {
                               'name': ng_client.name(),
                               'domain_id': domain_id,
                               'oidc_discovery_url':
                                   self.config['discovery_url'],
                               'oidc_client_id': self.config['client_id'],
                               'oidc_client_secret':
                                   self.config['client_secret'],
                               'oidc_scopes': self.config['scopes'],
                               'allowed_redirect_uris':
                                   [self.config['redirect_uri']],
                               'default_mapping_name': 'rally'})
        self.context['ng_oidc']['idp_id'] = idp['id']
        admin.create('/v4/federation/mappings', 'mapping', {
            'name': 'rally', 'idp_id': idp['id'], 'user_id_claim': 'sub',
            'user_name_claim': 'preferred_username'})
        if self.config['warm']:
            for n in range(1, self.config['accounts'] + 1):
                oidc_login(admin.base, self.context['ng_oidc'], n)

    def cleanup(self):
        state = self.context.get('ng_oidc') or {}
        if state.get('idp_id'):
            self.admin().delete('/v4/federation/identity_providers/' +
                                state['idp_id'])
        if state.get('domain_id'):
            self.drop_domain(state['domain_id'])


def oidc_login(base, state, n, timer=None):
    """The OIDC login of account ``n``: start at keystone, sign in at the
    IdP, finish at keystone's callback; returns the token. The callback's
    wait for the IdP (its token endpoint), which keystone reports in
    Server-Timing, is recorded as the callback's child action idp.token."""
    def timed(name):
        return atomic.ActionTimer(timer, name) if timer else _Untimed()

    with timed('ng.oidc_start'):
        auth_url = ng_client.call(
            'POST', base + '/v4/federation/identity_providers/%s/auth' %
            state['idp_id'], 200,
            json={'redirect_uri': state['redirect_uri']}).json()['auth_url']
    with timed('idp.login'):
        params = ng_client.login_at_provider(
            auth_url, state['redirect_uri'], state['username'] % n,
            state['password'] % n)
    with timed('ng.oidc_callback') as callback:
        r = ng_client.call('POST', base + '/v4/federation/oidc/callback',
                           200, json=params)
        idp_ms = ng_client.server_timing(r).get('idp')
        if timer and idp_ms is not None:
            callback.atomic_action['children'].append({
                'name': 'idp.token', 'children': [],
                'started_at': callback.start,
                'finished_at': callback.start + idp_ms / 1000.0})
    return r.headers['X-Subject-Token']


class _Untimed:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@_context('ng_jwt', order=530)
class JWT(_WithDomain):
    """A JWT issuer with a jwt mapping to a service account.

    Keystone trusts the issuer by its public key; the service account has
    ``role`` on the first project, a token restriction, and the mapping
    binds a claim. The scenario signs JWTs with the issuer's key (RS256).
    """

    CONFIG_SCHEMA = {
        'type': 'object', 'additionalProperties': False,
        'properties': {'issuer': {'type': 'string'},
                       'audience': {'type': 'string'},
                       'role': {'type': 'string'}}}
    DEFAULT_CONFIG = {'issuer': 'https://ci.rally.example',
                      'audience': 'keystone', 'role': 'member'}

    def setup(self):
        admin = self.admin()
        project_id = next(iter(self.context['tenants']))
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        state = self.context['ng_jwt'] = dict(
            self.config, key=key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
        account = admin.create('/v4/service_accounts', 'service_account', {
            'name': ng_client.name(), 'domain_id': 'default'})
        state['service_account_id'] = account['id']
        admin.request('PUT', '/v3/projects/%s/users/%s/roles/%s' % (
            project_id, account['id'], self.member_role()), 204)
        restriction = admin.create('/v4/tokens/restrictions', 'restriction', {
            'domain_id': 'default', 'user_id': account['id'],
            'project_id': project_id,
            'roles': [{'name': self.config['role']}]})
        state['restriction_id'] = restriction['id']
        pem = key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        idp = admin.create('/v4/federation/identity_providers',
                           'identity_provider', {
                               'name': ng_client.name(),
                               'domain_id': 'default',
                               'bound_issuer': self.config['issuer'],
                               'jwt_validation_pubkeys': [pem],
                               'default_mapping_name': 'rally'})
        state['idp_id'] = idp['id']
        admin.create('/v4/federation/mappings', 'mapping', {
            'name': 'rally', 'type': 'jwt', 'idp_id': idp['id'],
            'user_id_claim': 'sub', 'user_name_claim': 'sub',
            'bound_audiences': [self.config['audience']],
            'bound_claims': {'repository': 'rally/load'},
            'service_account_id': account['id'],
            'token_restriction_id': restriction['id']})

    def cleanup(self):
        state = self.context.get('ng_jwt') or {}
        admin = self.admin()
        if state.get('idp_id'):
            admin.delete('/v4/federation/identity_providers/' +
                         state['idp_id'])
        if state.get('restriction_id'):
            admin.delete('/v4/tokens/restrictions/' + state['restriction_id'])
        if state.get('service_account_id'):
            admin.delete('/v4/service_accounts/' +
                         state['service_account_id'])


@_context('ng_restrictions', order=530)
class Restrictions(_Base):
    """A token restriction for each user: its project, ``role`` only.

    Each user also gets a restricted token made with it at setup (the one
    the scenario validates, as KeystoneNG.validate_token validates an
    already issued token).
    """

    CONFIG_SCHEMA = {'type': 'object', 'additionalProperties': False,
                     'properties': {'role': {'type': 'string'}}}
    DEFAULT_CONFIG = {'role': 'member'}

    def setup(self):
        for user in self.users():
            user['ng_restriction_id'] = self.admin().create(
                '/v4/tokens/restrictions', 'restriction', {
                    'domain_id': 'default', 'user_id': user['id'],
                    'project_id': user['tenant_id'],
                    'roles': [{'name': self.config['role']}]})['id']
            if 'ng_tokens' in user:
                user['ng_restricted_token'] = mint_token(
                    self.admin().base, user['ng_tokens']['scoped'],
                    user['ng_restriction_id'])

    def cleanup(self):
        for user in self.users():
            if user.get('ng_restriction_id'):
                self.admin().delete('/v4/tokens/restrictions/' +
                                    user['ng_restriction_id'])


def mint_token(base, token, restriction_id):
    """A restricted token made from ``token`` with the restriction."""
    return ng_client.call(
        'POST', base + '/v4/tokens/restrictions/%s/tokens' % restriction_id,
        201, headers={'X-Auth-Token': token}).headers['X-Subject-Token']


@_context('ng_service_accounts', order=530)
class ServiceAccounts(_Base):
    """A service account per project, with a restriction.

    It has ``role`` on the project; tokens are issued to it by the admin
    (an orchestrator).
    """

    CONFIG_SCHEMA = {'type': 'object', 'additionalProperties': False,
                     'properties': {'role': {'type': 'string'}}}
    DEFAULT_CONFIG = {'role': 'member'}

    def setup(self):
        admin = self.admin()
        self.context['ng_admin_token'] = admin.token
        accounts = self.context['ng_service_accounts'] = []
        for project_id in self.context['tenants']:
            account = admin.create('/v4/service_accounts', 'service_account',
                                   {'name': ng_client.name(),
                                    'domain_id': 'default'})
            accounts.append({'id': account['id'], 'project_id': project_id})
            admin.request('PUT', '/v3/projects/%s/users/%s/roles/%s' % (
                project_id, account['id'], self.member_role()), 204)
            accounts[-1]['restriction_id'] = admin.create(
                '/v4/tokens/restrictions', 'restriction', {
                    'domain_id': 'default', 'user_id': account['id'],
                    'project_id': project_id,
                    'roles': [{'name': self.config['role']}]})['id']

    def cleanup(self):
        for account in self.context.get('ng_service_accounts', []):
            if account.get('restriction_id'):
                self.admin().delete('/v4/tokens/restrictions/' +
                                    account['restriction_id'])
            self.admin().delete('/v4/service_accounts/' + account['id'])


@_context('ng_oauth2', order=540)
class OAuth2(_Base):
    """The default domain's OpenID provider (its keys made by
    keystone-ng-manage oauth2_key_rotate beforehand): per user a
    pre-authorized client with a signed-in SSO session, a service account
    client, and an application credential for keystone's own OAuth 2.0
    client credentials."""

    CONFIG_SCHEMA = {'type': 'object', 'additionalProperties': False,
                     'properties': {}}
    REDIRECT = 'http://127.0.0.1:8794/callback'

    def setup(self):
        admin = self.admin()
        base = admin.base
        self.context['ng_oauth2_issuer'] = base + '/v4/oauth2/default'
        made = self.context['ng_oauth2'] = []
        for user in self.users():
            client = admin.request(
                'POST', '/v4/oauth2/default/clients', 201, json={
                    'oauth2_client': {
                        'provider_id': ng_client.name('rally-rp'),
                        'confidential': True, 'pre_authorized': True,
                        'grant_types': ['authorization_code',
                                        'refresh_token'],
                        'redirect_uris': [self.REDIRECT]}}).json()
            account = admin.create('/v4/service_accounts', 'service_account',
                                   {'name': ng_client.name(),
                                    'domain_id': 'default'})
            machine = admin.request(
                'POST', '/v4/oauth2/default/clients', 201, json={
                    'oauth2_client': {
                        'provider_id': ng_client.name('rally-cc'),
                        'confidential': True,
                        'grant_types': ['client_credentials'],
                        'allowed_scopes': ['openstack'],
                        'service_account_id': account['id']}}).json()
            token = self.user_token(user, scoped=True)
            credential = ng_client.call(
                'POST', base + '/v3/users/%s/application_credentials' %
                user['id'], 201, headers={'X-Auth-Token': token},
                json={'application_credential': {
                    'name': ng_client.name()}}).json()[
                'application_credential']
            user['ng_oauth2'] = {
                'client': (client['oauth2_client']['client_id'],
                           client['client_secret']),
                'machine': (machine['oauth2_client']['client_id'],
                            machine['client_secret']),
                'app_cred': (credential['id'], credential['secret']),
                'session': sign_in(self.context['ng_oauth2_issuer'],
                                   client['oauth2_client']['client_id'],
                                   user),
            }
            made.append((client['oauth2_client']['provider_id'],
                         machine['oauth2_client']['provider_id'],
                         account['id']))

    def cleanup(self):
        for rp, machine, account in self.context.get('ng_oauth2', []):
            self.admin().delete('/v4/oauth2/default/clients/' + rp)
            self.admin().delete('/v4/oauth2/default/clients/' + machine)
            self.admin().delete('/v4/service_accounts/' + account)


def _pkce():
    verifier = secrets.token_urlsafe(48)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(
        verifier.encode()).digest()).rstrip(b'=').decode()


def _authorize_url(issuer, client_id):
    verifier, challenge = _pkce()
    return verifier, issuer + '/authorize?' + urllib.parse.urlencode({
        'response_type': 'code', 'client_id': client_id,
        'redirect_uri': OAuth2.REDIRECT, 'scope': 'openid profile email',
        'state': secrets.token_urlsafe(8), 'code_challenge': challenge,
        'code_challenge_method': 'S256'})


def _field(page, name):
    marker = 'name="%s" value="' % name
    start = page.index(marker) + len(marker)
    return page[start:page.index('"', start)]


def sign_in(issuer, client_id, user):
    """The user's SSO session cookie with the provider (the password
    form, once)."""
    _verifier, url = _authorize_url(issuer, client_id)
    browser = requests.Session()  # its own cookies: one user's
    page = browser.get(url, allow_redirects=False, timeout=60)
    if page.status_code != 200:
        raise ng_client.Failure(page, 200)
    answer = browser.post(issuer + '/authorize/login', data={
        'request': _field(page.text, 'request'),
        'csrf_token': _field(page.text, 'csrf_token'),
        'username': user['credential']['username'],
        'password': user['credential']['password']},
        allow_redirects=False, timeout=60)
    if answer.status_code != 303:
        raise ng_client.Failure(answer, 303)
    return answer.cookies['ng_oauth2_session']


def _code(location):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        location).query))['code']


# -- scenarios ----------------------------------------------------------------

class _Scenario(scenario.OpenStackScenario):

    @property
    def base(self):
        return ng_client.base_url(self.context['user']['credential'][
            'auth_url'])


@_scenario('KeystoneNG.password_login', context={'users': {}})
class PasswordLogin(_Scenario):

    def run(self, scoped=True):
        """Keystone's password login of a user (one request).

        :param scoped: to the user's project, or unscoped
        """
        user = self.context['user']
        scope = {'project': {'id': user['tenant_id']}} if scoped else None
        with atomic.ActionTimer(self, 'keystone.password_login'):
            ng_client.password_token(self.base, {
                'id': user['id'],
                'password': user['credential']['password']}, scope)


@_scenario('KeystoneNG.token_login', context={'users': {},
                                              'ng_user_tokens': {}})
class TokenLogin(_Scenario):

    def run(self, scoped=False):
        """Keystone's re-authentication (method "token").

        One request with the user's unscoped token: the baseline of the
        plugin's logins.

        :param scoped: to the user's project, or unscoped
        """
        user = self.context['user']
        with atomic.ActionTimer(self, 'keystone.token_login'):
            ng_client.token_login(self.base, user['ng_tokens']['unscoped'],
                                  user['tenant_id'] if scoped else None)


@_scenario('KeystoneNG.validate_token', context={'users': {},
                                                 'ng_user_tokens': {}})
class ValidateToken(_Scenario):

    def run(self):
        """Keystone's token validation (GET /v3/auth/tokens).

        The user validates its project-scoped token (one request): the
        baseline of restricted validation.
        """
        token = self.context['user']['ng_tokens']['scoped']
        with atomic.ActionTimer(self, 'keystone.validate'):
            ng_client.validate(self.base, token, token)


@_scenario('KeystoneNG.passkey_login', context={'users': {},
                                                'ng_passkeys': {}})
class PasskeyLogin(_Scenario):

    def run(self, discoverable=False):
        """Passkey login: start, sign (not timed), finish.

        The software authenticator signs the assertion in the client.

        :param discoverable: usernameless (no user ID in start)
        """
        user = self.context['user']
        authn = _authenticator(user['ng_passkey'])
        body = {} if discoverable else {'user_id': user['id']}
        with atomic.ActionTimer(self, 'ng.passkey_start'):
            options = ng_client.call(
                'POST', self.base + '/v4/auth/passkey/start', 201,
                json={'passkey': body}).json()['public_key']
        assertion = authn.get(options)
        with atomic.ActionTimer(self, 'ng.passkey_finish'):
            ng_client.call('POST', self.base + '/v4/auth/passkey/finish',
                           201, json=assertion)


@_scenario('KeystoneNG.oidc_login', context={'users': {}, 'ng_oidc': {}})
class OIDCLogin(_Scenario):

    def run(self):
        """OpenID Connect login with keystone as the relying party.

        Start, sign in at the IdP (timed apart as idp.login), callback
        (code exchange, ID token check, mapping, token).
        """
        state = self.context['ng_oidc']
        n = (self.context['iteration'] - 1) % state['accounts'] + 1
        oidc_login(self.base, state, n, timer=self)


@_scenario('KeystoneNG.jwt_login', context={'users': {}, 'ng_jwt': {}})
class JWTLogin(_Scenario):

    def run(self):
        """Workload login: a JWT exchanged for a keystone token.

        The JWT (signed here, not timed) buys the service account's
        restricted token.
        """
        state = self.context['ng_jwt']
        bearer = jwt.encode(ng_client.jwt_claims(
            state['issuer'], state['audience'], 'repo:rally/load:ref:main',
            repository='rally/load'), _private_key(state['key']),
            algorithm='RS256')
        with atomic.ActionTimer(self, 'ng.jwt_login'):
            ng_client.call(
                'POST', self.base + '/v4/federation/identity_providers/%s/'
                'jwt' % state['idp_id'], 200,
                headers={'Authorization': 'Bearer ' + bearer})


@_scenario('KeystoneNG.k8s_login', context={'users': {}})
class K8sLogin(_Scenario):

    def run(self, instance_id, role_name, jwt):
        """Kubernetes login: a pod's service account token exchanged for
        a keystone token (keystone asks the cluster's TokenReview API).

        The instance, its role and the pod's token are made by whoever
        runs the task (tools/bench: against its Kubernetes API stand-in).
        """
        with atomic.ActionTimer(self, 'ng.k8s_login'):
            ng_client.call(
                'POST', self.base + '/v4/k8s_auth/instances/%s/auth' %
                instance_id, 200, json={'jwt': jwt, 'role_name': role_name})


@_scenario('KeystoneNG.restricted_token',
           context={'users': {}, 'ng_user_tokens': {}, 'ng_restrictions': {}})
class RestrictedToken(_Scenario):

    def run(self, mint=True):
        """Restricted token: mint one, validate one.

        The user narrows its token with its restriction (mint), then
        validates its restricted token made at setup (the ratio against
        KeystoneNG.validate_token is the cost of enforcing it).

        :param mint: mint too (else only validate, as validate_token)
        """
        user = self.context['user']
        token = user['ng_tokens']['scoped']
        if mint:
            with atomic.ActionTimer(self, 'ng.restricted_mint'):
                mint_token(self.base, token, user['ng_restriction_id'])
        with atomic.ActionTimer(self, 'ng.restricted_validate'):
            ng_client.validate(self.base, token,
                               user['ng_restricted_token'])


@_scenario('KeystoneNG.service_account_token',
           context={'users': {}, 'ng_service_accounts': {}})
class ServiceAccountToken(_Scenario):

    def run(self, ttl=None):
        """Service account token, issued to an orchestrator.

        The admin gets a service account's restricted token (one request,
        audited).

        :param ttl: lifetime in seconds (default: keystone's)
        """
        accounts = self.context['ng_service_accounts']
        account = accounts[self.context['iteration'] % len(accounts)]
        body = {'restriction_id': account['restriction_id']}
        if ttl:
            body['ttl'] = ttl
        with atomic.ActionTimer(self, 'ng.service_account_token'):
            ng_client.call(
                'POST', self.base + '/v4/service_accounts/%s/tokens' %
                account['id'], 201, json={'token': body},
                headers={'X-Auth-Token': self.context['ng_admin_token']})


@_scenario('KeystoneNG.keystone_client_creds',
           context={'users': {}, 'ng_oauth2': {}})
class KeystoneClientCredentials(_Scenario):

    def run(self):
        """Keystone's own OAuth 2.0 client credentials: an application
        credential's ID and secret for a keystone token (one request;
        the baseline of the provider's client_credentials)."""
        credential = self.context['user']['ng_oauth2']['app_cred']
        with atomic.ActionTimer(self, 'keystone.oauth2_token'):
            ng_client.call('POST', self.base + '/v3/OS-OAUTH2/token', 200,
                           data={'grant_type': 'client_credentials'},
                           auth=credential)


@_scenario('KeystoneNG.oauth2_client_creds',
           context={'users': {}, 'ng_oauth2': {}})
class OAuth2ClientCredentials(_Scenario):

    def run(self):
        """The provider's client_credentials: a service account's JWT
        access token (one request)."""
        client = self.context['user']['ng_oauth2']['machine']
        with atomic.ActionTimer(self, 'ng.oauth2_client_credentials'):
            ng_client.call('POST', self.context['ng_oauth2_issuer'] +
                           '/token', 200, auth=client,
                           data={'grant_type': 'client_credentials',
                                 'scope': 'openstack'})


@_scenario('KeystoneNG.oauth2_code_flow',
           context={'users': {}, 'ng_oauth2': {}})
class OAuth2CodeFlow(_Scenario):

    def run(self):
        """A relying party's sign-in with the user's SSO session: the
        authorization request (302 with the code), the code exchange (ID
        token, access and refresh tokens), userinfo and a refresh."""
        state = self.context['user']['ng_oauth2']
        issuer = self.context['ng_oauth2_issuer']
        verifier, url = _authorize_url(issuer, state['client'][0])
        with atomic.ActionTimer(self, 'ng.oauth2_authorize'):
            answer = ng_client.call(
                'GET', url, 302,
                cookies={'ng_oauth2_session': state['session']})
        with atomic.ActionTimer(self, 'ng.oauth2_code'):
            tokens = ng_client.call(
                'POST', issuer + '/token', 200, auth=state['client'],
                data={'grant_type': 'authorization_code',
                      'code': _code(answer.headers['Location']),
                      'redirect_uri': OAuth2.REDIRECT,
                      'code_verifier': verifier}).json()
        with atomic.ActionTimer(self, 'ng.oauth2_userinfo'):
            ng_client.call('GET', issuer + '/userinfo', 200, headers={
                'Authorization': 'Bearer ' + tokens['access_token']})
        with atomic.ActionTimer(self, 'ng.oauth2_refresh'):
            ng_client.call('POST', issuer + '/token', 200,
                           auth=state['client'],
                           data={'grant_type': 'refresh_token',
                                 'refresh_token': tokens['refresh_token']})


@_scenario('KeystoneNG.oauth2_metadata',
           context={'users': {}, 'ng_oauth2': {}})
class OAuth2Metadata(_Scenario):

    def run(self):
        """What relying parties fetch: the JWKS and the discovery
        document (one request each)."""
        issuer = self.context['ng_oauth2_issuer']
        with atomic.ActionTimer(self, 'ng.oauth2_jwks'):
            ng_client.call('GET', issuer + '/jwks', 200)
        with atomic.ActionTimer(self, 'ng.oauth2_discovery'):
            ng_client.call('GET', issuer +
                           '/.well-known/openid-configuration', 200)
