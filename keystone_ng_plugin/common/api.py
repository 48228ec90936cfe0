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
"""The plugin's HTTP layer on top of keystone's Flask machinery.

Keystone's ``APIBase`` hard-codes ``/v3`` as the blueprint prefix and
writes JSON-Home entries relative to ``/v3``. ``V4APIBase`` mounts a
blueprint at an absolute ``/v4/...`` prefix and keeps everything else of
keystone (RBAC enforcement check, JSON rendering, error handling).

Each resource method declares its contract with keystone's own validation
decorators (``keystone.api.validation.request_body_schema``,
``request_query_schema``, ``response_body_schema``) plus :func:`operation`
for what an OpenAPI document needs beyond schemas. The OpenAPI document and
the /v4 JSON-Home document are generated from exactly those declarations
(see :mod:`keystone_ng_plugin.common.openapi`).
"""

import dataclasses
import http.client
import inspect
import re
import typing as ty

import flask
from oslo_serialization import jsonutils

from keystone.common import render_token
from keystone.server import flask as ks_flask
import werkzeug.exceptions
import werkzeug.routing

from keystone_ng_plugin.common import errors

HTTP_METHODS = ('get', 'put', 'post', 'patch', 'delete', 'head')
_FLASK_VAR = re.compile(r'<(?:([a-zA-Z_]+):)?([a-zA-Z_][a-zA-Z0-9_]*)>')


class HexIDConverter(werkzeug.routing.BaseConverter):
    """A keystone-style ID (uuid4 hex), so that a literal sibling path
    (``passkeys/register_start``) is never taken for an ID."""

    regex = '[0-9a-f]{32}'


# URL converters of /v4 routes, and what they accept in OpenAPI terms.
CONVERTERS = {'ng_hex': HexIDConverter}
PATH_PARAMETER_SCHEMAS = {
    'ng_hex': {'type': 'string', 'pattern': '^[0-9a-f]{32}$'},
}


@dataclasses.dataclass(frozen=True)
class Operation:
    """What an OpenAPI operation needs besides the JSON schemas."""

    summary: str
    status: int = 200
    tags: tuple[str, ...] = ()
    description: ty.Optional[str] = None
    authenticated: bool = True
    response_media_types: tuple[str, ...] = ('application/json',)
    response_headers: tuple[tuple[str, str], ...] = ()
    errors: tuple[int, ...] = ()
    response_schema: ty.Optional[dict] = None
    error_schema: ty.Optional[dict] = None
    form_schema: ty.Optional[dict] = None


def operation(*, summary: str, status: int = 200, tags=(),
              description: ty.Optional[str] = None,
              authenticated: bool = True,
              response_media_types=('application/json',),
              response_headers=(), errors=(), response_schema=None,
              error_schema=None, form_schema=None):
    """Declare the OpenAPI facts of a resource method.

    Args:
        summary: one line for the operation.
        status: the success status code.
        tags: OpenAPI tags (the resource's name).
        description: longer text; defaults to the method's docstring.
        authenticated: whether ``X-Auth-Token`` is required.
        response_media_types: media types of the success body.
        response_headers: ``(name, description)`` pairs of success headers.
        errors: extra error status codes the operation can answer.
        response_schema: the success body's schema, for methods that build
            their response themselves (otherwise keystone's
            ``response_body_schema`` decorator declares it and validates).
        error_schema: the body of the operation's own errors, for protocol
            endpoints whose errors are not keystone's envelope (an OAuth
            2.0 token endpoint's); the edge's errors stay keystone's.
        form_schema: the fields of a form-only request body
            (``application/x-www-form-urlencoded``) that a protocol library
            parses, for the document.
    Returns:
        A decorator that records an :class:`Operation` on the function.
    """
    def decorator(func):
        func._ng_operation = Operation(
            summary=summary, status=status, tags=tuple(tags),
            description=description or inspect.getdoc(func),
            authenticated=authenticated,
            response_media_types=tuple(response_media_types),
            response_headers=tuple(response_headers),
            errors=tuple(errors), response_schema=response_schema,
            error_schema=error_schema, form_schema=form_schema)
        return func
    return decorator


