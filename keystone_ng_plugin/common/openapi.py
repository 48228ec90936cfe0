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
"""The OpenAPI 3.1 and JSON-Home documents of /v4, generated from code.

The only input is what the API classes declare (see
:mod:`keystone_ng_plugin.common.api`): routes, keystone's validation
schemas and :func:`~keystone_ng_plugin.common.api.operation`. The same
schemas validate requests and responses at run time, so the document cannot
say something the server does not do.
"""

import copy
import http.client
import typing as ty

import yaml

from keystone_ng_plugin.common import api as ng_api

OPENAPI_VERSION = '3.1.0'
API_VERSION = '4.0'
TITLE = 'OpenStack Identity v4 (keystone-ng-plugin)'
JSON_HOME_REL = 'https://docs.openstack.org/api/openstack-identity/4/rel/%s'
AUTH_SCHEME = 'X-Auth-Token'

ERROR_SCHEMA = {
    'type': 'object',
    'description': "Keystone's error envelope.",
    'required': ['error'],
    'properties': {
        'error': {
            'type': 'object',
            'required': ['code', 'title', 'message'],
            'properties': {
                'code': {'type': 'integer'},
                'title': {'type': 'string'},
                'message': {'type': 'string'},
            },
        },
    },
}


# What every error status means here, beyond its name.
ERROR_DESCRIPTIONS = {
    400: 'Bad Request: the request does not match its schema, holds a NUL '
         'or an unpaired surrogate in any string (path, query, header, '
         'body), nests JSON deeper than [keystone_ng] max_json_depth, or '
         'is semantically invalid (it names a domain, project, role, user, '
         'identity provider or restriction that does not exist; a '
         'malformed WebAuthn credential).',
    401: 'Unauthorized: no valid token, or the login was refused.',
    413: 'Request Entity Too Large: the body is larger than '
         '[oslo_middleware] max_request_body_size.',
    414: 'URI Too Long: the request line is longer than the web server '
         'accepts (answered by the web server itself).',
    429: 'Too Many Requests: this client address made too many anonymous '
         'requests, or has too many unfinished login ceremonies; retry '
         'after Retry-After seconds.',
    503: 'Service Unavailable: the database cannot be reached; retry after '
         'Retry-After seconds.',
}
_RETRY_AFTER = {'Retry-After': {
    'description': 'Seconds to wait before retrying.',
    'schema': {'type': 'string'}}}


def _error_response(status: int, own: ty.Optional[dict] = None,
                    page: bool = False) -> dict:
    response = {'description': ERROR_DESCRIPTIONS.get(
        status, http.client.responses.get(status, 'Error'))}
    # 414 comes from the edge with no JSON; a 304 or a redirect has no
    # body to speak of
    if status not in (414,) and not 300 <= status < 400:
        schema = {'$ref': '#/components/schemas/Error'}
        if own is not None:
            # the operation's own errors, or the edge's (keystone's)
            schema = {'anyOf': [schema, copy.deepcopy(own)]}
        response['content'] = {'application/json': {'schema': schema}}
        if page:
            # a page's own errors are pages
            response['content']['text/html'] = {'schema': {
                'type': 'string'}}
    if status in (429, 503):
        response['headers'] = copy.deepcopy(_RETRY_AFTER)
    return response


def _query_parameters(schema: ty.Optional[dict]) -> list:
    if not schema:
        return []
    required = set(schema.get('required', ()))
    params = []
    for name, prop in sorted(schema.get('properties', {}).items()):
        param = {'name': name, 'in': 'query', 'required': name in required,
                 'schema': copy.deepcopy(prop)}
        if 'description' in prop:
            param['description'] = prop['description']
        params.append(param)
    return params


