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
"""openstack ng k8s instance / ng k8s role: Kubernetes login instances
(clusters keystone asks with TokenReview) and their roles."""

from keystone_ng_client.osc.v1 import common

F = common.Field


def _file_text(client, path):
    return common.text_of_file(path).strip() + '\n'


def _token_of_file(client, path):
    return common.text_of_file(path).strip()


INSTANCE = common.Resource(
    'kubernetes instance', '/k8s_auth/instances', 'instance', 'instances',
    columns=('id', 'name', 'domain_id', 'host', 'enabled', 'ca_cert',
             'disable_local_ca_jwt', 'token_reviewer_jwt_set'),
    list_columns=('id', 'name', 'domain_id', 'host', 'enabled'),
    filters=(('--domain', 'domain_id', 'Only this domain (name or ID)'),),
    fields=[
        F('name', positional=True, metavar='<name>',
          help='Name (unique in the domain)'),
        F('domain_id', '--domain', metavar='<domain>', required=True,
          update=False, resolve=common.domain_id,
          help='Its domain (name or ID)'),
        F('host', metavar='<https-url>', required=True,
          help="The cluster's API server (https://host:port)"),
        F('ca_cert', '--ca-cert-file', metavar='<pem-file>',
          resolve=_file_text,
          help="PEM of the CA of the API server's certificate (the only "
               "one trusted)"),
        F('token_reviewer_jwt', '--reviewer-token-file', metavar='<file>',
          resolve=_token_of_file,
          help="The reviewer service account's token "
               "(system:auth-delegator); stored encrypted, never shown"),
        F('enabled', kind='bool', flags=('--enable', '--disable'),
          help='Enable the instance'),
        F('disable_local_ca_jwt', kind='bool',
          flags=('--disable-local-ca-jwt', '--local-ca-jwt'),
          help="Never use the CA and token of keystone's own pod"),
    ])


def _instance_id(client, value):
    return INSTANCE.find(client, None, value)['id']


INSTANCE_OPTION = F('instance_id', '--instance', metavar='<instance>',
                    required=True, resolve=_instance_id,
                    help='Its Kubernetes instance (name or ID)')

ROLE = common.Resource(
    'kubernetes role', '/k8s_auth/instances/%(instance_id)s/roles', 'role',
    'roles', base_fields=(INSTANCE_OPTION,),
    columns=('id', 'name', 'instance_id', 'domain_id', 'enabled',
             'bound_service_account_names',
             'bound_service_account_namespaces', 'bound_audience',
             'alias_name_source', 'token_restriction_id', 'token_project_id',
             'groups', 'token_ttl'),
    list_columns=('id', 'name', 'enabled', 'bound_service_account_names',
                  'bound_service_account_namespaces'),
    fields=[
        F('name', positional=True, metavar='<name>',
          help='Name (unique in the instance; logins name it)'),
        F('bound_service_account_names', '--service-account', kind='list',
          required=True, metavar='<name-or-glob>',
          help='Service account name that may log in (* and ? globs)'),
        F('bound_service_account_namespaces', '--namespace', kind='list',
          required=True, metavar='<namespace-or-glob>',
          help='Its namespace (* and ? globs)'),
        F('bound_audience', '--audience', metavar='<audience>',
          help='The audience tokens must be for'),
        F('alias_name_source', '--alias-name-source',
          metavar='<serviceaccount_uid|serviceaccount_name>',
          help='What names a shadow user'),
        F('token_restriction_id', '--token-restriction',
          metavar='<restriction>',
          help='Token restriction (ID); with a user: logins are that user'),
        F('token_project_id', '--token-project', metavar='<project>',
          resolve=common.project_id,
          help="Project of shadow users' tokens (name or ID)"),
        F('groups', '--group', kind='list', metavar='<group-name>',
          help='Group of the domain shadow users join'),
        F('token_ttl', '--token-ttl', kind='int', metavar='<seconds>',
          help='Token lifetime'),
        F('enabled', kind='bool', flags=('--enable', '--disable'),
          help='Enable the role'),
    ])


class CreateInstance(common.CreateCommand):
    """Create a Kubernetes login instance"""
    resource = INSTANCE


class ListInstances(common.ListCommand):
    """List Kubernetes login instances"""
    resource = INSTANCE


class ShowInstance(common.ShowCommand):
    """Show a Kubernetes login instance"""
    resource = INSTANCE


class SetInstance(common.SetCommand):
    """Change a Kubernetes login instance"""
    resource = INSTANCE


class DeleteInstance(common.DeleteCommand):
    """Delete Kubernetes login instances (with their roles and users)"""
    resource = INSTANCE


class CreateRole(common.CreateCommand):
    """Create a role of a Kubernetes login instance"""
    resource = ROLE


class ListRoles(common.ListCommand):
    """List the roles of a Kubernetes login instance"""
    resource = ROLE


class ShowRole(common.ShowCommand):
    """Show a role of a Kubernetes login instance"""
    resource = ROLE


class SetRole(common.SetCommand):
    """Change a role of a Kubernetes login instance"""
    resource = ROLE


class DeleteRole(common.DeleteCommand):
    """Delete roles of a Kubernetes login instance"""
    resource = ROLE
