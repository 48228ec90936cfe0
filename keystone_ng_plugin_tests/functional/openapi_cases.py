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
"""Test requests made from the served OpenAPI document.

The table-driven tests take their operations from ``/v4/openapi.json``, so
an endpoint added later is covered without editing them: its path, query
and body parameters, whether it is anonymous, and a request body of the
right shape (:func:`skeleton`) in which each string can be replaced by a
hostile one (:func:`string_paths`).
"""

import copy
import dataclasses
import typing as ty
import urllib.parse

import requests

METHODS = ('get', 'put', 'post', 'patch', 'delete')


@dataclasses.dataclass(frozen=True)
class Operation:
    method: str
    path: str                      # /v4/users/{user_id}/passkeys
    path_params: tuple
    query_params: tuple
    body_schema: ty.Optional[dict]
    anonymous: bool

    @property
    def name(self) -> str:
        return '%s %s' % (self.method.upper(), self.path)

    def url(self, base: str, path_values: ty.Optional[dict] = None) -> str:
        path = self.path
        for name in self.path_params:
            value = (path_values or {}).get(name, '0' * 32)
            path = path.replace('{%s}' % name, value)
        return base + path


def operations(base_url: str) -> list[Operation]:
    """Every operation of the document the server serves."""
    document = requests.get(base_url + '/v4/openapi.json', timeout=30).json()
    found = []
    for path, item in sorted(document['paths'].items()):
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = op.get('parameters', [])
            body = op.get('requestBody', {}).get('content', {}).get(
                'application/json', {}).get('schema')
            found.append(Operation(
                method=method, path=path,
                path_params=tuple(p['name'] for p in params
                                  if p['in'] == 'path'),
                query_params=tuple(p['name'] for p in params
                                   if p['in'] == 'query'),
                body_schema=body, anonymous=op.get('security') == []))
    return found


def _type(schema: dict) -> ty.Optional[str]:
    kind = schema.get('type')
    if isinstance(kind, list):
        for preferred in ('object', 'array', 'string', 'integer', 'boolean'):
            if preferred in kind:
                return preferred
        return kind[0]
    if kind is None and 'properties' in schema:
        return 'object'
    return kind


def _string_value(schema: dict) -> str:
    if 'enum' in schema:
        return schema['enum'][0]
    if 'const' in schema:
        return schema['const']
    pattern = schema.get('pattern', '')
    if pattern.startswith('^https?://'):
        return 'https://idp.example'
    if 'A-Za-z0-9_-' in pattern:
        return 'AAAA'
    return 'x' * max(1, schema.get('minLength', 1))


def skeleton(schema: ty.Optional[dict]) -> ty.Any:
    """The smallest value of the schema's shape (required members only)."""
    if not schema:
        return {}
    if 'const' in schema:
        return schema['const']
    for key in ('oneOf', 'anyOf'):
        if key in schema and _type(schema) is None:
            return skeleton(schema[key][0])
    kind = _type(schema)
    if kind == 'object':
        required = list(schema.get('required', []))
        for key in ('oneOf', 'anyOf'):
            if key in schema:
                required += schema[key][0].get('required', [])
        props = schema.get('properties', {})
        return {name: skeleton(props.get(name, {'type': 'string'}))
                for name in dict.fromkeys(required)}
    if kind == 'array':
        return [skeleton(schema.get('items', {}))
                for _ in range(schema.get('minItems', 0))]
    if kind == 'string':
        return _string_value(schema)
    if kind == 'integer':
        return schema.get('minimum', 1)
    if kind == 'boolean':
        return False
    return 'x'


def string_paths(schema: ty.Optional[dict], prefix=()) -> list[tuple]:
    """Paths (keys and list indexes) to every string a body may hold."""
    if not schema:
        return []
    kind = _type(schema)
    found = []
    if kind == 'string':
        found.append(prefix)
    elif kind == 'object':
        for name, prop in sorted(schema.get('properties', {}).items()):
            found += string_paths(prop, prefix + (name,))
    elif kind == 'array':
        found += string_paths(schema.get('items', {}), prefix + (0,))
    for key in ('oneOf', 'anyOf'):
        for alternative in schema.get(key, []):
            if 'properties' in alternative or _type(alternative):
                found += string_paths(alternative, prefix)
    return list(dict.fromkeys(found))


def with_value(body: ty.Any, path: tuple, value: ty.Any) -> ty.Any:
    """A copy of ``body`` with ``value`` at ``path`` (made as needed)."""
    body = copy.deepcopy(body)
    if not path:
        return value
    node = body
    for key, following in zip(path, path[1:] + (None,)):
        if following is None:
            if isinstance(node, list):
                node[:] = [value]
            else:
                node[key] = value
            break
        empty = [] if isinstance(following, int) else {}
        if isinstance(node, list):
            if not node or not isinstance(node[0], type(empty)):
                node[:] = [empty]
            node = node[0]
        else:
            if not isinstance(node.get(key), type(empty)):
                node[key] = empty
            node = node[key]
    return body


def quote(raw: bytes) -> str:
    """Raw bytes percent-encoded for a URL (they need not be UTF-8)."""
    return urllib.parse.quote_from_bytes(raw, safe='')
