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
"""``keystone-ng-devserver``: Keystone with every plugin feature, one command.

Sets up (idempotently) a deployment in a state directory and serves it in
the foreground until interrupted. Not for production: one host, SQLite by
default, gunicorn with sync workers.

``--config-file FILE`` (repeatable, later files win) adds keystone.conf
options of the developer's own, applied after the generated ones. They are
kept in the state directory (``operator.conf``) and apply to later runs
without the option too; giving ``--config-file`` again replaces them, and
deleting ``operator.conf`` drops them.
"""

import argparse
import configparser
import importlib.util
import os
import shutil
import signal
import sys

from keystone_ng_plugin.server import deployment


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog='keystone-ng-devserver',
        description='Run Keystone with keystone-ng-plugin, bootstrapped, '
                    'in the foreground.')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to listen on (default: %(default)s)')
    parser.add_argument('--port', type=int, default=deployment.DEFAULT_PORT,
                        help='port to listen on (default: %(default)s)')
    parser.add_argument('--state-dir',
                        default=os.path.join(os.getcwd(), '.state'),
                        help='config, keys, logs and the SQLite database '
                             '(default: ./.state)')
    parser.add_argument('--database-url',
                        help='SQLAlchemy URL of the database (default: '
                             'SQLite in the state dir)')
    parser.add_argument('--workers', type=int,
                        help='gunicorn sync workers (default: 1 on SQLite, '
                             'else 2)')
    parser.add_argument('--admin-password',
                        help='password of the bootstrap admin (default: '
                             'generated once and kept in the state dir)')
    parser.add_argument('--config-file', action='append', default=[],
                        metavar='FILE', dest='config_files',
                        help='keystone.conf options of your own, applied '
                             'after the generated ones (repeatable, later '
                             'files win; kept in the state dir for later '
                             'runs)')
    return parser.parse_args(argv)


OPERATOR_CONFIG = 'operator.conf'
# No section of keystone.conf is called this: [DEFAULT] stays a section.
_NO_DEFAULTS = '\0 none'


class ConfigFileError(Exception):
    """A --config-file that cannot be read."""


def operator_config(state_dir: str, files=()) -> dict:
    """The developer's options, {section: {option: value}}: read from
    ``files`` (and kept in the state dir), else the ones kept there."""
    parser = configparser.ConfigParser(interpolation=None,
                                       default_section=_NO_DEFAULTS)
    saved = os.path.join(state_dir, OPERATOR_CONFIG)
    if files:
        for name in files:
            try:
                with open(name) as f:
                    parser.read_file(f)
            except (OSError, configparser.Error) as exc:
                raise ConfigFileError('%s: %s' % (name, exc))
        os.makedirs(state_dir, exist_ok=True)
        with open(saved, 'w') as f:
            parser.write(f)
    elif os.path.exists(saved):
        parser.read(saved)
    return {section: dict(parser.items(section, raw=True))
            for section in parser.sections()}


def _openstack_cli() -> str:
    # The CLI of this environment, if it is not the one on PATH.
    local = os.path.join(os.path.dirname(sys.executable), 'openstack')
    on_path = shutil.which('openstack')
    if os.path.exists(local) and (
            not on_path or os.path.realpath(on_path) != os.path.realpath(
                local)):
        return local
    return 'openstack'


def banner(dep: deployment.Deployment) -> str:
    cli = _openstack_cli()
    return '\n'.join([
        '',
        'Keystone with keystone-ng-plugin is serving at %s' % dep.base_url,
        '',
        '  admin user:     %s (domain Default)' % deployment.ADMIN_USER,
        '  admin password: %s' % dep.admin_password,
        '  admin project:  %s' % deployment.ADMIN_PROJECT,
        '  v4 API:         %s/v4  (OpenAPI: %s/v4/openapi.json)' % (
            dep.base_url, dep.base_url),
        '  passkeys page:  %s  (in a browser on this machine)' % (
            dep.passkey_page),
        '  state:          %s (logs in %s)' % (
            dep.state_dir, dep.path('logs')),
        '',
        'Try it:',
        '  . %s' % dep.path('admin-openrc'),
        '  %s token issue' % cli,
        '',
        'or without the rc file:',
        '  %s --os-auth-url %s --os-identity-api-version 3 \\' % (
            cli, dep.auth_url),
        '    --os-username %s --os-password %s \\' % (
            deployment.ADMIN_USER, dep.admin_password),
        '    --os-project-name %s --os-user-domain-name Default \\' % (
            deployment.ADMIN_PROJECT),
        '    --os-project-domain-name Default token issue',
        '',
        'Press Ctrl-C to stop.',
        '',
    ])


def main(argv=None):
    args = parse_args(argv)
    if importlib.util.find_spec('gunicorn') is None:
        print("keystone-ng-devserver: it serves keystone with gunicorn, "
              "which is not installed: pip install "
              "'keystone-ng-plugin[gunicorn]'", file=sys.stderr)
        return 2
    try:
        extra = operator_config(args.state_dir, args.config_files)
    except ConfigFileError as exc:
        print('keystone-ng-devserver: %s' % exc, file=sys.stderr)
        return 2
    dep = deployment.Deployment(
        state_dir=args.state_dir, database_url=args.database_url,
        host=args.host, port=args.port, workers=args.workers,
        admin_password=args.admin_password, extra_config=extra)
    if extra:
        print('Your options (%s): %s' % (
            os.path.join(dep.state_dir, OPERATOR_CONFIG),
            ', '.join('[%s] %s' % (section, ', '.join(options))
                      for section, options in extra.items())), flush=True)
    print('Setting up %s ...' % dep.state_dir, flush=True)
    try:
        dep.setup()
        dep.start()
    except deployment.DeploymentError as exc:
        print('keystone-ng-devserver: %s' % exc, file=sys.stderr)
        return 1
    print(banner(dep), flush=True)

    def _terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        dep.process.wait()
    except KeyboardInterrupt:
        print('Stopping ...', flush=True)
    finally:
        dep.stop()
    return 0 if dep.process.returncode in (0, -signal.SIGTERM) else (
        dep.process.returncode or 0)


if __name__ == '__main__':
    sys.exit(main())
