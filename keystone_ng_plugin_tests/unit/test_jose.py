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
"""JWT verification: every forgery and mistake is refused."""

import base64
import hashlib
import hmac
import json
import time

from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives import serialization
import jwt
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import testtools

from keystone_ng_plugin.common import jose
from keystone_ng_plugin_tests import jwtissuer

ISSUER = 'https://idp.example'


def _pem(private_key):
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


class VerifyJWTTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        issuer = jwtissuer.JWTIssuer(ISSUER, kid='rsa-1')
        self.rsa, self.ec = issuer.key, issuer.ec_key
        self.jwks = {'keys': [issuer.jwk(),
                              issuer.jwk(self.ec, 'ec-1', 'ES256')]}
        self.keys = jose.keys_from_jwks(self.jwks)

    def token(self, key=None, alg='RS256', kid='rsa-1', **claims):
        now = int(time.time())
        body = {'iss': ISSUER, 'sub': 'alice', 'aud': 'keystone',
                'iat': now, 'exp': now + 300}
        body.update(claims)
        for name in [k for k, v in body.items() if v is None]:
            del body[name]
        headers = {'kid': kid} if kid else {}
        return jwt.encode(body, key or self.rsa, algorithm=alg,
                          headers=headers)

    def verify(self, token, **kwargs):
        kwargs.setdefault('keys', self.keys)
        kwargs.setdefault('issuer', ISSUER)
        kwargs.setdefault('audiences', ['keystone'])
        return jose.verify_jwt(token, **kwargs)

    def test_rs256_es256_and_eddsa_verify(self):
        self.assertEqual('alice', self.verify(self.token()).claims['sub'])
        self.verify(self.token(self.ec, 'ES256', 'ec-1'))
        ed = ed25519.Ed25519PrivateKey.generate()
        key = jose.key_from_text(_pem(ed))
        self.verify(self.token(ed, 'EdDSA', None), keys=[key])

    def test_audience_must_intersect(self):
        self.verify(self.token(aud=['other', 'keystone']))
        self.assertRaises(jose.InvalidJWT, self.verify,
                          self.token(aud='another-service'))
        self.assertRaises(jose.InvalidJWT, self.verify, self.token(aud=None))

    def test_issuer_must_match(self):
        self.assertRaises(jose.InvalidJWT, self.verify,
                          self.token(iss='https://evil.example'))
        self.assertRaises(jose.InvalidJWT, self.verify, self.token(iss=None))

    def test_time_claims_with_leeway(self):
        now = int(time.time())
        self.assertRaises(jose.InvalidJWT, self.verify,
                          self.token(exp=now - 60))
        self.verify(self.token(exp=now - 10))          # within leeway
        self.assertRaises(jose.InvalidJWT, self.verify,
                          self.token(exp=now - 10), leeway=0)
        self.assertRaises(jose.InvalidJWT, self.verify,
                          self.token(nbf=now + 120))
        self.assertRaises(jose.InvalidJWT, self.verify,
                          self.token(iat=now + 120))
        self.assertRaises(jose.InvalidJWT, self.verify,
                          self.token(exp=None))

    def test_alg_none_refused(self):
        header = _b64(json.dumps({'alg': 'none', 'kid': 'rsa-1'}).encode())
        body = _b64(json.dumps({'iss': ISSUER, 'aud': 'keystone',
                                'exp': time.time() + 60}).encode())
        for token in (header + '.' + body + '.', header + '.' + body):
            self.assertRaises(jose.InvalidJWT, self.verify, token)

    def test_hs256_signed_with_the_public_key_refused(self):
        secret = _pem(self.rsa).encode()
        header = _b64(json.dumps({'alg': 'HS256', 'typ': 'JWT',
                                  'kid': 'rsa-1'}).encode())
        body = _b64(json.dumps({'iss': ISSUER, 'aud': 'keystone',
                                'exp': int(time.time()) + 60}).encode())
        sig = _b64(hmac.new(secret, (header + '.' + body).encode(),
                            hashlib.sha256).digest())
        self.assertRaises(jose.InvalidJWT, self.verify,
                          header + '.' + body + '.' + sig)
        self.assertRaises(jose.InvalidJWT, self.verify, header + '.' +
                          body + '.' + sig, algorithms=['HS256'])

    def test_unknown_kid_and_foreign_key(self):
        self.assertRaises(jose.UnknownKey, self.verify,
                          self.token(kid='rotated-away'))
        other = jwtissuer.rsa_key('untrusted')
        self.assertRaises(jose.InvalidJWT, self.verify,
                          self.token(key=other))
        self.assertRaises(jose.InvalidJWT, self.verify,
                          self.token(key=other, kid=None))

    def test_tampered_claims_refused(self):
        header, body, sig = self.token().split('.')
        claims = json.loads(base64.urlsafe_b64decode(body + '=='))
        claims['sub'] = 'admin'
        forged = '.'.join([header, _b64(json.dumps(claims).encode()), sig])
        self.assertRaises(jose.InvalidJWT, self.verify, forged)

    def test_validly_signed_hostile_claims_refused(self):
        # keystone could not store them (NUL) or encode them (surrogates)
        for value in ('a\x00b', 'a\ud800', '\udfff'):
            self.assertRaises(jose.InvalidJWT, self.verify,
                              self.token(sub=value))
            self.assertRaises(jose.InvalidJWT, self.verify,
                              self.token(groups=['ok', value]))
            self.assertRaises(jose.InvalidJWT, self.verify,
                              self.token(**{'x' + value: 1}))

    def test_malformed_and_oversized(self):
        for token in ('', 'abc', 'a.b.c', '...', None, 5):
            self.assertRaises(jose.InvalidJWT, self.verify, token)
        self.assertRaises(jose.InvalidJWT, self.verify,
                          self.token(blob='x' * 20000))

    def test_key_loading(self):
        self.assertEqual(2, len(self.keys))
        self.assertEqual({'rsa-1', 'ec-1'}, {k.kid for k in self.keys})
        hs = {'keys': [{'kty': 'oct', 'k': 'c2VjcmV0', 'alg': 'HS256'},
                       {'kty': 'RSA', 'use': 'enc', 'n': 'x', 'e': 'AQAB'}]}
        self.assertEqual([], jose.keys_from_jwks(hs))
        self.assertRaises(jose.InvalidJWT, jose.keys_from_jwks, {'k': 1})
        self.assertRaises(jose.InvalidJWT, jose.key_from_text, 'garbage')
        self.assertIsNotNone(jose.key_from_text(_pem(self.ec)).key)
        jwk_text = json.dumps(self.jwks['keys'][0])
        self.assertEqual('rsa-1', jose.key_from_text(jwk_text).kid)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.text(max_size=20), inner, max_size=4), max_leaves=20)


