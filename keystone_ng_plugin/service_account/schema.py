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
"""JSON schemas of /v4/service_accounts."""

from keystone_ng_plugin.common import schema as common_schema

_name = {'type': 'string', 'minLength': 1, 'maxLength': 255}
_id = {'type': 'string', 'minLength': 1, 'maxLength': 64}
_description = {'type': ['string', 'null'], 'maxLength': 1024}

service_account_create = {
    'type': 'object',
    'required': ['service_account'],
    'properties': {'service_account': {
        'type': 'object',
        'required': ['name', 'domain_id'],
        'properties': {'name': _name, 'domain_id': _id,
                       'description': _description,
                       'enabled': {'type': 'boolean'}},
        'additionalProperties': False}},
    'additionalProperties': False,
}

service_account_update = {
    'type': 'object',
    'required': ['service_account'],
    'properties': {'service_account': {
        'type': 'object', 'minProperties': 1,
        'properties': {'name': _name, 'description': _description,
                       'enabled': {'type': 'boolean'}},
        'additionalProperties': False}},
    'additionalProperties': False,
}

service_account = {
    'type': 'object',
    'required': ['id', 'name', 'domain_id', 'enabled', 'created_at'],
    'properties': {'id': _id, 'name': _name, 'domain_id': _id,
                   'description': _description,
                   'enabled': {'type': 'boolean'},
                   'created_at': {'type': 'string', 'format': 'date-time'}},
}

service_account_response = {
    'type': 'object', 'required': ['service_account'],
    'properties': {'service_account': service_account},
}

service_accounts_response = {
    'type': 'object', 'required': ['service_accounts', 'links'],
    'properties': {'service_accounts': {'type': 'array',
                                        'items': service_account},
                   'links': {'type': 'object'}},
}

service_accounts_query = {
    'type': 'object',
    'properties': dict(common_schema.PAGE_QUERY, domain_id=_id,
                       name=_name),
    'additionalProperties': False,
}

token_request = {
    'type': 'object',
    'required': ['token'],
    'properties': {'token': {
        'type': 'object',
        'required': ['restriction_id'],
        'properties': {
            'restriction_id': dict(_id, description=(
                'A restriction of the account\'s domain, about this account '
                'or nobody in particular: the roles and project.')),
            'project_id': dict(_id, description=(
                'The project, when the restriction fixes none.')),
            'ttl': {'type': 'integer', 'minimum': 60, 'description': (
                'Lifetime in seconds; at most [service_account] '
                'max_token_ttl (the default).')},
        },
        'additionalProperties': False}},
    'additionalProperties': False,
}
