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
"""A token issuer the test controls completely: a stand-in, named as such.

Used where no real peer can run here or be made to misbehave: forged ID
tokens (no real OpenID provider signs a token for the wrong audience, with
``alg: none``, or with HMAC keyed by its own public key), and JWTs shaped
like those of GitHub Actions, GitLab CI, Kubernetes projected service
account tokens (no Kubernetes API server here). It serves a discovery
document (its issuer can be made wrong), a JWKS (fetches are counted), and
a token endpoint answering with whatever ID token the test set. The honest
OIDC flows are tested against npm oidc-provider.
"""

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
import urllib.parse

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import serialization
import jwt

from keystone_ng_plugin_tests import json_http


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


class Issuer:

    # Any path ending in the well-known suffix serves the discovery
    # document (whose issuer is then not that of the URL).

    def __init__(self, client_id='keystone'):
        self.client_id = client_id
        self.key = rsa.generate_private_key(public_exponent=65537,
                                            key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537,
                                                  key_size=2048)
        self.id_token = None
        self.token_requests = []
        self.jwks_fetches = 0
        idp = self

        class Handler(json_http.Handler):
            def do_GET(self):
                if self.path.endswith('/.well-known/openid-configuration'):
                    self.send_json(idp.discovery())
                elif self.path == '/jwks':
                    idp.jwks_fetches += 1
                    self.send_json({'keys': [idp.public_jwk()]})
                else:
                    self.send_error(404)

            def do_POST(self):
                length = int(self.headers.get('Content-Length') or 0)
                idp.token_requests.append(dict(urllib.parse.parse_qsl(
                    self.rfile.read(length).decode())))
                self.send_json({'access_token': 'opaque',
                                'token_type': 'Bearer', 'expires_in': 60,
                                'id_token': idp.id_token})

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Handler)
        self.issuer = 'http://127.0.0.1:%d' % self.server.server_port
        self.discovery_issuer = self.issuer
        self.discovery_url = self.issuer + '/.well-known/openid-configuration'
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def discovery(self):
        return {'issuer': self.discovery_issuer,
                'authorization_endpoint': self.issuer + '/authorize',
                'token_endpoint': self.issuer + '/token',
                'jwks_uri': self.issuer + '/jwks',
                'id_token_signing_alg_values_supported': ['RS256']}

    def public_jwk(self):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(
            self.key.public_key()))
        jwk.update(kid='rogue-1', alg='RS256', use='sig')
        return jwk

    def claims(self, nonce, **changes):
        now = int(time.time())
        claims = {'iss': self.issuer, 'aud': self.client_id,
                  'sub': 'mallory', 'preferred_username': 'mallory',
                  'iat': now, 'exp': now + 300, 'nonce': nonce}
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def signed(self, claims, key=None, kid='rogue-1'):
        return jwt.encode(claims, key or self.key, algorithm='RS256',
                          headers={'kid': kid})

    @staticmethod
    def unsigned(claims):
        """``alg: none``."""
        header = _b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())
        return '%s.%s.' % (header, _b64(json.dumps(claims).encode()))

    def hs256_with_public_key(self, claims):
        """HS256 keyed with the IdP's public key (the classic confusion)."""
        secret = self.key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo)
        signing_input = '%s.%s' % (
            _b64(json.dumps({'alg': 'HS256', 'typ': 'JWT',
                             'kid': 'rogue-1'}).encode()),
            _b64(json.dumps(claims).encode()))
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256)
        return signing_input + '.' + _b64(mac.digest())
