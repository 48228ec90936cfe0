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
"""JSON schemas of /v4/tokens/restrictions."""

import copy

from keystone_ng_plugin.common import schema as common_schema

_id = {'type': 'string', 'minLength': 1, 'maxLength': 64}
_nullable_id = {'type': ['string', 'null'], 'minLength': 1, 'maxLength': 64}

role_reference = {
    'type': 'object',
    'description': 'A role by ID, or by name (and domain_id for a '
                   'domain-specific role).',
    'properties': {
        'id': _id,
        'name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'domain_id': _nullable_id,
    },
    'anyOf': [{'required': ['id']}, {'required': ['name']}],
    'additionalProperties': False,
}

_properties = {
    'user_id': dict(_nullable_id, description=(
        'Only this user\'s tokens may be restricted by it.')),
    'project_id': dict(_nullable_id, description=(
        'The tokens are fixed to this project (of the restriction\'s '
        'domain); null: the project of the token being restricted.')),
    'allow_renew': {'type': 'boolean', 'description': (
        'A restricted token may get a new one for the same project with '
        'the token method (never outliving it). Default false.')},
    'allow_rescope': {'type': 'boolean', 'description': (
        'A restricted token may get one for another project (inside the '
        'restriction) with the token method. Default false.')},
    'roles': {'type': 'array', 'minItems': 1, 'maxItems': 64,
              'items': role_reference, 'description': (
                  'The most a token may use: its roles are these (and the '
                  'roles they imply) intersected with the roles the user '
                  'really has on the project.')},
    'max_ttl': {'type': ['integer', 'null'], 'minimum': 60,
                'maximum': 86400 * 7, 'description': (
                    'Longest lifetime of its tokens, in seconds.')},
    'description': {'type': ['string', 'null'], 'maxLength': 1024},
}

restriction_create = {
    'type': 'object',
    'required': ['restriction'],
    'properties': {
        'restriction': {
            'type': 'object',
            'required': ['domain_id', 'roles'],
            'properties': dict(copy.deepcopy(_properties), domain_id=dict(
                _id, description='Owning domain (immutable).')),
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}

restriction_update = {
    'type': 'object',
    'required': ['restriction'],
    'properties': {
        'restriction': {
            'type': 'object',
            'description': 'Fields to change; null clears. The change '
                           'applies to tokens already issued.',
            'properties': copy.deepcopy(_properties),
            'minProperties': 1,
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}

restriction = {
    'type': 'object',
    'required': ['id', 'domain_id', 'user_id', 'project_id', 'allow_renew',
                 'allow_rescope', 'roles', 'max_ttl', 'description'],
    'properties': dict(
        copy.deepcopy(_properties), id=_id, domain_id=_id,
        roles={'type': 'array', 'items': {
            'type': 'object', 'required': ['id', 'name'],
            'properties': {'id': _id, 'name': {'type': 'string'},
                           'domain_id': _nullable_id}}}),
}

restriction_response = {
    'type': 'object',
    'required': ['restriction'],
    'properties': {'restriction': restriction},
}

restrictions_response = {
    'type': 'object',
    'required': ['restrictions', 'links'],
    'properties': {
        'restrictions': {'type': 'array', 'items': restriction},
        'links': {'type': 'object'},
    },
}

restrictions_query = {
    'type': 'object',
    'properties': {
        **common_schema.PAGE_QUERY,
        'domain_id': _id, 'user_id': _id, 'project_id': _id,
    },
    'additionalProperties': False,
}
