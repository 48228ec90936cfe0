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
"""Policy defaults of identity providers (/v4/federation/identity_providers).

Targets are ``{"identity_provider": {..., "domain_id", "visibility"}}``;
``visibility`` is "global" for an IdP without a domain.
"""

from oslo_policy import policy

from keystone_ng_plugin.policies import base

_PATH = '/v4/federation/identity_providers'
_MANAGE = (
    '(' + base.RULE_ADMIN_REQUIRED + ') or '
    '(role:manager and domain_id:%(target.identity_provider.domain_id)s)')
_READ = (
    _MANAGE + ' or (' + base.SYSTEM_READER + ') or '
    '(role:reader and domain_id:%(target.identity_provider.domain_id)s) or '
    "(role:reader and 'global':%(target.identity_provider.visibility)s)")
_SCOPES = ['system', 'domain', 'project']

rules = [
    policy.DocumentedRuleDefault(
        name='identity:ng:identity_provider:create', check_str=_MANAGE,
        scope_types=_SCOPES,
        description='Create an identity provider: admins, or domain '
                    'managers in their domain (global IdPs: admins only).',
        operations=[{'path': _PATH, 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name='identity:ng:identity_provider:list',
        check_str='(' + base.RULE_ADMIN_REQUIRED + ') or role:reader',
        scope_types=_SCOPES,
        description='List identity providers; each is shown only if '
                    'identity:ng:identity_provider:get allows it.',
        operations=[{'path': _PATH, 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name='identity:ng:identity_provider:get', check_str=_READ,
        scope_types=_SCOPES,
        description='Show an identity provider: admins, managers and '
                    'readers of its domain, system readers; every reader '
                    'sees global IdPs.',
        operations=[{'path': _PATH + '/{idp_id}', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name='identity:ng:identity_provider:update', check_str=_MANAGE,
        scope_types=_SCOPES,
        description='Update an identity provider.',
        operations=[{'path': _PATH + '/{idp_id}', 'method': 'PUT'}]),
    policy.DocumentedRuleDefault(
        name='identity:ng:identity_provider:delete', check_str=_MANAGE,
        scope_types=_SCOPES,
        description='Delete an identity provider (and its keystone v3 '
                    'counterpart).',
        operations=[{'path': _PATH + '/{idp_id}', 'method': 'DELETE'}]),
]


def list_rules():
    return rules
