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
"""openstack ng passkey: a user's passkeys; create registers one on a
FIDO2 security key through python-fido2."""

from osc_lib.command import command

from keystone_ng_client import authenticator
from keystone_ng_client.osc.v1 import common

COLUMNS = ('id', 'user_id', 'description', 'credential_id', 'aaguid',
           'transports', 'backup_eligible', 'backed_up', 'user_verified',
           'sign_count', 'created_at', 'last_used_at')
LIST_COLUMNS = ('id', 'description', 'created_at', 'last_used_at')


def _add_user(parser):
    parser.add_argument('--user', metavar='<user>',
                        help='User (name or ID; default: you)')
    parser.add_argument('--user-domain', metavar='<user-domain>',
                        help='Domain of the user, when given by name')


def _base(client, parsed_args):
    user = (common.user_id(client, parsed_args.user,
                           parsed_args.user_domain)
            if parsed_args.user else common.current_user_id(client))
    return '/users/%s/passkeys' % common.seg(user)


class CreatePasskey(command.ShowOne):
    """Register a passkey on a FIDO2 security key"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_user(parser)
        parser.add_argument('--description', metavar='<description>',
                            help='What the passkey is (e.g. "yubikey 5")')
        parser.add_argument('--fido2-device', metavar='<device>',
                            default='usb',
                            help='usb (default), pcsc, or module:factory '
                                 'of a fido2.ctap.CtapDevice')
        parser.add_argument('--passkey-origin', metavar='<origin>',
                            help="Origin to sign for (default: keystone's)")
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self.app)
        base = _base(client, parsed_args)
        device = authenticator.open_device(parsed_args.fido2_device)
        try:
            body = ({'passkey': {'description': parsed_args.description}}
                    if parsed_args.description else {})
            start = client.post(base + '/register_start', body).json()
            options = start['public_key']
            origin = authenticator.pick_origin(
                (options.get('rp') or {}).get('id'), start.get('origins'),
                client.auth_url, parsed_args.passkey_origin)
            credential = authenticator.make_credential(device, origin,
                                                       options)
        finally:
            device.close()
        if parsed_args.description:
            credential['description'] = parsed_args.description
        passkey = client.post(base + '/register_finish',
                              credential).json()['passkey']
        return common.show(passkey, COLUMNS)


class ListPasskeys(command.Lister):
    """List a user's passkeys"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_user(parser)
        parser.add_argument('--long', action='store_true', default=False,
                            help='List additional fields in output')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self.app)
        items = client.get_all(_base(client, parsed_args), 'passkeys')
        columns = COLUMNS if parsed_args.long else LIST_COLUMNS
        return columns, [common.formatted(i, columns) for i in items]


class _One(command.ShowOne):
    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_user(parser)
        parser.add_argument('passkey', metavar='<passkey>',
                            help='Passkey (ID)')
        return parser

    def path(self, parsed_args):
        client = common.client_of(self.app)
        return client, '%s/%s' % (_base(client, parsed_args),
                                  common.seg(parsed_args.passkey))


class ShowPasskey(_One):
    """Show a passkey"""

    def take_action(self, parsed_args):
        client, path = self.path(parsed_args)
        return common.show(client.get(path)['passkey'], COLUMNS)


class SetPasskey(_One):
    """Change a passkey's description"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--description', metavar='<description>',
                            required=True, help='New description')
        return parser

    def take_action(self, parsed_args):
        client, path = self.path(parsed_args)
        passkey = client.request('PATCH', path, json={'passkey': {
            'description': parsed_args.description}}).json()['passkey']
        return common.show(passkey, COLUMNS)


class DeletePasskey(command.Command):
    """Delete passkeys"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_user(parser)
        parser.add_argument('passkeys', metavar='<passkey>', nargs='+',
                            help='Passkey(s) to delete (ID)')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self.app)
        base = _base(client, parsed_args)
        for passkey in parsed_args.passkeys:
            client.delete('%s/%s' % (base, common.seg(passkey)))
