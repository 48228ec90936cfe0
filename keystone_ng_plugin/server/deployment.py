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
"""A complete Keystone + plugin deployment in one state directory.

Shared by ``keystone-ng-devserver`` and the functional test fixture: it writes
a keystone.conf with every plugin feature enabled, runs keystone's key setup,
the database syncs (keystone's and the plugin's) and bootstrap, and serves
``keystone_ng_plugin.wsgi:application`` under gunicorn (sync workers, one
thread each: keystone's AuthContextMiddleware is not thread safe).
"""

import configparser
import dataclasses
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import typing as ty
import urllib.error
import urllib.request

from keystone.conf import constants as ks_constants

from keystone_ng_plugin.auth import methods

DEFAULT_PORT = 5000
ADMIN_USER = 'admin'
ADMIN_PROJECT = 'admin'
REGION = 'RegionOne'

# keystone's default [auth] methods, in keystone's order. The plugin's
# methods are only ever appended: fernet tokens store methods as a bitmask
# over this order.
KEYSTONE_AUTH_METHODS = list(ks_constants._DEFAULT_AUTH_METHODS)
# The plugin's auth methods, in the order they must be appended.
PLUGIN_AUTH_METHODS: list[str] = list(methods.PRIMARY)


# keystone's imports warn that eventlet (through oslo.service) and a few
# other things are deprecated: noise for an operator watching the console.
QUIET_WARNINGS = ('ignore::DeprecationWarning,'
                  'ignore:::oslo_service.backend._eventlet.loopingcall')


class DeploymentError(Exception):
    """A setup step or the server failed; the message says which."""


def free_port(host: str = '127.0.0.1') -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _bin(name: str) -> str:
    # The console scripts of the environment keystone is installed in.
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(candidate):
        return candidate
    found = shutil.which(name)
    if not found:
        raise DeploymentError('%s not found next to %s or on PATH' % (
            name, sys.executable))
    return found


