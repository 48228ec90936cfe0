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
"""Lean HTTP calls for the Rally plugins: one request per measured action.

Rally's own clients re-authenticate and re-discover on every iteration
(about 4 token requests and 9 version discoveries per iteration of
KeystoneBasic), which would drown what is measured. Everything here is a
plain ``requests`` call; no Rally import, so it can be used (and tested)
without Rally.
"""

import importlib.util
import os
import threading
import time
import urllib.parse
import uuid

import requests

TIMEOUT = 60
_local = threading.local()


def softauthn():
    """The software WebAuthn authenticator of the plugin's tests (the
    package's module, or the file next to this directory when Rally loads
    the plugins by path from a checkout)."""
    try:
        from keystone_ng_plugin_tests import softauthn as module
        return module
    except ImportError:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            os.pardir, 'softauthn.py')
        spec = importlib.util.spec_from_file_location('ng_softauthn', path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


class Failure(Exception):
    """A response other than the expected one (Rally counts a failure)."""

    def __init__(self, response, expected):
        try:
            error = response.json()['error']
            detail = '%s %s: %s' % (error.get('code'), error.get('title'),
                                    error.get('message'))
        except (ValueError, KeyError, TypeError):
            detail = response.text[:300]
        super().__init__('%s %s: expected %s, got %s (%s)' % (
            response.request.method, response.url, expected,
            response.status_code, detail))


def session():
    """A requests session per thread (connection reuse where the server
    keeps connections open)."""
    if not hasattr(_local, 'session'):
        _local.session = requests.Session()
    return _local.session


def base_url(auth_url: str) -> str:
    """Keystone's root URL from a Rally credential's auth_url."""
    url = auth_url.rstrip('/')
    for suffix in ('/v3', '/v2.0'):
        if url.endswith(suffix):
            return url[:-len(suffix)]
    return url


def call(method, url, status, **kwargs):
    """One request; Failure unless the status is ``status`` (or one of
    them, a tuple)."""
    kwargs.setdefault('timeout', TIMEOUT)
    r = session().request(method, url, allow_redirects=False, **kwargs)
    if r.status_code not in (status if isinstance(status, tuple)
                             else (status,)):
        raise Failure(r, status)
    return r


class Keystone:
    """Calls to one keystone as one caller (a token)."""

    def __init__(self, base, token=None):
        self.base = base
        self.token = token

    @classmethod
    def login(cls, credential):
        """As a Rally credential (the admin's or a user's): a project
        scoped password token."""
        cred = dict(credential)
        base = base_url(cred['auth_url'])
        user = {'name': cred['username'], 'password': cred['password'],
                'domain': {'name': cred.get('user_domain_name') or
                           'Default'}}
        scope = {'project': {'name': cred.get('tenant_name'), 'domain': {
            'name': cred.get('project_domain_name') or 'Default'}}}
        return cls(base, password_token(base, user, scope))

    def request(self, method, path, status=200, **kwargs):
        headers = kwargs.pop('headers', {})
        if self.token:
            headers.setdefault('X-Auth-Token', self.token)
        url = path if path.startswith('http') else self.base + path
        return call(method, url, status, headers=headers, **kwargs)

    def create(self, path, member, body):
        return self.request('POST', path, 201, json={member: body}).json()[
            member]

    def delete(self, path):
        """Delete, accepting that it is gone already."""
        self.request('DELETE', path, status=(204, 404))

    def role_id(self, name):
        roles = self.request('GET', '/v3/roles', params={'name': name}).json()
        return roles['roles'][0]['id']


def password_token(base, user, scope=None):
    """POST /v3/auth/tokens (password) -> the token; ``user`` is the
    password method's user object."""
    body = {'auth': {'identity': {'methods': ['password'],
                                  'password': {'user': user}}}}
    if scope:
        body['auth']['scope'] = scope
    return call('POST', base + '/v3/auth/tokens', 201,
                json=body).headers['X-Subject-Token']


def token_login(base, token, project_id=None):
    """Keystone's re-authentication: POST /v3/auth/tokens, method token."""
    body = {'auth': {'identity': {'methods': ['token'],
                                  'token': {'id': token}}}}
    if project_id:
        body['auth']['scope'] = {'project': {'id': project_id}}
    return call('POST', base + '/v3/auth/tokens', 201,
                json=body).headers['X-Subject-Token']


def validate(base, caller_token, subject_token):
    """GET /v3/auth/tokens: validate ``subject_token``."""
    return call('GET', base + '/v3/auth/tokens', 200, headers={
        'X-Auth-Token': caller_token,
        'X-Subject-Token': subject_token}).json()['token']


def server_timing(response) -> dict:
    """{metric: milliseconds} of a response's Server-Timing header."""
    found = {}
    for entry in response.headers.get('Server-Timing', '').split(','):
        parts = [p.strip() for p in entry.split(';')]
        for part in parts[1:]:
            if part.startswith('dur='):
                try:
                    found[parts[0]] = float(part[4:])
                except ValueError:
                    pass
    return found


def name(prefix='rally-ng'):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:12])


# -- OpenID Connect: what a person's browser does at the IdP ---------------

def login_at_provider(auth_url, redirect_uri, username, password):
    """Follow the IdP's redirects and post its login form (the test IdP's
    ``tools/oidc-provider``, or any whose login page is one form with
    ``username`` and ``password``); returns the parameters the browser
    brings back to ``redirect_uri`` (state, code, iss)."""
    browser = requests.Session()
    url = auth_url
    for _ in range(12):
        r = browser.get(url, allow_redirects=False, timeout=TIMEOUT)
        if r.status_code == 200 and '<form' in r.text:
            action = r.text.split('action="')[1].split('"')[0]
            r = browser.post(urllib.parse.urljoin(url, action),
                             data={'username': username,
                                   'password': password},
                             allow_redirects=False, timeout=TIMEOUT)
        if 'Location' not in r.headers:
            raise Failure(r, 'a redirect')
        location = urllib.parse.urljoin(url, r.headers['Location'])
        if location.startswith(redirect_uri):
            return dict(urllib.parse.parse_qsl(
                urllib.parse.urlsplit(location).query))
        url = location
    raise RuntimeError('the identity provider never redirected back')


def jwt_claims(issuer, audience, subject, lifetime=600, **extra):
    now = int(time.time())
    claims = {'iss': issuer, 'aud': audience, 'sub': subject, 'iat': now,
              'nbf': now, 'exp': now + lifetime, 'jti': uuid.uuid4().hex}
    claims.update(extra)
    return claims
