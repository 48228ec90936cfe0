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
"""openstack ng oauth2 client: clients of a domain's OpenID provider."""

from osc_lib.command import command

from keystone_ng_client.osc.v1 import common

F = common.Field
DOMAIN = F('domain_id', '--domain', metavar='<domain>', required=True,
           resolve=common.domain_id,
           help="The provider's domain (name or ID)")

CLIENT = common.Resource(
    'oauth2 client', '/oauth2/%(domain_id)s/clients', 'oauth2_client',
    'oauth2_clients', id_key='provider_id', base_fields=(DOMAIN,),
    hidden=('client_secret',),
    columns=('provider_id', 'client_id', 'name', 'domain_id',
             'confidential', 'enabled', 'grant_types', 'redirect_uris',
             'post_logout_redirect_uris', 'allowed_scopes', 'require_pkce',
             'pre_authorized', 'token_endpoint_auth_method',
             'service_account_id', 'token_restriction_id', 'created_at',
             'updated_at'),
    list_columns=('provider_id', 'client_id', 'name', 'confidential',
                  'enabled', 'grant_types'),
    fields=[
        F('provider_id', positional=True, metavar='<client-id>',
          update=False, help='Client ID at the provider'),
        F('name', metavar='<name>', help='Name shown on the consent page'),
        F('confidential', kind='bool', flags=('--confidential', '--public'),
          update=False, default=True,
          help='A confidential client (with a secret; the default)'),
        F('enabled', kind='bool', flags=('--enable', '--disable'),
          help='Enable the client'),
        F('grant_types', '--grant-type', kind='list', metavar='<grant>',
          help='Grant type it may use'),
        F('redirect_uris', '--redirect-uri', kind='list', metavar='<uri>',
          help='Redirect URI'),
        F('post_logout_redirect_uris', '--post-logout-redirect-uri',
          kind='list', metavar='<uri>', help='Post-logout redirect URI'),
        F('allowed_scopes', '--allowed-scope', kind='list',
          metavar='<scope>', help='Scope it may ask for'),
        F('require_pkce', kind='bool', help='Require PKCE'),
        F('pre_authorized', kind='bool', help='No consent page'),
        F('token_endpoint_auth_method', '--token-endpoint-auth-method',
          metavar='<method>', help='client_secret_basic, ...'),
        F('service_account_id', '--service-account',
          metavar='<service-account>',
          help='Service account of its client_credentials tokens (ID)'),
        F('token_restriction_id', '--token-restriction',
          metavar='<restriction>',
          help='Restriction of its keystone logins (ID)'),
    ])


class CreateClient(common.CreateCommand):
    """Create an OAuth2 client (its secret is shown this once)"""
    resource = CLIENT

    def created(self, answer):
        item = dict(answer[CLIENT.member])
        columns = CLIENT.columns
        if answer.get('client_secret'):
            item['client_secret'] = answer['client_secret']
            columns += ('client_secret',)
        return common.show(item, columns)


class ListClients(common.ListCommand):
    """List OAuth2 clients"""
    resource = CLIENT


class ShowClient(common.ShowCommand):
    """Show an OAuth2 client"""
    resource = CLIENT


class SetClient(common.SetCommand):
    """Change an OAuth2 client"""
    resource = CLIENT


class DeleteClient(common.DeleteCommand):
    """Delete OAuth2 clients"""
    resource = CLIENT


class RotateClientSecret(command.ShowOne):
    """Replace an OAuth2 client's secret (the new one is shown this once)"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        DOMAIN.add_to(parser, create=True)
        parser.add_argument('client', metavar='<client-id>',
                            help='Client to rotate the secret of')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self.app)
        path = CLIENT.item_path(client, parsed_args, parsed_args.client)
        secret = client.post(path + '/rotate-secret').json()
        return common.show({'provider_id': parsed_args.client,
                            'client_secret': secret['client_secret']})
