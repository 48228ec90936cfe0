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
"""CRUD resources in keystone's style, for the plugin's collections.

Policy with the object as target, lists filtered item by item through the
show rule, keystone's validation decorators and the plugin's OpenAPI
metadata: :func:`crud_resources` builds the collection and member resources
of a :class:`Kind`.
"""

import dataclasses
import http.client
import typing as ty
import urllib.parse

import flask

from keystone.common import rbac_enforcer
from keystone import exception
from keystone.server import flask as ks_flask

import keystone_ng_plugin.conf

from keystone_ng_plugin.common import api as ng_api
from keystone_ng_plugin.common import discovery
from keystone_ng_plugin.common import policy
from keystone_ng_plugin.common import validation

CONF = keystone_ng_plugin.conf.CONF
ENFORCER = rbac_enforcer.RBACEnforcer
# A page's size when keystone's [DEFAULT] list_limit is unset.
DEFAULT_LIMIT = 100


def max_limit() -> int:
    """The largest page a list answers (keystone's [DEFAULT] list_limit,
    100 when unset)."""
    return CONF.list_limit or DEFAULT_LIMIT


@dataclasses.dataclass(frozen=True)
class Kind:
    """What differs between the plugin's CRUD collections."""

    member: str                       # identity_provider
    plural: str                       # identity_providers
    id_param: str                     # idp_id
    title: str                        # identity provider
    manager: ty.Callable
    target: ty.Callable[[dict], dict]
    view: ty.Callable[[dict], dict]
    schemas: dict                     # create, update, one, many, query
    filters: tuple[str, ...]
    create_doc: str
    list_doc: str
    path: str                         # under /v4: federation/mappings
    policy_member: str = ''           # identity:ng:<this>:<action>
    # called after the policy check of create, update and delete (may
    # raise)
    before_write: ty.Optional[ty.Callable[[], None]] = None
    update_method: str = 'put'        # or 'patch'
    # a nested collection: the path parameter (and field) of its parent,
    # and the parent's policy target (NotFound when there is none), which
    # list and create are checked against
    parent_param: ty.Optional[str] = None
    parent_target: ty.Optional[ty.Callable[[str], dict]] = None
    # lists answer pages (limit/marker): the manager has page(limit,
    # marker, **filters): at most limit items by ID after the marker, fewer
    # only when there are no more
    paginated: bool = True


def _path(kind: Kind, path: dict) -> str:
    """The kind's path under /v4 with its parent's ID in it."""
    if not kind.parent_param:
        return kind.path
    return kind.path.replace(
        '{%s}' % kind.parent_param,
        urllib.parse.quote(path[kind.parent_param], safe=''))


def _id(ref) -> str:
    """The ID of a record (a dict, or a typed record)."""
    return ref['id'] if isinstance(ref, dict) else ref.id


def page_request() -> tuple[int, ty.Optional[str]]:
    """This list request's page size (at most :func:`max_limit`) and
    marker."""
    args = flask.request.args
    return (min(int(args.get('limit', max_limit())), max_limit()),
            args.get('marker'))


def next_link(url: str, limit: int, marker: str) -> str:
    """The URL of the page after ``marker``: this request's query with
    the limit and that marker."""
    query = {k: v for k, v in flask.request.args.items() if k != 'marker'}
    query.update(limit=limit, marker=marker)
    return '%s?%s' % (url, urllib.parse.urlencode(query))


def _visible_page(kind: Kind, rule: str, filters: dict, url: str):
    """One page of the items the caller may see, and the next page's link
    (None after the last page). Items the show rule hides are skipped
    without shortening the page."""
    limit, cursor = page_request()
    visible: list = []
    while len(visible) <= limit:
        batch = kind.manager().page(limit + 1, cursor, **filters)
        visible += [ref for ref in batch
                    if policy.allowed(rule + 'get', kind.target(ref))]
        if len(batch) <= limit:
            break
        cursor = _id(batch[-1])
    if len(visible) <= limit:
        return visible, None
    visible = visible[:limit]
    return visible, next_link(url, limit, _id(visible[-1]))


