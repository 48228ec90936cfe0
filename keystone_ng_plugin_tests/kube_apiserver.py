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
"""STAND-IN: a local HTTPS imitation of the Kubernetes API server's
TokenReview API, for the tests.

No kube-apiserver can run on a CI machine here. This one implements
``POST /apis/authentication.k8s.io/v1/tokenreviews`` as the API server
does for service account tokens:

* 401 when the bearer is not a known reviewer token (403 when the reviewer
  lacks system:auth-delegator);
* ``authenticated: false`` with an error for an unknown, expired or
  revoked token, or a token of a deleted service account;
* spec.audiences: the token must have one of them, and status.audiences
  lists those it has (the API server's default audience when none asked);
* status.user: username system:serviceaccount:<ns>:<name>, uid, groups and
  extra (authentication.kubernetes.io/pod-name and pod-uid).

It serves TLS with a certificate of a CA of its own (``ca_pem``), and
issues service account tokens as the API server's token controller does:
ES256 JWTs with iss, sub, aud, exp, iat, nbf and the kubernetes.io claims
(namespace, service account, pod).
"""

import dataclasses
import datetime
import http.server
import ipaddress
import json
import secrets
import ssl
import tempfile
import threading
import time
import uuid

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
import jwt as pyjwt

from keystone_ng_plugin_tests import json_http

DEFAULT_AUDIENCE = 'https://kubernetes.default.svc'
ISSUER = 'https://kubernetes.default.svc.cluster.local'
PATH = '/apis/authentication.k8s.io/v1/tokenreviews'


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca(common_name='stand-in kube CA'):
    """A CA key and certificate (PEM of the certificate as ca_pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(_name(common_name)).issuer_name(_name(common_name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0),
                           critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def pem(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode('ascii')


def _server_cert(ca_key, ca_cert):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(_name('kube-apiserver'))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName('localhost'),
                x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
                critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


@dataclasses.dataclass
class WorkloadToken:
    namespace: str
    name: str
    audiences: tuple
    expires: float
    pod_name: str = ''
    pod_uid: str = ''
    uid: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))


class KubeAPIServer:
    """The stand-in, on a free loopback port, in a thread."""

    def __init__(self):
        self.ca_key, self.ca_cert = make_ca()
        self.ca_pem = pem(self.ca_cert)
        self.reviewers = {}          # token -> may review (auth-delegator)
        self.tokens = {}             # token -> WorkloadToken
        self.deleted = set()         # (namespace, name)
        self.reviews = []            # every request body received
        self.signing_key = ec.generate_private_key(ec.SECP256R1())
        self._server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                       _Handler)
        self._server.api = self
        key, cert = _server_cert(self.ca_key, self.ca_cert)
        with tempfile.NamedTemporaryFile('w', suffix='.pem') as f:
            f.write(key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()).decode('ascii'))
            f.write(pem(cert))
            f.flush()
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(f.name)
        self._server.socket = context.wrap_socket(self._server.socket,
                                                  server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return 'https://127.0.0.1:%d' % self._server.server_address[1]

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def reviewer(self, may_review=True) -> str:
        """A service account token of a reviewer (bound to
        system:auth-delegator, unless ``may_review`` is False)."""
        token = self.issue('kube-system', 'reviewer-' + secrets.token_hex(4),
                           lifetime=86400)
        self.reviewers[token] = may_review
        return token

    def issue(self, namespace, name, audiences=(DEFAULT_AUDIENCE,),
              lifetime=600, pod_name='', pod_uid='', uid=None) -> str:
        """A projected service account token, signed as the API server
        signs them (the stand-in answers reviews from its own record of
        it, as the API server checks its signature and its records).
        ``uid``: the service account's (a re-created account has a new
        one)."""
        now = int(time.time())
        record = WorkloadToken(
            namespace, name, tuple(audiences), now + lifetime, pod_name,
            pod_uid, **({'uid': uid} if uid else {}))
        claims = {
            'iss': ISSUER, 'sub': 'system:serviceaccount:%s:%s' % (
                namespace, name),
            'aud': list(audiences), 'iat': now, 'nbf': now,
            'exp': now + lifetime, 'jti': str(uuid.uuid4()),
            'kubernetes.io': {
                'namespace': namespace,
                'serviceaccount': {'name': name, 'uid': record.uid}}}
        if pod_name:
            claims['kubernetes.io']['pod'] = {'name': pod_name,
                                              'uid': pod_uid}
        token = pyjwt.encode(claims, self.signing_key, algorithm='ES256',
                             headers={'kid': 'stand-in'})
        self.tokens[token] = record
        return token

    def review(self, bearer, body):
        """(HTTP status, answer) as the API server gives them."""
        if bearer not in self.reviewers:
            return 401, {'kind': 'Status', 'status': 'Failure',
                         'reason': 'Unauthorized', 'code': 401}
        if not self.reviewers[bearer]:
            return 403, {'kind': 'Status', 'status': 'Failure',
                         'reason': 'Forbidden', 'code': 403}
        spec = (body or {}).get('spec') or {}
        self.reviews.append(spec)
        answer = {'apiVersion': 'authentication.k8s.io/v1',
                  'kind': 'TokenReview', 'spec': spec}
        found = self.tokens.get(spec.get('token'))
        asked = spec.get('audiences') or [DEFAULT_AUDIENCE]
        if found is None or found.expires < time.time() or (
                found.namespace, found.name) in self.deleted:
            answer['status'] = {'authenticated': False,
                                'error': 'invalid bearer token'}
            return 201, answer
        audiences = [a for a in asked if a in found.audiences]
        if not audiences:
            answer['status'] = {
                'authenticated': False,
                'error': 'token audiences %s is invalid for the target '
                         'audiences %s' % (list(found.audiences), asked)}
            return 201, answer
        extra = {}
        if found.pod_name:
            extra['authentication.kubernetes.io/pod-name'] = [found.pod_name]
            extra['authentication.kubernetes.io/pod-uid'] = [found.pod_uid]
        answer['status'] = {
            'authenticated': True, 'audiences': audiences,
            'user': {'username': 'system:serviceaccount:%s:%s' % (
                found.namespace, found.name), 'uid': found.uid,
                'groups': ['system:serviceaccounts',
                           'system:serviceaccounts:' + found.namespace,
                           'system:authenticated'],
                'extra': extra}}
        return 201, answer


class _Handler(json_http.Handler):

    def do_POST(self):
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length)
        if self.path != PATH:
            status, answer = 404, {'kind': 'Status', 'code': 404}
        else:
            auth = self.headers.get('Authorization') or ''
            bearer = auth[7:] if auth.startswith('Bearer ') else None
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            status, answer = self.server.api.review(bearer, body)
        self.send_json(answer, status)
