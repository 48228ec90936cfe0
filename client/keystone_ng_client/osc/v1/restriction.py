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
"""openstack ng token restriction: restrictions and restricted tokens."""

from keystoneauth1 import exceptions as ks_exceptions
from osc_lib.command import command

from keystone_ng_client.osc.v1 import common

F = common.Field


def _roles(client, values):
    """Roles by ID when keystone knows the ID, else by name."""
    roles = []
    for value in values:
        try:
            client.session.get('%s/v3/roles/%s' % (client.root,
                                                   common.seg(value)))
            roles.append({'id': value})
        except ks_exceptions.HttpError:
            roles.append({'name': value})
    return roles


RESTRICTION = common.Resource(
    'token restriction', '/tokens/restrictions', 'restriction',
    'restrictions', by_name=False,
    columns=('id', 'domain_id', 'user_id', 'project_id', 'allow_renew',
             'allow_rescope', 'roles', 'max_ttl', 'description'),
    list_columns=('id', 'domain_id', 'project_id', 'user_id', 'roles',
                  'description'),
    filters=(('--domain', 'domain_id', 'Only this domain (name or ID)'),
             ('--project', 'project_id', 'Only this project (name or ID)'),
             ('--user', 'user_id', 'Only this user (ID)')),
    fields=[
        F('domain_id', '--domain', metavar='<domain>', required=True,
          update=False, resolve=common.domain_id,
          help='Its domain (name or ID)'),
        F('user_id', '--user', metavar='<user-id>',
          help="Only this user's tokens may use it (ID)"),
        F('project_id', '--project', metavar='<project>',
          resolve=common.project_id,
          help='Tokens are fixed to this project (name or ID)'),
        F('allow_renew', kind='bool',
          help='A restricted token may renew itself'),
        F('allow_rescope', kind='bool',
          help='A restricted token may rescope inside the restriction'),
        F('roles', '--role', kind='list', metavar='<role>', required=True,
          resolve=_roles, help='A role tokens may use (name or ID)'),
        F('max_ttl', '--max-ttl', kind='int', metavar='<seconds>',
          help='Longest lifetime of a restricted token'),
        F('description', metavar='<description>', help='Description'),
    ])


class CreateRestriction(common.CreateCommand):
    """Create a token restriction"""
    resource = RESTRICTION


class ListRestrictions(common.ListCommand):
    """List token restrictions"""
    resource = RESTRICTION


class ShowRestriction(common.ShowCommand):
    """Show a token restriction"""
    resource = RESTRICTION


class SetRestriction(common.SetCommand):
    """Change a token restriction"""
    resource = RESTRICTION


class DeleteRestriction(common.DeleteCommand):
    """Delete token restrictions"""
    resource = RESTRICTION


class IssueRestrictedToken(command.ShowOne):
    """Issue a restricted token from your own token"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('restriction', metavar='<token-restriction>',
                            help='Restriction to apply (ID)')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self.app)
        return common.token_shown(client.post(
            '/tokens/restrictions/%s/tokens'
            % common.seg(parsed_args.restriction)))