@dataclasses.dataclass
class Deployment:
    """Keystone with the plugin, as files in ``state_dir`` and a server.

    Args:
        state_dir: config, keys, logs (and the SQLite database by default).
        database_url: SQLAlchemy URL; default SQLite in ``state_dir``.
        host, port: where gunicorn listens.
        workers: gunicorn sync workers; default 1 on SQLite (single writer),
            2 otherwise.
        admin_password: the bootstrap admin's password; default generated
            once and kept in ``state_dir/admin-password``.
        extra_config: ``{section: {option: value}}`` written last.
        gunicorn_args: more gunicorn options (a benchmark's ``--config``
            with server hooks, for instance).
    """

    state_dir: str
    database_url: ty.Optional[str] = None
    host: str = '127.0.0.1'
    port: int = DEFAULT_PORT
    workers: ty.Optional[int] = None
    admin_password: ty.Optional[str] = None
    extra_config: dict = dataclasses.field(default_factory=dict)
    gunicorn_args: list = dataclasses.field(default_factory=list)
    process: ty.Optional[subprocess.Popen] = dataclasses.field(
        default=None, repr=False)

    def __post_init__(self):
        self.state_dir = os.path.abspath(self.state_dir)
        if not self.database_url:
            self.database_url = 'sqlite:///%s' % os.path.join(
                self.state_dir, 'keystone.db')
        if self.workers is None:
            self.workers = 1 if self.is_sqlite else 2

    # Paths and URLs.
    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith('sqlite')

    def path(self, *parts: str) -> str:
        return os.path.join(self.state_dir, *parts)

    @property
    def config_file(self) -> str:
        return self.path('keystone.conf')

    @property
    def url_host(self) -> str:
        return '127.0.0.1' if self.host in ('0.0.0.0', '::', '') else self.host

    @property
    def base_url(self) -> str:
        return 'http://%s:%d' % (self.url_host, self.port)

    @property
    def auth_url(self) -> str:
        return self.base_url + '/v3'

    @property
    def passkey_origins(self) -> list[str]:
        return ['http://localhost:%d' % self.port]

    @property
    def passkey_page(self) -> str:
        return self.passkey_origins[0] + '/v4/passkeys/ui'

    # Setup.
    def ensure_admin_password(self) -> str:
        """The admin password: given, else kept in the state dir."""
        stored = self.path('admin-password')
        if self.admin_password:
            _write_private(stored, self.admin_password)
        elif os.path.exists(stored):
            with open(stored) as f:
                self.admin_password = f.read().strip()
        else:
            self.admin_password = secrets.token_urlsafe(18)
            _write_private(stored, self.admin_password)
        return self.admin_password

    def config(self) -> configparser.ConfigParser:
        """The keystone.conf this deployment runs with."""
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_dict({
            'DEFAULT': {
                'log_file': self.path('logs', 'keystone.log'),
                'use_stderr': 'false',
            },
            'database': {'connection': self.database_url},
            # The plugin's fernet provider and token method: restricted
            # tokens; every other token is an ordinary fernet token.
            'token': {'provider': 'ngfernet'},
            'fernet_tokens': {'key_repository': self.path('fernet-keys')},
            'fernet_receipts': {'key_repository': self.path('receipt-keys')},
            'credential': {'key_repository': self.path('credential-keys')},
            'auth': {
                'methods': ','.join(
                    KEYSTONE_AUTH_METHODS + PLUGIN_AUTH_METHODS),
                'token': methods.RESTRICTED_TOKEN_DRIVER,
            },
            'oslo_policy': {'policy_file': self.path('policy.yaml')},
            # Browsers allow WebAuthn on http only for localhost: the
            # passkey page works at http://localhost:<port>.
            'passkey': {
                'relying_party_id': 'localhost',
                'origins': ','.join(self.passkey_origins),
            },
        })
        if PLUGIN_AUTH_METHODS:
            parser['auth']['additional_primary_auth_methods'] = ','.join(
                PLUGIN_AUTH_METHODS)
        for section, options in self.extra_config.items():
            if section != 'DEFAULT' and not parser.has_section(section):
                parser.add_section(section)
            for key, value in options.items():
                parser[section][key] = str(value)
        return parser

    def write_config(self):
        for sub in ('logs', 'fernet-keys', 'receipt-keys', 'credential-keys'):
            os.makedirs(self.path(sub), mode=0o700, exist_ok=True)
        if not os.path.exists(self.path('policy.yaml')):
            with open(self.path('policy.yaml'), 'w') as f:
                f.write('# Operator overrides of keystone and plugin rules.\n')
        with open(self.config_file, 'w') as f:
            self.config().write(f)

    def manage(self, *args: str, tool: str = 'keystone-manage') -> str:
        """Run keystone-manage (or keystone-ng-manage) on this config."""
        cmd = [_bin(tool), '--config-file', self.config_file, *args]
        result = subprocess.run(cmd, capture_output=True, text=True,
                                env=self.environ())
        if result.returncode != 0:
            raise DeploymentError('%s failed (%d):\n%s%s' % (
                ' '.join(cmd[:1] + list(args)), result.returncode,
                result.stdout, result.stderr))
        return result.stdout

    def setup(self, bootstrap: bool = True):
        """Everything before serving; safe to run again on the same state.

        Args:
            bootstrap: run keystone's bootstrap (not for another node of a
                deployment whose database is bootstrapped already).
        """
        os.makedirs(self.state_dir, exist_ok=True)
        self.ensure_admin_password()
        self.write_config()
        owner = ['--keystone-user', _user(), '--keystone-group', _group()]
        for command, keys in (('fernet_setup', 'fernet-keys'),
                              ('receipt_setup', 'receipt-keys'),
                              ('credential_setup', 'credential-keys')):
            if not os.listdir(self.path(keys)):
                self.manage(command, *owner)
        # keystone's db_sync, then the plugin's history.
        self.manage('db_sync', tool='keystone-ng-manage')
        if bootstrap:
            self.bootstrap()
        _write_private(self.path('admin-openrc'), self.openrc())

    def bootstrap(self):
        """keystone-manage bootstrap: admin user, project, roles, catalog."""
        self.manage(
            'bootstrap',
            '--bootstrap-username', ADMIN_USER,
            # one argument: a password may start with "-"
            '--bootstrap-password=' + self.admin_password,
            '--bootstrap-project-name', ADMIN_PROJECT,
            '--bootstrap-role-name', 'admin',
            '--bootstrap-service-name', 'keystone',
            '--bootstrap-region-id', REGION,
            '--bootstrap-admin-url', self.auth_url,
            '--bootstrap-public-url', self.auth_url,
            '--bootstrap-internal-url', self.auth_url)

    # Serving.
    def environ(self) -> dict:
        env = dict(os.environ)
        env.pop('OS_KEYSTONE_CONFIG_DIR', None)
        env['OS_KEYSTONE_CONFIG_FILES'] = self.config_file
        env.setdefault('PYTHONWARNINGS', QUIET_WARNINGS)
        return env

    def server_command(self) -> list[str]:
        return [
            sys.executable, '-m', 'gunicorn',
            '--bind', '%s:%d' % (self.host, self.port),
            '--workers', str(self.workers),
            '--worker-class', 'sync', '--threads', '1',
            '--timeout', '120', '--graceful-timeout', '5',
            '--no-control-socket',
            '--access-logfile', self.path('logs', 'access.log'),
            '--error-logfile', self.path('logs', 'gunicorn.log'),
            '--pid', self.path('gunicorn.pid'),
            *self.gunicorn_args,
            'keystone_ng_plugin.wsgi:application',
        ]

    def start(self, timeout: float = 60.0):
        """Start the server in the background and wait until it answers."""
        self.process = subprocess.Popen(
            self.server_command(), env=self.environ(), cwd=self.state_dir,
            stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DeploymentError(
                    'server exited with %s; see %s' % (
                        self.process.returncode,
                        self.path('logs', 'gunicorn.log')))
            if self.is_answering():
                return
            time.sleep(0.2)
        self.stop()
        raise DeploymentError('server did not answer within %ss; see %s' % (
            timeout, self.path('logs')))

    def is_answering(self) -> bool:
        try:
            with urllib.request.urlopen(self.base_url + '/v3',
                                        timeout=2) as resp:
                return resp.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    # What to tell a person.
    def openrc(self) -> str:
        return ''.join('export %s=%s\n' % item for item in (
            ('OS_AUTH_URL', self.auth_url),
            ('OS_IDENTITY_API_VERSION', '3'),
            ('OS_USERNAME', ADMIN_USER),
            ('OS_PASSWORD', self.admin_password),
            ('OS_PROJECT_NAME', ADMIN_PROJECT),
            ('OS_USER_DOMAIN_NAME', 'Default'),
            ('OS_PROJECT_DOMAIN_NAME', 'Default'),
            ('OS_REGION_NAME', REGION),
        ))


def _write_private(path: str, content: str):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(content if content.endswith('\n') else content + '\n')


def _user() -> str:
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


def _group() -> str:
    import grp
    return grp.getgrgid(os.getgid()).gr_name
