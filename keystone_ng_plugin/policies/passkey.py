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
"""Policy defaults of a user's passkeys (/v4/users/{user_id}/passkeys)."""

from oslo_policy import policy

from keystone_ng_plugin.policies import base

_PATH = '/v4/users/{user_id}/passkeys'
_MANAGE = (
    '(' + base.RULE_ADMIN_REQUIRED + ') or '
    '(role:manager and domain_id:%(target.user.domain_id)s) or '
    'user_id:%(target.user.id)s')
_READ = (
    _MANAGE + ' or (' + base.SYSTEM_READER + ') or '
    '(role:reader and domain_id:%(target.user.domain_id)s)')
_SCOPES = ['system', 'domain', 'project']

# A passkey someone else holds for a user is a way to impersonate them.
_SELF = 'user_id:%(target.user.id)s'

rules = [
    policy.DocumentedRuleDefault(
        name='identity:ng:passkey:register',
        check_str=_SELF, scope_types=_SCOPES,
        description='Register a passkey for a user: the user themself only '
                    '(an admin holding a passkey for someone else could '
                    'log in as them). Whatever this rule says, a passkey '
                    'is never registered with a delegated token (restricted, '
                    'application credential, trust, workload JWT) or for a '
                    'service account.',
        operations=[
            {'path': _PATH + '/register_start', 'method': 'POST'},
            {'path': _PATH + '/register_finish', 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name='identity:ng:passkey:list',
        check_str=_READ, scope_types=_SCOPES,
        description="List a user's passkeys: the user, admins, domain "
                    'managers and readers of the domain, system readers.',
        operations=[{'path': _PATH, 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name='identity:ng:passkey:get',
        check_str=_READ, scope_types=_SCOPES,
        description="Show one of a user's passkeys.",
        operations=[{'path': _PATH + '/{passkey_id}', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name='identity:ng:passkey:update',
        check_str=_MANAGE, scope_types=_SCOPES,
        description="Rename one of a user's passkeys.",
        operations=[{'path': _PATH + '/{passkey_id}', 'method': 'PATCH'}]),
    policy.DocumentedRuleDefault(
        name='identity:ng:passkey:delete',
        check_str=_MANAGE, scope_types=_SCOPES,
        description="Delete one of a user's passkeys.",
        operations=[{'path': _PATH + '/{passkey_id}', 'method': 'DELETE'}]),
]


def list_rules():
    return rules
