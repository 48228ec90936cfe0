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
"""openstack ng identity provider|mapping: keystone-ng's v4 federation
(not keystone's v3 "identity provider" and "mapping" commands)."""

from keystone_ng_client.osc.v1 import common

F = common.Field

IDENTITY_PROVIDER = common.Resource(
    'identity provider', '/federation/identity_providers',
    'identity_provider', 'identity_providers',
    columns=('id', 'name', 'domain_id', 'enabled', 'oidc_discovery_url',
             'oidc_client_id', 'oidc_response_mode', 'oidc_response_types',
             'jwks_url', 'jwt_validation_pubkeys', 'bound_issuer',
             'default_mapping_name', 'oidc_scopes',
             'allowed_redirect_uris', 'provider_config'),
    list_columns=('id', 'name', 'domain_id', 'enabled', 'bound_issuer'),
    filters=(('--domain', 'domain_id', 'Only this domain (name or ID)'),),
    fields=[
        F('name', positional=True, metavar='<name>',
          help='Name of the identity provider'),
        F('domain_id', '--domain', metavar='<domain>', update=False,
          resolve=common.domain_id,
          help='Its domain (name or ID); none: global'),
        F('enabled', kind='bool', flags=('--enable', '--disable'),
          help='Enable the identity provider'),
        F('oidc_discovery_url', '--discovery-url', metavar='<url>',
          help='OpenID Connect discovery URL'),
        F('oidc_client_id', '--client-id', metavar='<client-id>',
          help="keystone's client ID at the provider"),
        F('oidc_client_secret', '--client-secret', metavar='<secret>',
          help="keystone's client secret at the provider (write-only)"),
        F('oidc_response_mode', '--response-mode', metavar='<mode>',
          help='OIDC response mode (query or form_post)'),
        F('oidc_response_types', '--response-type', kind='list',
          metavar='<type>', help='OIDC response type'),
        F('jwks_url', '--jwks-url', metavar='<url>',
          help='JWKS URL of the JWT issuer'),
        F('jwt_validation_pubkeys', '--jwt-public-key-file', kind='files',
          metavar='<file>', help='PEM public key (or JWK) that signs JWTs'),
        F('bound_issuer', '--bound-issuer', metavar='<issuer>',
          help='The issuer its tokens must name'),
        F('default_mapping_name', '--default-mapping', metavar='<name>',
          help='Mapping used when a login names none'),
        F('oidc_scopes', '--oidc-scope', kind='list', metavar='<scope>',
          help='Scope asked of the provider'),
        F('allowed_redirect_uris', '--redirect-uri', kind='list',
          metavar='<uri>', help='Allowed redirect URI of logins'),
        F('provider_config', '--provider-config', kind='json',
          metavar='<json>', help='Provider configuration (JSON object)'),
    ])

MAPPING = common.Resource(
    'mapping', '/federation/mappings', 'mapping', 'mappings',
    columns=('id', 'name', 'idp_id', 'domain_id', 'type', 'enabled',
             'allowed_redirect_uris', 'user_id_claim', 'user_name_claim',
             'domain_id_claim', 'groups_claim', 'bound_audiences',
             'bound_subject', 'bound_claims', 'oidc_scopes',
             'token_project_id', 'token_restriction_id',
             'service_account_id'),
    list_columns=('id', 'name', 'idp_id', 'type', 'enabled'),
    filters=(('--identity-provider', 'idp_id', 'Only this provider (ID)'),
             ('--domain', 'domain_id', 'Only this domain (name or ID)'),
             ('--type', 'type', 'oidc or jwt')),
    fields=[
        F('name', positional=True, metavar='<name>',
          help='Name of the mapping (what logins name)'),
        F('idp_id', '--identity-provider', metavar='<identity-provider>',
          required=True, update=False, help='Its v4 identity provider (ID)'),
        F('domain_id', '--domain', metavar='<domain>', update=False,
          resolve=common.domain_id, help='Its domain (name or ID)'),
        F('type', '--type', metavar='<oidc|jwt>', update=False,
          help='oidc (browser login) or jwt (workload login)'),
        F('enabled', kind='bool', flags=('--enable', '--disable'),
          help='Enable the mapping'),
        F('allowed_redirect_uris', '--redirect-uri', kind='list',
          metavar='<uri>', help='Allowed redirect URI'),
        F('user_id_claim', '--user-id-claim', metavar='<claim>',
          required=True, help='Claim with the user ID'),
        F('user_name_claim', '--user-name-claim', metavar='<claim>',
          required=True, help='Claim with the user name'),
        F('domain_id_claim', '--domain-id-claim', metavar='<claim>',
          help='Claim with the domain ID'),
        F('groups_claim', '--groups-claim', metavar='<claim>',
          help='Claim with the group names'),
        F('bound_audiences', '--bound-audience', kind='list',
          metavar='<audience>', help='An audience the token must have'),
        F('bound_subject', '--bound-subject', metavar='<subject>',
          help='The sub the token must have'),
        F('bound_claims', '--bound-claims', kind='json', metavar='<json>',
          help='Claims the token must have (JSON object)'),
        F('oidc_scopes', '--oidc-scope', kind='list', metavar='<scope>',
          help='Scope asked of the provider'),
        F('token_project_id', '--token-project', metavar='<project>',
          resolve=common.project_id,
          help='Project the token is scoped to (name or ID)'),
        F('token_restriction_id', '--token-restriction',
          metavar='<restriction>', help='Restriction of the token (ID)'),
        F('service_account_id', '--service-account',
          metavar='<service-account>',
          help='Service account the token is for (ID)'),
    ])


class CreateIdentityProvider(common.CreateCommand):
    """Create a v4 identity provider"""
    resource = IDENTITY_PROVIDER


class ListIdentityProviders(common.ListCommand):
    """List v4 identity providers"""
    resource = IDENTITY_PROVIDER


class ShowIdentityProvider(common.ShowCommand):
    """Show a v4 identity provider"""
    resource = IDENTITY_PROVIDER


class SetIdentityProvider(common.SetCommand):
    """Change a v4 identity provider"""
    resource = IDENTITY_PROVIDER


class DeleteIdentityProvider(common.DeleteCommand):
    """Delete v4 identity providers"""
    resource = IDENTITY_PROVIDER


class CreateMapping(common.CreateCommand):
    """Create a v4 federation mapping"""
    resource = MAPPING


class ListMappings(common.ListCommand):
    """List v4 federation mappings"""
    resource = MAPPING


class ShowMapping(common.ShowCommand):
    """Show a v4 federation mapping"""
    resource = MAPPING


class SetMapping(common.SetCommand):
    """Change a v4 federation mapping"""
    resource = MAPPING


class DeleteMapping(common.DeleteCommand):
    """Delete v4 federation mappings"""
    resource = MAPPING