_SIGNER = jwtissuer.rsa_key('signer')
_SIGNER_JWK = jwtissuer.JWTIssuer(key_name='signer').jwk(kid='signer')


class JWTPropertiesTest(testtools.TestCase):
    """Whatever a client sends as a bearer, parsing and verification raise
    nothing but InvalidJWT (a 401): garbage, any JSON as header and claims,
    and any claims validly signed by a key keystone trusts."""

    KEYS = jose.keys_from_jwks({'keys': [_SIGNER_JWK]})

    def check(self, token):
        for step in (lambda: jose.parse_unverified(token),
                     lambda: jose.verify_jwt(token, keys=self.KEYS,
                                             issuer=ISSUER,
                                             audiences=['keystone'])):
            try:
                step()
            except jose.InvalidJWT:
                pass

    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=300))
    def test_any_text(self, token):
        self.check(token)

    @settings(max_examples=300, deadline=None)
    @given(JSON, JSON, st.binary(max_size=64))
    def test_any_json_header_and_claims(self, header, claims, signature):
        self.check('.'.join(_b64(json.dumps(part).encode())
                            for part in (header, claims)) +
                   '.' + _b64(signature))

    @settings(max_examples=200, deadline=None)
    @given(st.dictionaries(st.sampled_from(
        ['iss', 'aud', 'exp', 'nbf', 'iat', 'sub', 'x']), JSON, max_size=7))
    def test_any_claims_signed_by_a_trusted_key(self, claims):
        # signed as JWS: PyJWT's jwt.encode refuses some claim types
        self.check(jwt.api_jws.encode(
            json.dumps(claims).encode(), _SIGNER, algorithm='RS256',
            headers={'kid': 'signer'}))
