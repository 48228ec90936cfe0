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
"""JSON schemas of the version and OpenAPI documents."""

_link = {
    'type': 'object',
    'required': ['rel', 'href'],
    'properties': {
        'rel': {'type': 'string'},
        'href': {'type': 'string'},
        'type': {'type': 'string'},
    },
}

version_document = {
    'type': 'object',
    'required': ['version'],
    'properties': {
        'version': {
            'type': 'object',
            'required': ['id', 'status', 'updated', 'links', 'media-types'],
            'properties': {
                'id': {'type': 'string', 'const': 'v4.0'},
                'status': {'type': 'string', 'const': 'EXPERIMENTAL'},
                'updated': {'type': 'string', 'format': 'date-time'},
                'links': {'type': 'array', 'items': _link},
                'media-types': {
                    'type': 'array',
                    'items': {
                        'type': 'object',
                        'required': ['base', 'type'],
                        'properties': {
                            'base': {'type': 'string'},
                            'type': {'type': 'string'},
                        },
                    },
                },
            },
        },
    },
}

json_home_document = {
    'type': 'object',
    'required': ['resources'],
    'properties': {
        'resources': {
            'type': 'object',
            'additionalProperties': {
                'type': 'object',
                'properties': {
                    'href': {'type': 'string'},
                    'href-template': {'type': 'string'},
                    'href-vars': {
                        'type': 'object',
                        'additionalProperties': {'type': 'string'},
                    },
                    'hints': {'type': 'object'},
                },
            },
        },
    },
}

version_get_response_body = {
    'oneOf': [version_document, json_home_document],
}

openapi_document = {
    'type': 'object',
    'required': ['openapi', 'info', 'paths', 'components'],
    'properties': {
        'openapi': {'type': 'string', 'pattern': '^3\\.1\\.'},
        'info': {'type': 'object'},
        'paths': {'type': 'object'},
        'components': {'type': 'object'},
    },
}
