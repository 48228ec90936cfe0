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
"""Keystone as operators run it today, beside the plugin, for tools/bench.

Stock keystone (``keystone.wsgi.api``, no plugin code on the request path)
under Apache httpd with mod_wsgi (built for this virtualenv's Python:
``pip install mod_wsgi``) and mod_auth_openidc (Debian's
``libapache2-mod-auth-openidc``), which validates OIDC bearer tokens
(``AuthType oauth20``, the JWT checked against the provider's JWKS) and
does WebSSO as the provider's relying party (``AuthType openid-connect``:
the redirect to the provider, the code exchange at its redirect URI, a
session cookie), handing the claims to keystone's ``openid`` auth method
as ``OIDC-*`` environment variables. It shares the plugin's deployment:
the same database, fernet keys and the same keystone v3 identity
providers, mappings and protocols, so the two answer the same request
with the same token.

Run as root (this machine's user), httpd keeps root for its children: the
configuration loads no mod_unixd, which is what would switch users, and
keystone runs in mod_wsgi's embedded mode (prefork, one thread per
process): its daemon mode refuses root. Not for production: it is a
bench.
"""

import http.server
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time

import requests

from keystone_ng_plugin_tests import json_http

APACHE = shutil.which('apache2') or '/usr/sbin/apache2'
MODULES = '/usr/lib/apache2/modules'
NEEDED_MODULES = ['mpm_prefork', 'authz_core', 'authz_user', 'authn_core',
                  'auth_openidc']
AUTH_URL_RE = ('/v3/OS-FEDERATION/identity_providers/.*?/protocols/openid/'
               'auth')
# WebSSO: keystone's URLs for protocol openid, and mod_auth_openidc's
# redirect URI (under them: the module answers it before keystone).
WEBSSO_URL_RE = ('/v3/auth/OS-FEDERATION/(identity_providers/.*?/protocols/'
                 'openid/websso|websso/openid)')
WEBSSO_REDIRECT = '/v3/auth/OS-FEDERATION/websso/openid/redirect'


def websso_redirect_uri(port) -> str:
    """mod_auth_openidc's redirect URI on an httpd of ``port``."""
    return 'http://127.0.0.1:%d%s' % (port, WEBSSO_REDIRECT)


def missing() -> list:
    """What this machine lacks to run the comparison (empty: nothing)."""
    lacks = []
    if not os.path.exists(APACHE):
        lacks.append('apache2 (Debian package apache2)')
    for name in NEEDED_MODULES:
        if not os.path.exists(os.path.join(MODULES, 'mod_%s.so' % name)):
            lacks.append('mod_%s (Debian package %s)' % (
                name, 'libapache2-mod-auth-openidc'
                if name == 'auth_openidc' else 'apache2'))
    if not _wsgi_express():
        lacks.append('mod_wsgi in %s (pip install mod_wsgi; needs '
                     'apache2-dev)' % sys.prefix)
    return lacks


def _wsgi_express():
    path = os.path.join(os.path.dirname(sys.executable), 'mod_wsgi-express')
    return path if os.path.exists(path) else None


