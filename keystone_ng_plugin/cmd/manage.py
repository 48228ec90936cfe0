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
"""``keystone-ng-manage``: keystone-manage plus the plugin's commands.

keystone-manage's sub-commands are a hard-coded list (``CMDS``), so this
command builds the same CLI, in its own process, with that list extended:
every keystone-manage command and option works unchanged, ``db_sync`` and
``db_version`` also cover the plugin's history, and the plugin adds its own.
"""

import json
import sys

from keystone.cmd import cli as ks_cli
from oslo_log import log

from keystone_ng_plugin.api import versions
from keystone_ng_plugin.common import ceremony
from keystone_ng_plugin.common import openapi
from keystone_ng_plugin import conf  # noqa: F401  (registers options)
from keystone_ng_plugin.db import migration

LOG = log.getLogger(__name__)
CONF = ks_cli.CONF


class DbSync(ks_cli.DbSync):
    """Sync keystone's database and then the plugin's tables."""

    @staticmethod
    def main():
        if CONF.command.check:
            status = None
            try:
                ks_cli.DbSync.main()
            except SystemExit as exc:
                status = exc.code or 0
            if not migration.is_current():
                LOG.info('keystone-ng-plugin tables are not up to date: '
                         'run keystone-ng-manage db_sync.')
                status = status or 2
            sys.exit(status or 0)
        ks_cli.DbSync.main()
        if CONF.command.contract or CONF.command.migrate:
            return
        revision = migration.upgrade()
        LOG.info('keystone-ng-plugin tables at %s', ','.join(revision))


class DbVersion(ks_cli.DbVersion):
    """Print keystone's and the plugin's database versions."""

    @staticmethod
    def main():
        ks_cli.DbVersion.main()
        print('keystone_ng_plugin: %s' % (
            ','.join(migration.current()) or 'None'))


class NgDbSync(ks_cli.BaseApp):
    """Sync only the plugin's tables."""

    name = 'ng_db_sync'

    @staticmethod
    def main():
        print(','.join(migration.upgrade()))


class NgDbVersion(ks_cli.BaseApp):
    """Print the plugin's database version and its head."""

    name = 'ng_db_version'

    @staticmethod
    def main():
        print('current: %s heads: %s' % (
            ','.join(migration.current()) or 'None',
            ','.join(migration.heads())))


class OpenAPI(ks_cli.BaseApp):
    """Print the generated OpenAPI document of the /v4 API."""

    name = 'openapi'

    @classmethod
    def add_argument_parser(cls, subparsers):
        parser = super().add_argument_parser(subparsers)
        parser.add_argument('--format', choices=('yaml', 'json'),
                            default='yaml')
        return parser

    @staticmethod
    def main():
        document = versions.openapi_document()
        if CONF.command.format == 'json':
            print(json.dumps(document, indent=2, sort_keys=False))
        else:
            sys.stdout.write(openapi.to_yaml(document))


class PurgeExpired(ks_cli.BaseApp):
    """Delete expired one-time ceremony state (challenges, OIDC states)."""

    name = 'purge_expired'

    @staticmethod
    def main():
        print('purged %d expired ceremonies' % ceremony.purge_expired())


PLUGIN_CMDS = [DbSync, DbVersion, NgDbSync, NgDbVersion, OpenAPI,
               PurgeExpired]


def commands():
    """keystone-manage's commands, with the plugin's replacing same names."""
    ours = {cmd.name for cmd in PLUGIN_CMDS}
    return [cmd for cmd in ks_cli.CMDS if cmd.name not in ours] + PLUGIN_CMDS


def main(argv=None):
    argv = list(sys.argv if argv is None else argv)
    # keystone's main() builds its parser and usage from the module global.
    ks_cli.CMDS[:] = commands()
    ks_cli.main(argv=argv)
