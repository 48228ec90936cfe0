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
"""JSON schemas of /v4/k8s_auth (the Rust Keystone-NG's bodies, with
ours added: token_reviewer_jwt, alias_name_source, token_project_id,
groups, token_ttl)."""

import copy

from keystone_ng_plugin.common import schema as common_schema

_id = {'type': 'string', 'minLength': 1, 'maxLength': 64}
_nullable_id = {'type': ['string', 'null'], 'minLength': 1, 'maxLength': 64}
_name = {'type': 'string', 'minLength': 1, 'maxLength': 255}
# Kubernetes names (DNS labels and subdomains) with * and ? globs
_bound_list = {
    'type': 'array', 'minItems': 1, 'maxItems': 64,
    'items': {'type': 'string', 'minLength': 1, 'maxLength': 253,
              'pattern': '^[a-z0-9.*?-]+$'}}

_instance_properties = {
    'name': dict(_name, type=['string', 'null'], description=(
        'Unique in the domain.')),
    'host': {'type': 'string', 'minLength': 9, 'maxLength': 255,
             'pattern': '^https://[!-~]+$', 'description': (
                 'The API server: https://host[:port], https only.')},
    'ca_cert': {'type': ['string', 'null'], 'maxLength': 65536,
                'description': (
                    'PEM of the CA that signs the API server\'s '
                    'certificate: the only CA trusted. Null: the CA of '
                    'the pod keystone runs in, unless '
                    'disable_local_ca_jwt.')},
    'enabled': {'type': 'boolean'},
    'disable_local_ca_jwt': {'type': 'boolean', 'description': (
        'Never use the CA and token of the pod keystone runs in '
        '(default false).')},
    'token_reviewer_jwt': {
        'type': ['string', 'null'], 'minLength': 1, 'maxLength': 16384,
        'writeOnly': True, 'description': (
            'The reviewer\'s own service account token (bound to '
            'system:auth-delegator), sent as the bearer of TokenReview. '
            'Write-only: stored encrypted with keystone\'s credential '
            'keys.')},
}

instance_create = {
    'type': 'object',
    'required': ['instance'],
    'properties': {
        'instance': {
            'type': 'object',
            'required': ['domain_id', 'host'],
            'properties': dict(copy.deepcopy(_instance_properties),
                               domain_id=dict(_id, description=(
                                   'Owning domain (immutable).'))),
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}

instance_update = {
    'type': 'object',
    'required': ['instance'],
    'properties': {
        'instance': {
            'type': 'object',
            'description': 'Fields to change; null clears.',
            'properties': copy.deepcopy(_instance_properties),
            'minProperties': 1,
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}

_instance_view = {k: v for k, v in copy.deepcopy(
    _instance_properties).items() if k != 'token_reviewer_jwt'}
instance = {
    'type': 'object',
    'required': ['id', 'domain_id', 'name', 'host', 'ca_cert', 'enabled',
                 'disable_local_ca_jwt', 'token_reviewer_jwt_set'],
    'properties': dict(_instance_view, id=_id, domain_id=_id,
                       token_reviewer_jwt_set={'type': 'boolean'}),
}

instance_response = {
    'type': 'object', 'required': ['instance'],
    'properties': {'instance': instance},
}

instances_response = {
    'type': 'object', 'required': ['instances', 'links'],
    'properties': {'instances': {'type': 'array', 'items': instance},
                   'links': {'type': 'object'}},
}

instances_query = {
    'type': 'object',
    'properties': dict(common_schema.PAGE_QUERY, domain_id=_id, name=_name),
    'additionalProperties': False,
}

_role_properties = {
    'name': dict(_name, description='Unique in the instance; logins name '
                                    'it (role_name).'),
    'enabled': {'type': 'boolean'},
    'bound_service_account_names': dict(_bound_list, description=(
        'Service account names that may log in: exact, or globs with * '
        'and ?. Never empty.')),
    'bound_service_account_namespaces': dict(_bound_list, description=(
        'Their namespaces: exact, or globs. Never empty.')),
    'bound_audience': {
        'type': ['string', 'null'], 'minLength': 1, 'maxLength': 255,
        'description': 'The audience the token must be for (checked in '
                       'the JWT and by the cluster).'},
    'alias_name_source': {
        'type': 'string', 'enum': ['serviceaccount_uid',
                                   'serviceaccount_name'],
        'description': 'What names a shadow user: the service account\'s '
                       'UID (default: a re-created account is a new '
                       'user) or namespace/name.'},
    'token_restriction_id': dict(_nullable_id, description=(
        'A restriction of the instance\'s domain. If it names a user '
        '(a service account), logins are that user, restricted; else '
        'shadow users, restricted.')),
    'token_project_id': dict(_nullable_id, description=(
        'The project of the tokens (of the instance\'s domain): needed '
        'when no restriction fixes one.')),
    'groups': {'type': 'array', 'maxItems': 32, 'items': _name,
               'description': 'Groups of the instance\'s domain the shadow '
                              'users join (created when missing), as '
                              'federated users do: their roles are the '
                              'tokens\' roles.'},
    'token_ttl': {'type': ['integer', 'null'], 'minimum': 60,
                  'maximum': 86400, 'description': (
                      'Token lifetime, seconds (capped by [k8s_auth] '
                      'max_token_ttl).')},
}

role_create = {
    'type': 'object',
    'required': ['role'],
    'properties': {
        'role': {
            'type': 'object',
            'required': ['name', 'bound_service_account_names',
                         'bound_service_account_namespaces'],
            'properties': copy.deepcopy(_role_properties),
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}

role_update = {
    'type': 'object',
    'required': ['role'],
    'properties': {
        'role': {
            'type': 'object',
            'description': 'Fields to change; null clears.',
            'properties': copy.deepcopy(_role_properties),
            'minProperties': 1,
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}

role = {
    'type': 'object',
    'required': ['id', 'domain_id', 'instance_id', 'name', 'enabled',
                 'bound_service_account_names',
                 'bound_service_account_namespaces', 'bound_audience',
                 'alias_name_source', 'token_restriction_id',
                 'token_project_id', 'groups', 'token_ttl'],
    'properties': dict(copy.deepcopy(_role_properties), id=_id,
                       domain_id=_id, instance_id=_id),
}

role_response = {
    'type': 'object', 'required': ['role'],
    'properties': {'role': role},
}

roles_response = {
    'type': 'object', 'required': ['roles', 'links'],
    'properties': {'roles': {'type': 'array', 'items': role},
                   'links': {'type': 'object'}},
}

roles_query = {
    'type': 'object',
    'properties': dict(common_schema.PAGE_QUERY, name=_name),
    'additionalProperties': False,
}

login_request = {
    'type': 'object',
    'required': ['jwt', 'role_name'],
    'properties': {
        'jwt': {'type': 'string', 'minLength': 1, 'maxLength': 16384,
                'description': 'The pod\'s service account token (a '
                               'projected token with the role\'s '
                               'audience).'},
        'role_name': _name,
    },
    'additionalProperties': False,
}
