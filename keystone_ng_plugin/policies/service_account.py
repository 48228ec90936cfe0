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
"""Policy defaults of service accounts (/v4/service_accounts).

Targets are ``{"service_account": {"id", "domain_id"}}``.
"""

from oslo_policy import policy

from keystone_ng_plugin.policies import base

_SCOPES = ['system', 'domain', 'project']
PATH = '/v4/service_accounts'
NAME = 'identity:ng:service_account:'
MANAGE = ('(' + base.RULE_ADMIN_REQUIRED + ') or (role:manager and '
          'domain_id:%(target.service_account.domain_id)s)')
READ = (MANAGE + ' or (' + base.SYSTEM_READER + ') or (role:reader and '
        'domain_id:%(target.service_account.domain_id)s)')

rules = [
    policy.DocumentedRuleDefault(
        name=NAME + 'create', check_str=MANAGE, scope_types=_SCOPES,
        description='Create a service account: admins, domain managers in '
                    'their domain.',
        operations=[{'path': PATH, 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=NAME + 'list',
        check_str='(' + base.RULE_ADMIN_REQUIRED + ') or role:reader',
        scope_types=_SCOPES,
        description='List service accounts; each is shown only if ' +
                    NAME + 'get allows it.',
        operations=[{'path': PATH, 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=NAME + 'get', check_str=READ, scope_types=_SCOPES,
        description='Show a service account: admins, system readers, '
                    'managers and readers of its domain.',
        operations=[{'path': PATH + '/{service_account_id}',
                     'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=NAME + 'update', check_str=MANAGE, scope_types=_SCOPES,
        description='Rename, describe, enable or disable a service '
                    'account.',
        operations=[{'path': PATH + '/{service_account_id}',
                     'method': 'PATCH'}]),
    policy.DocumentedRuleDefault(
        name=NAME + 'delete', check_str=MANAGE, scope_types=_SCOPES,
        description='Delete a service account (its keystone user, role '
                    'assignments, restrictions and the mappings naming '
                    'it).',
        operations=[{'path': PATH + '/{service_account_id}',
                     'method': 'DELETE'}]),
    policy.DocumentedRuleDefault(
        name=NAME + 'issue_token', check_str=MANAGE, scope_types=_SCOPES,
        description='Get a restricted token for a service account '
                    '(audited with the caller as initiator).',
        operations=[{'path': PATH + '/{service_account_id}/tokens',
                     'method': 'POST'}]),
]


def list_rules():
    return rules
