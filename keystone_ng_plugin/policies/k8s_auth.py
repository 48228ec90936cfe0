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
"""Policy defaults of Kubernetes login (/v4/k8s_auth/instances and their
roles).

Targets are ``{"instance": {...}}`` with ``domain_id`` (and, for roles,
``{"role": {...}}`` too, with the instance's ``domain_id``). An instance
and its roles decide who may log in from a cluster: admins, and domain
managers in their own domain.
"""

from oslo_policy import policy

from keystone_ng_plugin.policies import base

_SCOPES = ['system', 'domain', 'project']
PATH = '/v4/k8s_auth/instances'
INSTANCE = 'identity:ng:k8s_auth_instance:'
ROLE = 'identity:ng:k8s_auth_role:'

ADMIN = '(' + base.RULE_ADMIN_REQUIRED + ')'
DOMAIN_MANAGER = ('(role:manager and '
                  'domain_id:%(target.instance.domain_id)s)')
MANAGE = ' or '.join((ADMIN, DOMAIN_MANAGER))
READ = MANAGE + ' or (' + base.SYSTEM_READER + ')'


def _rules(name, path, member_path, what, list_check):
    return [
        policy.DocumentedRuleDefault(
            name=name + 'create', check_str=MANAGE, scope_types=_SCOPES,
            description='Create a Kubernetes login %s: admins, domain '
                        'managers in their domain.' % what,
            operations=[{'path': path, 'method': 'POST'}]),
        policy.DocumentedRuleDefault(
            name=name + 'list',
            check_str=list_check, scope_types=_SCOPES,
            description='List Kubernetes login %ss; each is shown only if '
                        '%sget allows it.' % (what, name),
            operations=[{'path': path, 'method': 'GET'}]),
        policy.DocumentedRuleDefault(
            name=name + 'get', check_str=READ, scope_types=_SCOPES,
            description='Show a Kubernetes login %s.' % what,
            operations=[{'path': member_path, 'method': 'GET'}]),
        policy.DocumentedRuleDefault(
            name=name + 'update', check_str=MANAGE, scope_types=_SCOPES,
            description='Update a Kubernetes login %s.' % what,
            operations=[{'path': member_path, 'method': 'PUT'}]),
        policy.DocumentedRuleDefault(
            name=name + 'delete', check_str=MANAGE, scope_types=_SCOPES,
            description='Delete a Kubernetes login %s.' % what,
            operations=[{'path': member_path, 'method': 'DELETE'}]),
    ]


rules = (_rules(INSTANCE, PATH, PATH + '/{instance_id}', 'instance',
                ADMIN + ' or role:manager or (' + base.SYSTEM_READER + ')')
         # the target of a role list is its instance
         + _rules(ROLE, PATH + '/{instance_id}/roles',
                  PATH + '/{instance_id}/roles/{role_id}', 'role', READ))


def list_rules():
    return rules
