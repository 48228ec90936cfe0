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
"""Policy defaults of the OpenID provider's clients
(/v4/oauth2/{domain_id}/clients).

Targets are ``{"oauth2_client": {"domain_id", ...}}`` (the path's domain).
"""

from oslo_policy import policy

from keystone_ng_plugin.policies import base

_SCOPES = ['system', 'domain', 'project']
PATH = '/v4/oauth2/{domain_id}/clients'
NAME = 'identity:ng:oauth2_client:'
MANAGE = ('(' + base.RULE_ADMIN_REQUIRED + ') or (role:manager and '
          'domain_id:%(target.oauth2_client.domain_id)s)')
READ = MANAGE + ' or (' + base.SYSTEM_READER + ')'

rules = [
    policy.DocumentedRuleDefault(
        name=NAME + 'create', check_str=MANAGE, scope_types=_SCOPES,
        description='Register a client of the OpenID provider of a '
                    'domain: admins, domain managers in their domain.',
        operations=[{'path': PATH, 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=NAME + 'list', check_str=READ, scope_types=_SCOPES,
        description="List a domain's clients.",
        operations=[{'path': PATH, 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=NAME + 'get', check_str=READ, scope_types=_SCOPES,
        description='Show a client (never its secret).',
        operations=[{'path': PATH + '/{provider_id}', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=NAME + 'update', check_str=MANAGE, scope_types=_SCOPES,
        description='Change a client.',
        operations=[{'path': PATH + '/{provider_id}', 'method': 'PUT'}]),
    policy.DocumentedRuleDefault(
        name=NAME + 'delete', check_str=MANAGE, scope_types=_SCOPES,
        description='Delete a client (a tombstone: disabled, never '
                    'reusable).',
        operations=[{'path': PATH + '/{provider_id}', 'method': 'DELETE'}]),
    policy.DocumentedRuleDefault(
        name=NAME + 'rotate_secret', check_str=MANAGE, scope_types=_SCOPES,
        description='Replace the secret of a confidential client (the new '
                    'one is shown once).',
        operations=[{'path': PATH + '/{provider_id}/rotate-secret',
                     'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=NAME + 'pre_authorize', check_str=base.RULE_ADMIN_REQUIRED,
        scope_types=_SCOPES,
        description='Make a client pre_authorized (its users are not asked '
                    'for consent): admins only.',
        operations=[{'path': PATH, 'method': 'POST'},
                    {'path': PATH + '/{provider_id}', 'method': 'PUT'}]),
]


def list_rules():
    return rules
