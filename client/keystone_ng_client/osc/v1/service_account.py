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
"""openstack ng service account: non-human keystone users and their
(always restricted) tokens."""

from osc_lib.command import command

from keystone_ng_client.osc.v1 import common

F = common.Field

SERVICE_ACCOUNT = common.Resource(
    'service account', '/service_accounts', 'service_account',
    'service_accounts', update_method='PATCH',
    columns=('id', 'name', 'domain_id', 'description', 'enabled',
             'created_at'),
    list_columns=('id', 'name', 'domain_id', 'enabled'),
    filters=(('--domain', 'domain_id', 'Only this domain (name or ID)'),),
    fields=[
        F('name', positional=True, metavar='<name>',
          help='Name of the service account'),
        F('domain_id', '--domain', metavar='<domain>', required=True,
          update=False, resolve=common.domain_id,
          help='Its domain (name or ID)'),
        F('description', metavar='<description>', help='Description'),
        F('enabled', kind='bool', flags=('--enable', '--disable'),
          help='Enable the service account'),
    ])


class CreateServiceAccount(common.CreateCommand):
    """Create a service account"""
    resource = SERVICE_ACCOUNT


class ListServiceAccounts(common.ListCommand):
    """List service accounts"""
    resource = SERVICE_ACCOUNT


class ShowServiceAccount(common.ShowCommand):
    """Show a service account"""
    resource = SERVICE_ACCOUNT


class SetServiceAccount(common.SetCommand):
    """Change a service account"""
    resource = SERVICE_ACCOUNT


class DeleteServiceAccount(common.DeleteCommand):
    """Delete service accounts"""
    resource = SERVICE_ACCOUNT


class IssueServiceAccountToken(command.ShowOne):
    """Issue a restricted token for a service account"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('service_account', metavar='<service-account>',
                            help='Service account (name or ID)')
        parser.add_argument('--restriction', metavar='<token-restriction>',
                            required=True,
                            help='Restriction giving roles and project (ID)')
        parser.add_argument('--project', metavar='<project>',
                            help='Project, when the restriction fixes none '
                                 '(name or ID)')
        parser.add_argument('--ttl', metavar='<seconds>', type=int,
                            help='Lifetime in seconds')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self.app)
        account = SERVICE_ACCOUNT.find(client, parsed_args,
                                       parsed_args.service_account)
        body = {'restriction_id': parsed_args.restriction}
        if parsed_args.project:
            body['project_id'] = common.project_id(client,
                                                   parsed_args.project)
        if parsed_args.ttl:
            body['ttl'] = parsed_args.ttl
        path = '/service_accounts/%s/tokens' % common.seg(account['id'])
        return common.token_shown(client.post(path, {'token': body}))
