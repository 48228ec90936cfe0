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
"""Policy defaults of identity providers and mappings (/v4/federation).

Targets are ``{"identity_provider": {...}}`` or ``{"mapping": {...}}`` with
``domain_id`` and ``visibility`` ("global" when there is no domain).
"""

from oslo_policy import policy

from keystone_ng_plugin.policies import base

_SCOPES = ['system', 'domain', 'project']


def _manage(member):
    return ('(' + base.RULE_ADMIN_REQUIRED + ') or '
            '(role:manager and domain_id:%(target.' + member +
            '.domain_id)s)')


def _read(member):
    return (_manage(member) + ' or (' + base.SYSTEM_READER + ') or '
            '(role:reader and domain_id:%(target.' + member +
            '.domain_id)s) or '
            "(role:reader and 'global':%(target." + member +
            '.visibility)s)')


def _rules(member, plural, title):
    path = '/v4/federation/' + plural
    name = 'identity:ng:' + member + ':'
    return [
        policy.DocumentedRuleDefault(
            name=name + 'create', check_str=_manage(member),
            scope_types=_SCOPES,
            description='Create %s: admins, or domain managers in their '
                        'domain (global ones: admins only).' % title,
            operations=[{'path': path, 'method': 'POST'}]),
        policy.DocumentedRuleDefault(
            name=name + 'list',
            check_str='(' + base.RULE_ADMIN_REQUIRED + ') or role:reader',
            scope_types=_SCOPES,
            description='List %s; each is shown only if %sget allows '
                        'it.' % (plural.replace('_', ' '), name),
            operations=[{'path': path, 'method': 'GET'}]),
        policy.DocumentedRuleDefault(
            name=name + 'get', check_str=_read(member), scope_types=_SCOPES,
            description='Show %s: admins, managers and readers of its '
                        'domain, system readers; every reader sees global '
                        'ones.' % title,
            operations=[{'path': path + '/{id}', 'method': 'GET'}]),
        policy.DocumentedRuleDefault(
            name=name + 'update', check_str=_manage(member),
            scope_types=_SCOPES, description='Update %s.' % title,
            operations=[{'path': path + '/{id}', 'method': 'PUT'}]),
        policy.DocumentedRuleDefault(
            name=name + 'delete', check_str=_manage(member),
            scope_types=_SCOPES, description='Delete %s.' % title,
            operations=[{'path': path + '/{id}', 'method': 'DELETE'}]),
    ]


rules = (_rules('identity_provider', 'identity_providers',
                'an identity provider') +
         _rules('mapping', 'mappings', 'a federation mapping'))


def list_rules():
    return rules