class Apache:
    """httpd serving stock keystone on ``port`` with mod_auth_openidc in
    front of the v3 federation auth URL of the ``openid`` protocol."""

    def __init__(self, dep, port, provider, processes):
        self.dep = dep
        self.port = port
        self.dir = dep.path('apache')
        self.processes = processes
        os.makedirs(os.path.join(self.dir, 'logs'), exist_ok=True)
        self.config_file = os.path.join(self.dir, 'keystone.conf')
        self._keystone_config()
        self.script = os.path.join(self.dir, 'keystone.wsgi')
        with open(self.script, 'w') as f:
            f.write('import os\n'
                    'os.environ["OS_KEYSTONE_CONFIG_FILES"] = %r\n'
                    'os.environ.pop("OS_KEYSTONE_CONFIG_DIR", None)\n'
                    'from keystone.wsgi.api import application  # noqa\n'
                    % self.config_file)
        self.metadata = None
        self.httpd_conf = os.path.join(self.dir, 'httpd.conf')
        with open(self.httpd_conf, 'w') as f:
            f.write(self._httpd_config(provider))
        self.process = None

    @property
    def base_url(self):
        return 'http://127.0.0.1:%d' % self.port

    def _keystone_config(self):
        """The deployment's keystone.conf, its plugin taken off the
        request path: keystone's ``openid`` method reads what
        mod_auth_openidc exports."""
        config = self.dep.config()
        methods = [m for m in config.get('auth', 'methods').split(',')
                   if m in ('password', 'token', 'openid', 'mapped',
                            'application_credential', 'external', 'totp')]
        if 'openid' not in methods:
            methods.append('openid')
        config.set('auth', 'methods', ','.join(methods))
        if config.has_option('auth', 'token'):
            config.remove_option('auth', 'token')
        if not config.has_section('openid'):
            config.add_section('openid')
        config.set('openid', 'remote_id_attribute', 'OIDC-iss')
        config.set('DEFAULT', 'log_file',
                   os.path.join(self.dir, 'logs', 'keystone.log'))
        with open(self.config_file, 'w') as f:
            config.write(f)

    def _httpd_config(self, provider):
        wsgi = subprocess.run([_wsgi_express(), 'module-config'],
                              capture_output=True, text=True,
                              check=True).stdout
        modules = ''.join('LoadModule %s_module %s/mod_%s.so\n' % (
            name, MODULES, name) for name in NEEDED_MODULES)
        return f'''# Generated by tools/bench_apache.py (the bench only).
ServerRoot {self.dir}
ServerName 127.0.0.1
Listen 127.0.0.1:{self.port}
PidFile {self.dir}/httpd.pid
ErrorLog {self.dir}/logs/error.log
LogLevel warn
{modules}{wsgi}
# keystone in mod_wsgi's embedded mode under the prefork MPM: {self.processes}
# processes of one thread, as gunicorn's sync workers beside it (daemon
# mode refuses to run as root, and this machine's Python lives under
# /root, which no other user may read).
StartServers {self.processes}
MinSpareServers {self.processes}
MaxSpareServers {self.processes}
MaxRequestWorkers {self.processes}
KeepAlive Off
WSGISocketPrefix {self.dir}/wsgi
WSGIApplicationGroup %{{GLOBAL}}
WSGIPassAuthorization On
WSGIScriptAlias / {self.script}
<Directory {self.dir}>
    Require all granted
</Directory>

# mod_auth_openidc, as keystone's "Setting up OpenID Connect" guide sets
# it up for bearer tokens (keystoneauth's v3oidcaccesstoken and friends).
# The provider's signing keys are given as files: it serves plain http on
# loopback, and OIDCOAuthVerifyJwksUri takes https only.
OIDCClaimPrefix "OIDC-"
OIDCPassClaimsAs environment
OIDCOAuthVerifyCertFiles {self._key_files(provider)}
OIDCOAuthRemoteUserClaim sub
<LocationMatch "{AUTH_URL_RE}">
    AuthType oauth20
    Require valid-user
</LocationMatch>

# ... and for WebSSO (Horizon's login), as keystone's guide sets it up: the
# provider's client "keystone", sessions in shared memory. The provider's
# discovery document is served as it is, less its userinfo endpoint: the
# plugin takes the claims from the ID token, and so does the module here
# (the provider's access tokens are for keystone, not for its userinfo).
OIDCProviderMetadataURL {self._metadata_url(provider)}
OIDCClientID keystone
OIDCClientSecret keystone-secret
OIDCScope "openid profile"
OIDCPKCEMethod S256
OIDCRedirectURI {websso_redirect_uri(self.port)}
OIDCCryptoPassphrase {secrets.token_hex(16)}
<LocationMatch "{WEBSSO_URL_RE}">
    AuthType openid-connect
    Require valid-user
</LocationMatch>
'''

    def _metadata_url(self, provider) -> str:
        """The provider's discovery document less ``userinfo_endpoint``,
        served on loopback for the life of this Apache (the
        ``OIDCProvider*Endpoint`` settings take https only)."""
        found = requests.get(provider.discovery_url, timeout=10).json()
        found.pop('userinfo_endpoint', None)

        class Handler(json_http.Handler):
            def do_GET(self):
                self.send_json(found)
        self.metadata = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                        Handler)
        threading.Thread(target=self.metadata.serve_forever,
                         daemon=True).start()
        return 'http://127.0.0.1:%d/.well-known/openid-configuration' % (
            self.metadata.server_address[1])

    def _key_files(self, provider) -> str:
        """The provider's RSA signing keys (its JWKS) as certificate files
        (``kid#path`` each): certificates of those public keys, signed by
        a throwaway key (mod_auth_openidc only reads the public key)."""
        import datetime

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from jwt import algorithms

        signer = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(
            x509.oid.NameOID.COMMON_NAME, 'bench')])
        now = datetime.datetime.now(datetime.timezone.utc)
        files = []
        keys = requests.get(provider.issuer + '/jwks', timeout=10).json()
        for number, jwk in enumerate(keys['keys']):
            if jwk.get('kty') != 'RSA':
                continue
            public = algorithms.RSAAlgorithm.from_jwk(jwk)
            cert = (x509.CertificateBuilder().subject_name(name)
                    .issuer_name(name).public_key(public)
                    .serial_number(number + 1).not_valid_before(now)
                    .not_valid_after(now + datetime.timedelta(days=2))
                    .sign(signer, hashes.SHA256()))
            path = os.path.join(self.dir, 'idp-key-%d.pem' % number)
            with open(path, 'wb') as f:
                f.write(cert.public_bytes(serialization.Encoding.PEM))
            files.append('%s#%s' % (jwk['kid'], path) if jwk.get('kid')
                         else path)
        return ' '.join(files)

    def start(self, timeout=60.0):
        self.process = subprocess.Popen(
            [APACHE, '-f', self.httpd_conf, '-DFOREGROUND'],
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.dir, 'logs', 'httpd.out'), 'w'),
            env=dict(self.dep.environ(), APACHE_RUN_DIR=self.dir,
                     APACHE_LOCK_DIR=self.dir, APACHE_LOG_DIR=self.dir),
            start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('httpd exited: %s' % self.log_tail())
            try:
                if requests.get(self.base_url + '/v3', timeout=5).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError('httpd did not answer: %s' % self.log_tail())

    def log_tail(self):
        out = []
        for name in ('httpd.out', 'error.log', 'keystone.log'):
            path = os.path.join(self.dir, 'logs', name)
            if os.path.exists(path):
                with open(path) as f:
                    out.append(name + ': ' + f.read()[-2000:])
        return '\n'.join(out)

    def stop(self):
        if self.metadata:
            self.metadata.shutdown()
            self.metadata.server_close()
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def rss_mib(pattern) -> list:
    """Resident memory (MiB) of each process whose command line holds
    ``pattern``."""
    out = subprocess.run(['ps', '-eo', 'rss=,args='], capture_output=True,
                         text=True, check=True).stdout
    return [int(line.split(None, 1)[0]) / 1024 for line in
            out.splitlines() if pattern in line and 'ps -eo' not in line]
