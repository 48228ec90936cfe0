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
"""Policy defaults of token restrictions (/v4/tokens/restrictions).

Targets are ``{"restriction": {...}}`` with ``domain_id``, ``user_id`` and
``project_id``. A restriction only ever narrows a token, so members may
manage the restrictions about themselves.
"""

from oslo_policy import policy

from keystone_ng_plugin.policies import base

_SCOPES = ['system', 'domain', 'project']
PATH = '/v4/tokens/restrictions'
NAME = 'identity:ng:token_restriction:'

ADMIN = '(' + base.RULE_ADMIN_REQUIRED + ')'
DOMAIN_MANAGER = ('(role:manager and '
                  'domain_id:%(target.restriction.domain_id)s)')
ABOUT_SELF = '(role:member and user_id:%(target.restriction.user_id)s)'
MANAGE = ' or '.join((ADMIN, DOMAIN_MANAGER, ABOUT_SELF))

rules = [
    policy.DocumentedRuleDefault(
        name=NAME + 'create', check_str=MANAGE, scope_types=_SCOPES,
        description='Create a token restriction: admins, domain managers '
                    'in their domain, members for restrictions about '
                    'themselves (user_id set to their own ID).',
        operations=[{'path': PATH, 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=NAME + 'list',
        check_str=ADMIN + ' or role:member or role:manager',
        scope_types=_SCOPES,
        description='List token restrictions; each is shown only if '
                    + NAME + 'get allows it.',
        operations=[{'path': PATH, 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=NAME + 'get',
        check_str=MANAGE + ' or (' + base.SYSTEM_READER + ')',
        scope_types=_SCOPES,
        description='Show a token restriction.',
        operations=[{'path': PATH + '/{restriction_id}', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=NAME + 'update', check_str=MANAGE, scope_types=_SCOPES,
        description='Update a token restriction (it applies at once to '
                    'the tokens made from it).',
        operations=[{'path': PATH + '/{restriction_id}', 'method': 'PUT'}]),
    policy.DocumentedRuleDefault(
        name=NAME + 'delete', check_str=MANAGE, scope_types=_SCOPES,
        description='Delete a token restriction (its tokens stop '
                    'working).',
        operations=[{'path': PATH + '/{restriction_id}',
                     'method': 'DELETE'}]),
    policy.DocumentedRuleDefault(
        name=NAME + 'mint',
        check_str=(ADMIN + ' or user_id:%(target.restriction.user_id)s or '
                   'project_domain_id:%(target.restriction.domain_id)s'),
        scope_types=['project'],
        description='Turn the caller\'s own token into a restricted one: '
                    'admins, the restriction\'s user, or anyone with a '
                    'token of a project of the restriction\'s domain when '
                    'the restriction names no user. The result can only '
                    'be narrower than the caller\'s token.',
        operations=[{'path': PATH + '/{restriction_id}/tokens',
                     'method': 'POST'}]),
]


def list_rules():
    return rules