def _operation(route: ng_api.Route) -> dict:
    op = route.operation
    doc = {
        'operationId': route.operation_id,
        'summary': op.summary,
    }
    if op.description:
        doc['description'] = op.description
    if op.tags:
        doc['tags'] = list(op.tags)
    params = [{'name': name, 'in': 'path', 'required': True,
               'schema': copy.deepcopy(route.path_schemas[name])}
              for name in route.path_params]
    params += _query_parameters(route.request_query_schema)
    if params:
        doc['parameters'] = params
    if route.request_body_schema is not None:
        media_types = ['application/json']
        if route.request_body_form:
            media_types.append('application/x-www-form-urlencoded')
        doc['requestBody'] = {
            'required': True,
            'content': {media_type: {
                'schema': copy.deepcopy(route.request_body_schema)}
                for media_type in media_types},
        }
    elif op.form_schema is not None:
        doc['requestBody'] = {
            'required': bool(op.form_schema.get('required')),
            'content': {'application/x-www-form-urlencoded': {
                'schema': copy.deepcopy(op.form_schema)}},
        }
    success: dict = {
        'description': http.client.responses.get(op.status, 'Success')}
    if op.status != http.client.NO_CONTENT:
        schema = (copy.deepcopy(route.response_body_schema)
                  if route.response_body_schema is not None else {})
        success['content'] = {media: {'schema': schema}
                              for media in op.response_media_types}
    if op.response_headers:
        success['headers'] = {
            name: {'description': text, 'schema': {'type': 'string'}}
            for name, text in op.response_headers}
    responses = {str(op.status): success}
    # Every request passes the edge (hostile input: 400; database
    # outage: 503) and, when anonymous, the throttle (429).
    errors = set(op.errors) | {http.client.BAD_REQUEST,
                               http.client.SERVICE_UNAVAILABLE}
    if route.request_body_schema is not None:
        errors.add(http.client.REQUEST_ENTITY_TOO_LARGE)
    if route.request_query_schema:
        errors.add(http.client.REQUEST_URI_TOO_LONG)
    if op.authenticated:
        errors.update((http.client.UNAUTHORIZED, http.client.FORBIDDEN))
        doc['security'] = [{AUTH_SCHEME: []}]
    else:
        errors.add(http.client.TOO_MANY_REQUESTS)
        doc['security'] = []
    if route.path_params:
        errors.add(http.client.NOT_FOUND)
    for status in sorted(errors):
        responses[str(status)] = _error_response(
            status, op.error_schema,
            page='text/html' in op.response_media_types)
    doc['responses'] = responses
    return doc


def build_document(routes: ty.Iterable[ng_api.Route],
                   version: str = API_VERSION) -> dict:
    """The OpenAPI 3.1 document for the given routes (deterministic)."""
    paths: dict = {}
    tags = set()
    for route in sorted(routes, key=lambda r: (r.path, r.method)):
        paths.setdefault(route.path, {})[route.method] = _operation(route)
        tags.update(route.operation.tags)
    return {
        'openapi': OPENAPI_VERSION,
        'info': {
            'title': TITLE,
            'version': version,
            'description': (
                'The /v4 API that keystone-ng-plugin adds to an upstream '
                'OpenStack Keystone. Errors use keystone\'s JSON envelope; '
                'management calls take a keystone token in X-Auth-Token. '
                'Every string (path, query, header, body) is UTF-8 text '
                'without NUL and without unpaired surrogates: any other is '
                'refused with 400, as is JSON nested deeper than '
                '[keystone_ng] max_json_depth. Anonymous operations are '
                'throttled per client address (429).'),
            'license': {'name': 'Apache 2.0',
                        'identifier': 'Apache-2.0'},
        },
        'servers': [{'url': '/', 'description': 'This Keystone'}],
        'tags': [{'name': tag} for tag in sorted(tags)],
        'paths': paths,
        'components': {
            'schemas': {'Error': copy.deepcopy(ERROR_SCHEMA)},
            'securitySchemes': {
                AUTH_SCHEME: {
                    'type': 'apiKey', 'in': 'header', 'name': 'X-Auth-Token',
                    'description': 'A keystone token (from POST '
                                   '/v3/auth/tokens or a /v4 login).'},
            },
        },
    }


def build_json_home(routes: ty.Iterable[ng_api.Route]) -> dict:
    """A JSON-Home document (RFC draft, keystone's style) of the /v4 paths."""
    resources: dict = {}
    for route in sorted(routes, key=lambda r: (r.path, r.method)):
        rel = JSON_HOME_REL % _rel_name(route.path)
        entry = resources.setdefault(rel, {'hints': {
            'allow': [], 'status': 'experimental'}})
        if route.path_params:
            entry['href-template'] = route.path
            entry['href-vars'] = {
                name: JSON_HOME_REL % ('param/' + name)
                for name in route.path_params}
        else:
            entry['href'] = route.path
        entry['hints']['allow'].append(route.method.upper())
    return {'resources': resources}


def _rel_name(path: str) -> str:
    # /v4/users/{user_id}/passkeys -> users_user_id_passkeys
    stem = ng_api.operation_stem(path)
    if stem.startswith('v4_'):
        return stem[len('v4_'):]
    return 'version' if stem == 'v4' else stem


def to_yaml(document: dict) -> str:
    """The document as YAML (the form committed under doc/source/)."""
    return yaml.safe_dump(document, sort_keys=False, default_flow_style=False,
                          allow_unicode=True, width=79)
