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

"""JSON schemas shared by several APIs."""

_id = {'type': 'string', 'minLength': 1, 'maxLength': 64}

# The v3 scope object, as keystone accepts it in POST /v3/auth/tokens.
scope = {
    'type': 'object',
    'description': 'A v3 scope object: project, domain or system.',
    'properties': {
        'project': {
            'type': 'object',
            'properties': {
                'id': _id,
                'name': {'type': 'string', 'minLength': 1,
                         'maxLength': 64},
                'domain': {
                    'type': 'object',
                    'properties': {'id': _id,
                                   'name': {'type': 'string',
                                            'maxLength': 64}},
                    'additionalProperties': False,
                },
            },
            'additionalProperties': False,
        },
        'domain': {
            'type': 'object',
            'properties': {'id': _id,
                           'name': {'type': 'string', 'maxLength': 64}},
            'additionalProperties': False,
        },
        'system': {
            'type': 'object',
            'properties': {'all': {'type': 'boolean'}},
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
    'minProperties': 1,
    'maxProperties': 1,
}

# A keystone token body as POST /v3/auth/tokens returns it.
token_response = {
    'type': 'object',
    'required': ['token'],
    'properties': {'token': {'type': 'object'}},
}


# The ``limit`` and ``marker`` query parameters of every list.
PAGE_QUERY = {
    'limit': {'type': 'string', 'pattern': '^[1-9][0-9]{0,5}$',
              'description': 'Most items in a page (at most keystone\'s '
                             '[DEFAULT] list_limit, 100 when unset; also '
                             'the default).'},
    'marker': {'type': 'string', 'minLength': 1, 'maxLength': 64,
               'description': 'Start after this ID: the last of the '
                              'previous page (links.next carries it).'},
}