@dataclasses.dataclass(frozen=True)
class Route:
    """One HTTP method on one path, as the plugin serves it."""

    path: str                  # OpenAPI form: /v4/users/{user_id}
    method: str                # lower case
    path_params: tuple[str, ...]
    path_schemas: dict         # parameter name: its schema
    operation: Operation
    operation_id: str
    request_body_schema: ty.Optional[dict]
    request_body_form: bool
    request_query_schema: ty.Optional[dict]
    response_body_schema: ty.Optional[dict]


class V4APIBase(ks_flask.APIBase):
    """An API mounted under an absolute ``/v4`` prefix.

    Subclasses set ``_name``, ``_import_name``, ``url_prefix`` (for
    example ``/v4/users``) and ``resource_mapping`` built with
    :func:`resource`.
    """

    url_prefix = '/v4'
    resources: list = []
    resource_mapping: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # flask-restful renders a 405 on its routes itself, in its own
        # format; answer in keystone's envelope instead.
        restful_handle_error = self.api.handle_error

        def handle_error(error):
            if isinstance(error, werkzeug.exceptions.MethodNotAllowed):
                return errors.method_not_allowed_response(error)
            return restful_handle_error(error)
        self.api.handle_error = handle_error

    def _build_bp_url_prefix(self, prefix):
        # keystone's APIBase always prepends /v3 here.
        return self.url_prefix.rstrip('/')

    @classmethod
    def instantiate_and_register_to_app(cls, flask_app):
        flask_app.url_map.converters.update(CONVERTERS)
        return super().instantiate_and_register_to_app(flask_app)

    @classmethod
    def routes(cls) -> list[Route]:
        """Every (path, method) this API serves, with its declarations."""
        result = []
        for rmap in cls.resource_mapping:
            flask_path = cls.url_prefix.rstrip('/') + rmap.url
            path = _FLASK_VAR.sub(r'{\2}', flask_path).rstrip('/') or '/'
            variables = _FLASK_VAR.findall(flask_path)
            params = tuple(name for _, name in variables)
            schemas = {name: PATH_PARAMETER_SCHEMAS.get(
                converter, {'type': 'string'})
                for converter, name in variables}
            for method in HTTP_METHODS:
                func = getattr(rmap.resource, method, None)
                if func is None:
                    continue
                op = getattr(func, '_ng_operation', None)
                if op is None:
                    raise TypeError(
                        '%s.%s has no @operation declaration' % (
                            rmap.resource.__name__, method))
                result.append(Route(
                    path=path, method=method, path_params=params,
                    path_schemas=schemas, operation=op,
                    operation_id='%s_%s' % (
                        operation_stem(path), method),
                    request_body_schema=getattr(
                        func, '_request_body_schema', None),
                    request_body_form=getattr(
                        func, '_request_body_form', False),
                    request_query_schema=getattr(
                        func, '_request_query_schema', None),
                    response_body_schema=getattr(
                        func, '_response_body_schema', None)
                    or op.response_schema))
        return result


def operation_stem(path: str) -> str:
    """A path as an identifier: /v4/users/{user_id} -> v4_users_user_id."""
    stem = re.sub(r'[{}]', '', path.strip('/'))
    return re.sub(r'[^a-zA-Z0-9]+', '_', stem)


def resource(resource_cls, url, **route_kwargs):
    """A keystone ResourceMap for a /v4 resource (no keystone JSON-Home).

    Extra keyword arguments go to Flask's ``add_url_rule``. A collection
    (url '') is the prefix itself, with and without the trailing slash.
    """
    if url in ('', '/'):
        route_kwargs.setdefault('strict_slashes', False)
    rmap = ks_flask.construct_resource_map(
        resource=resource_cls, url=url, resource_kwargs=route_kwargs)
    if url in ('', '/'):
        # keystone makes '' into '/': a rule ending in '/' that werkzeug
        # then answers with 404, not 405, for a method it lacks.
        rmap = rmap._replace(url='')
    return rmap


def token_response(token, status=http.client.CREATED):
    """A keystone token (TokenModel) as POST /v3/auth/tokens renders it:
    the body, X-Subject-Token, the catalog unless ?nocatalog."""
    include_catalog = 'nocatalog' not in flask.request.args
    body = render_token.render_token_response_from_model(
        token, include_catalog=include_catalog)
    response = flask.make_response(jsonutils.dumps(body), status)
    response.headers['X-Subject-Token'] = token.id
    response.headers['Content-Type'] = 'application/json'
    return response
