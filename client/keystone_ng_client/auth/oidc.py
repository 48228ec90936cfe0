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
"""v4oidc: a keystone token through keystone's own OpenID Connect login.

As keystoneauth's v3websso does: a listener on a loopback redirect URI,
the system browser sent to the identity provider. keystone starts the login
(/v4/federation/identity_providers/{id}/auth: PKCE, state and nonce stay on
the server), the provider sends the browser back to the listener, and the
code and state go to /v4/federation/oidc/callback for the token. The
redirect URI must be in the identity provider's (or mapping's)
allowed_redirect_uris and registered at the provider."""

import http.server
import ipaddress
import sys
import time
import urllib.parse
import webbrowser

from keystone_ng_client.auth import base
from keystone_ng_client import errors

DEFAULT_REDIRECT_URI = 'http://127.0.0.1:8790/callback'
# What the provider may append to the redirect URI and keystone reads.
CALLBACK_FIELDS = ('state', 'code', 'error', 'error_description', 'iss',
                   'session_state')
PAGE = ('<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<title>OpenStack login</title></head><body><p>%s</p>'
        '</body></html>')


def _loopback(redirect_uri: str) -> tuple[str, int, str]:
    parts = urllib.parse.urlsplit(redirect_uri)
    host = parts.hostname or ''
    try:
        loopback = host == 'localhost' or ipaddress.ip_address(
            host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme != 'http' or not loopback or not parts.port:
        raise errors.LoginError(
            'v4oidc: redirect_uri must be http on a loopback address with '
            'a port (e.g. %s), not %s' % (DEFAULT_REDIRECT_URI,
                                          redirect_uri))
    return host, parts.port, parts.path or '/'


class _Listener(http.server.HTTPServer):
    """One login's redirect: the first request to its path."""

    def __init__(self, host, port, path):
        self.path = path
        self.result = None
        try:
            super().__init__((host, port), _Handler)
        except OSError as exc:
            raise errors.LoginError(
                'v4oidc: cannot listen on %s:%s: %s' % (host, port,
                                                        exc.strerror))


class _Handler(http.server.BaseHTTPRequestHandler):

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != self.server.path or self.server.result is not None:
            self.send_error(404)
            return
        self.server.result = dict(urllib.parse.parse_qsl(url.query))
        body = (PAGE % ('Login finished: you can close this window and '
                        'go back to the terminal.')).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'text/html; charset=utf-8')
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Cache-Control', 'no-store')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Oidc(base.V4Plugin):
    name = 'v4oidc'

    def __init__(self, auth_url, identity_provider, mapping_name=None,
                 redirect_uri=DEFAULT_REDIRECT_URI, login_timeout=300,
                 **kwargs):
        super().__init__(auth_url, **kwargs)
        self.identity_provider = identity_provider
        self.mapping_name = mapping_name
        self.redirect_uri = redirect_uri or DEFAULT_REDIRECT_URI
        self.login_timeout = int(login_timeout or 300)

    def _wait(self, listener, state) -> dict:
        deadline = time.monotonic() + self.login_timeout
        listener.timeout = 1
        while listener.result is None:
            if time.monotonic() > deadline:
                raise errors.LoginError(
                    'v4oidc: no answer from the browser within %d s'
                    % self.login_timeout)
            listener.handle_request()
        if listener.result.get('state') != state:
            raise errors.LoginError(
                'v4oidc: the browser came back from another login '
                '(state mismatch); try again')
        return {k: v for k, v in listener.result.items()
                if k in CALLBACK_FIELDS}

    def login(self, session):
        listener = _Listener(*_loopback(self.redirect_uri))
        try:
            body = {'redirect_uri': self.redirect_uri}
            if self.mapping_name:
                body['mapping_name'] = self.mapping_name
            if self.scope:
                body['scope'] = self.scope
            auth_url = self.post(
                session, '/federation/identity_providers/%s/auth'
                % self.identity_provider, json=body).json()['auth_url']
            state = dict(urllib.parse.parse_qsl(
                urllib.parse.urlsplit(auth_url).query)).get('state')
            print('Log in in your browser; if it does not open, go to:\n'
                  '  %s' % auth_url, file=sys.stderr, flush=True)
            webbrowser.open(auth_url, new=1, autoraise=True)
            params = self._wait(listener, state)
        finally:
            listener.server_close()
        return self.token_of(self.post(session, '/federation/oidc/callback',
                                       json=params))
