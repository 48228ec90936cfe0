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
from keystone.cmd import doctor as ks_doctor
from keystone.common import provider_api
from keystone.common import sql as ks_sql
from keystone.conf import auth as ks_auth_conf
from keystone import exception as ks_exception
from keystone.server import backends as ks_backends
from oslo_log import log
import sqlalchemy as sa

from keystone_ng_plugin.api import versions
from keystone_ng_plugin.cmd import doctor as ng_doctor
from keystone_ng_plugin.cmd import rollback
from keystone_ng_plugin.common import ceremony
from keystone_ng_plugin.common import openapi
from keystone_ng_plugin import conf  # noqa: F401  (registers options)
from keystone_ng_plugin.db import migration
from keystone_ng_plugin.db import models
from keystone_ng_plugin.oauth2 import claims as oauth2_claims
from keystone_ng_plugin.oauth2 import keys as oauth2_keys
from keystone_ng_plugin.oauth2 import openstack as oauth2_openstack
from keystone_ng_plugin.oauth2 import server as oauth2_server
from keystone_ng_plugin.oauth2 import state as oauth2_state

LOG = log.getLogger(__name__)
CONF = ks_cli.CONF
PROVIDERS = provider_api.ProviderAPIs


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
                print('keystone-ng-plugin tables are not up to date: run '
                      'keystone-ng-manage db_sync.')
                status = status or 2
            elif not status:
                # keystone's check says nothing when all is well
                print('keystone and keystone-ng-plugin tables are up to '
                      'date.')
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
    """Delete expired one-time state: ceremonies (challenges, OIDC
    states) and the OpenID provider's pending requests, sessions, codes,
    refresh tokens, revoked access tokens and device requests."""

    name = 'purge_expired'

    @staticmethod
    def main():
        print('purged %d expired ceremonies' % ceremony.purge_expired())
        for table, count in sorted(oauth2_state.purge().items()):
            print('purged %d expired rows of %s' % (count, table))


class Doctor(ks_cli.Doctor):
    """Diagnose common problems with keystone deployments, the plugin's
    included."""

    @staticmethod
    def main():
        if ng_doctor not in ks_doctor.SYMPTOM_MODULES:
            ks_doctor.SYMPTOM_MODULES.append(ng_doctor)
        ks_auth_conf.setup_authentication(CONF)
        raise SystemExit(ks_doctor.diagnose())


def _plugin_tables() -> list[str]:
    """The plugin's tables present in the database, with row counts."""
    try:
        with ks_sql.session_for_read() as session:
            present = set(sa.inspect(session.get_bind()).get_table_names())
            return ['%s (%d rows)' % (name, session.execute(sa.text(
                'SELECT COUNT(*) FROM %s' % name)).scalar())
                for name in sorted(models.metadata.tables)
                if name in present] + sorted(
                    {migration.VERSION_TABLE} & present)
    except Exception as exc:  # the report goes on without the database
        return ['(database not readable: %s)' % exc.__class__.__name__]


class OAuth2KeyRotate(ks_cli.BaseApp):
    """Rotate the OpenID provider's signing keys by one stage: the next key
    (published since the last rotation) signs, the signing one retires, a
    new next key is published. A domain's first rotation makes its keys."""

    name = 'oauth2_key_rotate'

    @classmethod
    def add_argument_parser(cls, subparsers):
        parser = super().add_argument_parser(subparsers)
        parser.add_argument(
            '--domain', metavar='DOMAIN_ID', action='append',
            help='the domain (repeatable; default: every domain that has '
                 'keys)')
        parser.add_argument(
            '--algorithm', choices=('ES256', 'RS256'),
            help='of the new key (default: [oauth2] signing_algorithm)')
        parser.add_argument(
            '--force', action='store_true',
            help='promote a next key published less than [oauth2] '
                 'jwks_max_age ago (relying parties that cached the JWKS '
                 'then refuse its tokens until they fetch it again)')
        return parser

    @staticmethod
    def main():
        ks_backends.load_backends()
        domains = CONF.command.domain or oauth2_keys.domains()
        if not domains:
            print('no domain has signing keys: give --domain')
            raise SystemExit(2)
        status = 0
        for domain_id in domains:
            try:
                PROVIDERS.resource_api.get_domain(domain_id)
                done = oauth2_keys.rotate(
                    domain_id, algorithm=CONF.command.algorithm,
                    force=CONF.command.force)
            except ks_exception.DomainNotFound:
                print('%s: no such domain' % domain_id)
                status = 1
                continue
            except oauth2_keys.RotationTooSoon as exc:
                print('%s: %s' % (domain_id, exc))
                status = 1
                continue
            for line in done:
                print('%s: %s' % (domain_id, line))
        raise SystemExit(status)


