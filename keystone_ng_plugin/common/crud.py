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

import flask

from keystone.common import rbac_enforcer
from keystone.server import flask as ks_flask

from keystone_ng_plugin.common import api as ng_api
from keystone_ng_plugin.common import discovery
from keystone_ng_plugin.common import policy
from keystone_ng_plugin.common import validation

ENFORCER = rbac_enforcer.RBACEnforcer


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


def crud_resources(kind: Kind):
    """(collection resource, member resource) classes for a kind."""
    rule = 'identity:ng:%s:' % (kind.policy_member or kind.member)
    tags = (kind.plural,)

    def before_write():
        if kind.before_write is not None:
            kind.before_write()

    def enforce(action, object_id):
        found = {}

        def build_target():
            found['ref'] = kind.manager().get(object_id)
            return kind.target(found['ref'])

        ENFORCER.enforce_call(action=rule + action,
                              build_target=build_target)
        return found.get('ref') or kind.manager().get(object_id)

    class Collection(ks_flask.ResourceBase):

        @ng_api.operation(summary='Create %s' % kind.title, status=201,
                          tags=tags, errors=(409,),
                          description=kind.create_doc)
        @validation.request_body_schema(kind.schemas['create'])
        @validation.response_body_schema(kind.schemas['one'])
        def post(self):
            ref = flask.request.get_json()[kind.member]
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
        def get(self):
            ENFORCER.enforce_call(action=rule + 'list')
            filters = {k: flask.request.args[k] for k in kind.filters
                       if k in flask.request.args}
            visible = [kind.view(ref)
                       for ref in kind.manager().list(**filters)
                       if policy.allowed(rule + 'get', kind.target(ref))]
            return {kind.plural: visible,
                    'links': {'self': discovery.v4_url(kind.path),
                              'next': None, 'previous': None}}

    class Member(ks_flask.ResourceBase):

        @ng_api.operation(summary='Show %s' % kind.title, tags=tags,
                          errors=(404,))
        @validation.response_body_schema(kind.schemas['one'])
        def get(self, **path):
            object_id = path[kind.id_param]
            return {kind.member: kind.view(enforce('get', object_id))}

        @ng_api.operation(summary='Update %s' % kind.title, tags=tags,
                          errors=(404, 409),
                          description='Fields to change; null clears.')
        @validation.request_body_schema(kind.schemas['update'])
        @validation.response_body_schema(kind.schemas['one'])
        def update(self, **path):
            object_id = path[kind.id_param]
            enforce('update', object_id)
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
            enforce('delete', object_id)
            before_write()
            kind.manager().delete(object_id)
            return None, http.client.NO_CONTENT

    Collection.__name__ = kind.member.title().replace('_', '') + 's'
    Member.__name__ = kind.member.title().replace('_', '')
    return Collection, Member


def routes(kind: Kind) -> list:
    """The collection ('') and member ('/<id>') routes of a kind."""
    collection, member = crud_resources(kind)
    return [ng_api.resource(collection, ''),
            ng_api.resource(member, '/<string:%s>' % kind.id_param)]
