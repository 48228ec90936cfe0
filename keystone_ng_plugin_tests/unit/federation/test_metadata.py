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
"""Fetching discovery documents and JWKS from identity providers."""

import base64
import http.server
import json
import threading
import time
from unittest import mock

import jwt
from oslo_config import fixture as config_fixture
import testtools

from keystone_ng_plugin.common import jose
import keystone_ng_plugin.conf
from keystone_ng_plugin.federation import metadata
from keystone_ng_plugin.federation import records
from keystone_ng_plugin_tests import jwtissuer

CONF = keystone_ng_plugin.conf.CONF


def _jwk(issuer, kid):
    return issuer.jwk(kid=kid)


WELL_KNOWN = '/.well-known/openid-configuration'


class FakeIdP(http.server.BaseHTTPRequestHandler):
    """An identity provider's metadata endpoints on loopback (a stand-in
    for unit tests; the functional tests use a real OpenID provider)."""

    routes: dict = {}

    def do_GET(self):
        status, body = self.routes.get(self.path, (404, b'{}'))
        if callable(body):
            body = body()
        if self.path == '/echo-cookie':
            status, body = 200, json.dumps(
                {'cookie': self.headers.get('Cookie')}).encode()
        self.send_response(status)
        if self.path == '/set-cookie':
            self.send_header('Set-Cookie', 'sid=login-1; Path=/')
        if status in (301, 302):
            self.send_header('Location', '/discovery')
        self.send_header('Content-Type', 'application/json')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class MetadataTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(config_fixture.Config(CONF))
        self.conf.config(group='ng_federation',
                         allow_insecure_loopback=True, http_timeout=0.5,
                         max_response_bytes=4096)
        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      FakeIdP)
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.base = 'http://127.0.0.1:%d' % self.server.server_port
        self.issuer_a = jwtissuer.JWTIssuer(key_name='a')
        self.issuer_b = jwtissuer.JWTIssuer(key_name='b')
        self.key_a, self.key_b = self.issuer_a.key, self.issuer_b.key
        self.jwks = {'keys': [_jwk(self.issuer_a, 'a')]}
        self.fetches = []

        def jwks_body():
            self.fetches.append(time.time())
            return json.dumps(self.jwks).encode()

        FakeIdP.routes = {
            WELL_KNOWN: (200, json.dumps({
                'issuer': self.base, 'jwks_uri': self.base + '/jwks',
                'authorization_endpoint': self.base + '/auth'}).encode()),
            '/jwks': (200, jwks_body),
            '/redirect': (302, b''),
            '/big': (200, b'{"x": "' + b'x' * 10000 + b'"}'),
            '/text': (200, b'<html>'),
            '/list': (200, b'[1, 2]'),
            '/error': (500, b'{}'),
        }
        metadata.forget()
        self.addCleanup(metadata.forget)
        self.idp = records.IdentityProvider(
            id='idp1', oidc_discovery_url=self.base + WELL_KNOWN)

    def _token(self, key, kid):
        now = int(time.time())
        return jwt.encode({'iss': self.base, 'aud': 'keystone', 'sub': 'a',
                           'iat': now, 'exp': now + 60}, key,
                          algorithm='RS256', headers={'kid': kid})

    def test_discovery_and_issuer_binding(self):
        self.assertEqual(self.base, metadata.issuer(self.idp))
        self.idp = self.idp.replace(bound_issuer='https://other.example')
        metadata.forget()
        self.assertRaises(metadata.IssuerMismatch, metadata.discovery,
                          self.idp)

    def test_issuer_url_works_as_discovery_url(self):
        # As the Rust Keystone-NG takes it: the issuer, well-known appended.
        self.idp = self.idp.replace(oidc_discovery_url=self.base + '/')
        self.assertEqual(self.base, metadata.issuer(self.idp))

    def test_discovery_issuer_must_be_the_url_prefix(self):
        # OpenID Connect Discovery 1.0 section 4.3.
        FakeIdP.routes['/tenant' + WELL_KNOWN] = FakeIdP.routes[WELL_KNOWN]
        self.idp = self.idp.replace(
            oidc_discovery_url=self.base + '/tenant' + WELL_KNOWN)
        self.assertRaises(metadata.IssuerMismatch, metadata.discovery,
                          self.idp)

    def test_hardened_fetch(self):
        for path in ('/redirect', '/big', '/text', '/list', '/error',
                     '/missing'):
            self.assertRaises(metadata.MetadataError, metadata.fetch_json,
                              self.base + path)
        self.assertRaises(metadata.MetadataError, metadata.fetch_json,
                          'http://127.0.0.1:1/unreachable')

    def test_connections_kept_but_no_cookies_between_requests(self):
        FakeIdP.routes['/set-cookie'] = (200, b'{}')
        self.addCleanup(FakeIdP.routes.pop, '/set-cookie')
        metadata.fetch_json(self.base + '/set-cookie')
        self.assertEqual({'cookie': None},
                         metadata.fetch_json(self.base + '/echo-cookie'))

    def test_only_https_except_loopback_when_allowed(self):
        for url in ('http://idp.example/x', 'ftp://idp.example/x',
                    'file:///etc/passwd', '', 'https:///nohost'):
            self.assertRaises(metadata.MetadataError, metadata.check_url,
                              url)
        metadata.check_url('https://idp.example/x')
        metadata.check_url('http://[::1]:8080/x')
        self.conf.config(group='ng_federation',
                         allow_insecure_loopback=False)
        self.assertRaises(metadata.MetadataError, metadata.check_url,
                          self.base + WELL_KNOWN)

    def test_token_verified_and_jwks_cached(self):
        for _ in range(3):
            metadata.verify_token(self.idp, self._token(self.key_a, 'a'),
                                  ['keystone'])
        self.assertEqual(1, len(self.fetches))

    def test_unknown_kid_refetches_once_per_interval(self):
        self.conf.config(group='ng_federation',
                         jwks_min_refresh_interval=3600)
        metadata.verify_token(self.idp, self._token(self.key_a, 'a'),
                              ['keystone'])
        # The IdP rotates in key b: one re-fetch picks it up.
        self.jwks['keys'].append(_jwk(self.issuer_b, 'b'))
        metadata.verify_token(self.idp, self._token(self.key_b, 'b'),
                              ['keystone'])
        self.assertEqual(2, len(self.fetches))
        # Unknown kids do not make keystone hammer the IdP.
        for _ in range(3):
            self.assertRaises(jose.InvalidJWT, metadata.verify_token,
                              self.idp, self._token(self.key_b, 'c'),
                              ['keystone'])
        self.assertEqual(2, len(self.fetches))

    def test_static_keys_without_jwks(self):
        pem = self.issuer_b.pem
        idp = records.IdentityProvider(id='static', bound_issuer=self.base,
                                       jwt_validation_pubkeys=(pem,))
        token = jwt.encode({'iss': self.base, 'aud': 'keystone',
                            'exp': int(time.time()) + 60}, self.key_b,
                           algorithm='RS256')
        metadata.verify_token(idp, token, ['keystone'])
        self.assertRaises(metadata.MetadataError, metadata.signing_keys,
                          idp.replace(jwt_validation_pubkeys=None))

    def test_failed_fetch_is_not_repeated_at_once(self):
        # An IdP whose keys cannot be fetched: refused logins must not cost
        # an outbound fetch each.
        self.idp = self.idp.replace(jwks_url=self.base + '/jwks')
        hits = []
        FakeIdP.routes['/jwks'] = (500, lambda: hits.append(1) or b'{}')
        for _ in range(5):
            self.assertRaises(metadata.MetadataError, metadata.verify_token,
                              self.idp, self._token(self.key_a, 'a'),
                              ['keystone'])
        self.assertEqual(1, len(hits))
        # after the backoff, one more try (and the backoff doubles)
        with mock.patch.object(metadata.time, 'monotonic',
                               return_value=time.monotonic() + 1.5):
            self.assertRaises(metadata.MetadataError, metadata.signing_keys,
                              self.idp)
            self.assertRaises(metadata.MetadataError, metadata.signing_keys,
                              self.idp)
        self.assertEqual(2, len(hits))

    def test_unparseable_bearer_refused_before_any_fetch(self):
        for bearer in ('not.a.jwt', 'garbage', 'a.b', '', 'x' * 20000,
                       _unsigned_with_alg('none'),
                       _unsigned_with_alg('HS256')):
            self.assertRaises(jose.InvalidJWT, metadata.verify_token,
                              self.idp, bearer, ['keystone'])
        self.assertEqual([], self.fetches)


def _unsigned_with_alg(alg):
    def b64(value):
        return base64.urlsafe_b64encode(
            json.dumps(value).encode()).rstrip(b'=').decode()
    return '%s.%s.' % (b64({'alg': alg}), b64({'iss': 'x', 'exp': 1}))