class OAuth2OpenStackLogin(ks_cli.BaseApp):
    """Let a domain's OpenID provider log users in to this keystone: make
    (or update) keystone's v3 identity provider oauth2-DOMAIN_ID (remote
    ID: the provider's issuer), its mapping (the token's subject is the
    local user) and protocol. Access tokens with the scope openstack then
    log in through keystone's v3 federation auth route (keystoneauth's
    v3oidc* plugins): users as themselves, service accounts restricted."""

    name = 'oauth2_openstack_login'

    @classmethod
    def add_argument_parser(cls, subparsers):
        parser = super().add_argument_parser(subparsers)
        parser.add_argument('--domain', metavar='DOMAIN_ID', required=True)
        parser.add_argument(
            '--issuer', metavar='URL',
            help='the provider\'s issuer as clients reach it (default: '
                 'from [DEFAULT] public_endpoint)')
        parser.add_argument(
            '--protocol', default='openid',
            help='the v3 protocol (default openid); it must be in [auth] '
                 'methods and [ng_federation] v3_oidc_protocols')
        parser.add_argument(
            '--disable', action='store_true',
            help='disable the identity provider (no more logins)')
        return parser

    @staticmethod
    def main():
        ks_backends.load_backends()
        domain_id, protocol = CONF.command.domain, CONF.command.protocol
        try:
            PROVIDERS.resource_api.get_domain(domain_id)
        except ks_exception.DomainNotFound:
            print('%s: no such domain' % domain_id)
            raise SystemExit(1)
        if not oauth2_keys.published(domain_id):
            print('%s: the domain\'s provider has no signing key: run '
                  'oauth2_key_rotate --domain %s first' % (domain_id,
                                                           domain_id))
            raise SystemExit(1)
        issuer = CONF.command.issuer
        if not issuer:
            if not CONF.public_endpoint:
                print('give --issuer, or set [DEFAULT] public_endpoint')
                raise SystemExit(2)
            issuer = oauth2_server.issuer(domain_id)
        try:
            done = oauth2_openstack.set_up_login(
                domain_id, issuer, protocol=protocol,
                enabled=not CONF.command.disable)
        except ks_exception.ValidationError as exc:
            print('%s: %s' % (domain_id, exc))
            raise SystemExit(1)
        for line in done:
            print('%s: %s' % (domain_id, line))
        missing = []
        if protocol not in CONF.auth.methods:
            missing.append('[auth] methods needs %s' % protocol)
        if protocol not in CONF.ng_federation.v3_oidc_protocols:
            missing.append('[ng_federation] v3_oidc_protocols needs %s' %
                           protocol)
        for line in missing:
            print('WARNING: %s' % line)
        print('%s: clients allowed the scope %s log in with keystoneauth\'s '
              'v3oidc* plugins: --os-identity-provider %s --os-protocol %s '
              '--os-discovery-endpoint %s/.well-known/openid-configuration'
              % (domain_id, oauth2_claims.OPENSTACK_SCOPE,
                 oauth2_openstack.federation_ids(domain_id), protocol,
                 issuer))
        raise SystemExit(1 if missing else 0)


class RollbackCheck(ks_cli.BaseApp):
    """Print the keystone.conf edits that let stock keystone run without
    the plugin (exit 1 while some are needed); --apply makes them."""

    name = 'rollback_check'

    @classmethod
    def add_argument_parser(cls, subparsers):
        parser = super().add_argument_parser(subparsers)
        parser.add_argument(
            '--apply', action='store_true',
            help='make the edits in the last configuration file given '
                 '(keeping a copy of it next to it)')
        return parser

    @staticmethod
    def main():
        ks_auth_conf.setup_authentication(CONF)
        found = rollback.edits(CONF)
        if not found:
            print('keystone.conf needs no edit: stock keystone runs with '
                  'it once the plugin is uninstalled.')
        else:
            print('keystone.conf edits before keystone-ng-plugin is '
                  'uninstalled:')
            for edit in found:
                print('  %s' % edit)
        shifted = rollback.relabelled_methods(CONF)
        if shifted:
            print('\nWARNING: %s not at the end of [auth] methods: dropping '
                  'them shifts the methods of live tokens of every later '
                  'method; wait [token] expiration after the change, or '
                  'revoke those tokens.' % ', '.join(shifted))
        print('\nWSGI server: serve %s instead of %s.' % (
            rollback.STOCK_WSGI_APP, rollback.WSGI_APP))
        print('Tokens: ordinary tokens stay valid (ngfernet writes '
              "keystone's fernet payloads); restricted tokens are refused "
              '(404) until the plugin is back; tokens of passkey logins '
              'name a method stock keystone does not know: revoke them or '
              'wait until they expire.')
        print("Tables (stock keystone never reads them; a reinstall finds "
              "them as they are):")
        for table in _plugin_tables():
            print('  %s' % table)
        if not found:
            return
        if not CONF.command.apply:
            print('\nRun again with --apply to make these edits.')
            raise SystemExit(1)
        files = list(CONF.config_file or CONF.default_config_files)
        if not files:
            print('no configuration file to edit: give --config-file')
            raise SystemExit(2)
        backup = rollback.apply(files[-1], found)
        print('\nEdited %s (as it was: %s).' % (files[-1], backup))


PLUGIN_CMDS = [DbSync, DbVersion, Doctor, NgDbSync, NgDbVersion,
               OAuth2KeyRotate, OAuth2OpenStackLogin, OpenAPI, PurgeExpired,
               RollbackCheck]


def commands():
    """keystone-manage's commands, with the plugin's replacing same names."""
    ours = {cmd.name for cmd in PLUGIN_CMDS}
    return [cmd for cmd in ks_cli.CMDS if cmd.name not in ours] + PLUGIN_CMDS


def main(argv=None):
    argv = list(sys.argv if argv is None else argv)
    # keystone's main() builds its parser and usage from the module global.
    ks_cli.CMDS[:] = commands()
    ks_cli.main(argv=argv)
