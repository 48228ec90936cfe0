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
"""A software JWT issuer for in-process tests (the unit tests' IdP).

It signs with an RSA key (and an EC key for ES256), publishes its public
keys as PEM and JWKS, and makes the forgeries every JWT flow must refuse
(``alg: none``, HS256 keyed with the public key, an unknown key). The
functional tests serve keys over HTTP instead
(:mod:`keystone_ng_plugin_tests.functional.issuer`).
"""

import base64
import functools
import hashlib
import hmac
import json
import time
import typing as ty

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import serialization
import jwt


@functools.lru_cache(maxsize=8)
def rsa_key(name: str = 'default') -> rsa.RSAPrivateKey:
    """An RSA key per name, made once per process (2048-bit keys take a
    moment: tests share them)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


class JWTIssuer:
    """Signs JWTs as an issuer with one RSA key (kid ``kid``) and one EC
    key (kid ``kid-ec``); ``other_key`` is a key nobody trusts."""

    def __init__(self, issuer: str = 'https://issuer.example',
                 kid: str = 'key-1', key_name: str = 'default'):
        self.issuer = issuer
        self.kid = kid
        self.key = rsa_key(key_name)
        self.ec_key = ec.generate_private_key(ec.SECP256R1())
        self.other_key = rsa_key('untrusted')

    @property
    def pem(self) -> str:
        """The RSA public key as PEM (an IdP's jwt_validation_pubkeys)."""
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def jwk(self, key=None, kid: ty.Optional[str] = None,
            alg: str = 'RS256') -> dict:
        key = key or self.key
        if isinstance(key, ec.EllipticCurvePrivateKey):
            jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(
                key.public_key()))
        else:
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(
                key.public_key()))
        jwk.update(kid=kid or self.kid, alg=alg, use='sig')
        return jwk

    def jwks(self) -> dict:
        """Both public keys as a JWKS document."""
        return {'keys': [self.jwk(),
                         self.jwk(self.ec_key, self.kid + '-ec', 'ES256')]}

    def claims(self, audience='keystone', subject='alice', lifetime=300,
               **changes) -> dict:
        """Claims of this issuer; a change to None drops the claim."""
        now = int(time.time())
        claims = {'iss': self.issuer, 'aud': audience, 'sub': subject,
                  'iat': now, 'nbf': now, 'exp': now + lifetime}
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(self, claims: dict, key=None, alg: str = 'RS256',
             kid: ty.Optional[str] = None) -> str:
        """A JWT signed by ``key`` (default: the RSA key, no kid header
        unless given)."""
        headers = {'kid': kid} if kid else None
        return jwt.encode(claims, key or self.key, algorithm=alg,
                          headers=headers)

    def unsigned(self, claims: dict) -> str:
        """The ``alg: none`` forgery."""
        head = b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())
        return '%s.%s.' % (head, b64(json.dumps(claims).encode()))

    def hs256_with_public_key(self, claims: dict) -> str:
        """The algorithm-confusion forgery: HS256 keyed with the PEM."""
        head = b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())
        body = b64(json.dumps(claims).encode())
        mac = hmac.new(self.pem.encode(), ('%s.%s' % (head, body)).encode(),
                       hashlib.sha256).digest()
        return '%s.%s.%s' % (head, body, b64(mac))