def crud_resources(kind: Kind):
    """(collection resource, member resource) classes for a kind."""
    rule = 'identity:ng:%s:' % (kind.policy_member or kind.member)
    tags = (kind.plural,)

    def before_write():
        if kind.before_write is not None:
            kind.before_write()

    def get_ref(object_id, path):
        ref = kind.manager().get(object_id)
        parent = kind.parent_param
        if parent and ref.get(parent) != path[parent]:
            raise exception.NotFound(target='%s %s' % (kind.title,
                                                       object_id))
        return ref

    def enforce(action, object_id, path):
        found = {}

        def build_target():
            found['ref'] = get_ref(object_id, path)
            return kind.target(found['ref'])

        ENFORCER.enforce_call(action=rule + action,
                              build_target=build_target)
        return found.get('ref') or get_ref(object_id, path)

    def parent_fields(path):
        if not kind.parent_param:
            return {}
        return {kind.parent_param: path[kind.parent_param]}

    class Collection(ks_flask.ResourceBase):

        @ng_api.operation(summary='Create %s' % kind.title, status=201,
                          tags=tags, errors=(409,),
                          description=kind.create_doc)
        @validation.request_body_schema(kind.schemas['create'])
        @validation.response_body_schema(kind.schemas['one'])
        def post(self, **path):
            ref = dict(flask.request.get_json()[kind.member],
                       **parent_fields(path))
            ENFORCER.enforce_call(action=rule + 'create',
                                  build_target=lambda: kind.target(ref))
            before_write()
            created = kind.manager().create(ref)
            return {kind.member: kind.view(created)}, http.client.CREATED

        # 'an identity provider' -> 'List identity providers'
        @ng_api.operation(summary='List %ss' % kind.title.split(' ', 1)[1],
                          tags=tags, description=kind.list_doc)
        @validation.request_query_schema(kind.schemas['query'])
        @validation.response_body_schema(kind.schemas['many'])
        def get(self, **path):
            if kind.parent_target is not None:
                parent_id = path[kind.parent_param]
                ENFORCER.enforce_call(
                    action=rule + 'list',
                    build_target=lambda: kind.parent_target(parent_id))
            else:
                ENFORCER.enforce_call(action=rule + 'list')
            filters = dict({k: flask.request.args[k] for k in kind.filters
                            if k in flask.request.args},
                           **parent_fields(path))
            url = discovery.v4_url(_path(kind, path))
            following = None
            if kind.paginated:
                refs, following = _visible_page(kind, rule, filters, url)
            else:
                refs = [ref for ref in kind.manager().list(**filters)
                        if policy.allowed(rule + 'get', kind.target(ref))]
            return {kind.plural: [kind.view(ref) for ref in refs],
                    'links': {'self': url, 'next': following,
                              'previous': None}}

    class Member(ks_flask.ResourceBase):

        @ng_api.operation(summary='Show %s' % kind.title, tags=tags,
                          errors=(404,))
        @validation.response_body_schema(kind.schemas['one'])
        def get(self, **path):
            object_id = path[kind.id_param]
            return {kind.member: kind.view(enforce('get', object_id,
                                                   path))}

        @ng_api.operation(summary='Update %s' % kind.title, tags=tags,
                          errors=(404, 409),
                          description='Fields to change; null clears.')
        @validation.request_body_schema(kind.schemas['update'])
        @validation.response_body_schema(kind.schemas['one'])
        def update(self, **path):
            object_id = path[kind.id_param]
            enforce('update', object_id, path)
            before_write()
            changes = flask.request.get_json()[kind.member]
            return {kind.member: kind.view(
                kind.manager().update(object_id, changes))}

        if kind.update_method == 'patch':
            patch = update
        else:
            put = update
        del update

        @ng_api.operation(summary='Delete %s' % kind.title, status=204,
                          tags=tags, errors=(404,))
        def delete(self, **path):
            object_id = path[kind.id_param]
            enforce('delete', object_id, path)
            before_write()
            kind.manager().delete(object_id)
            return None, http.client.NO_CONTENT

    Collection.__name__ = kind.member.title().replace('_', '') + 's'
    Member.__name__ = kind.member.title().replace('_', '')
    return Collection, Member


def routes(kind: Kind, prefix: str = '') -> list:
    """The collection ('') and member ('/<id>') routes of a kind, under
    ``prefix`` (a nested kind's: '/<string:instance_id>/roles')."""
    collection, member = crud_resources(kind)
    return [ng_api.resource(collection, prefix),
            ng_api.resource(member,
                            prefix + '/<string:%s>' % kind.id_param)]
