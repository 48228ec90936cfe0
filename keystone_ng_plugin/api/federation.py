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
"""Federation objects: /v4/federation/identity_providers and /mappings.

Both are the same CRUD shape (keystone style: policy with the object as
target, lists filtered item by item through the show rule), built by
:func:`crud_resources`.
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
from keystone_ng_plugin.common import schema as common_schema
from keystone_ng_plugin.common import validation
from keystone_ng_plugin.federation import core
from keystone_ng_plugin.federation import login
from keystone_ng_plugin.federation import mapping
from keystone_ng_plugin.federation import oidc
from keystone_ng_plugin.federation import schema

ENFORCER = rbac_enforcer.RBACEnforcer


@dataclasses.dataclass(frozen=True)
class Kind:
    """What differs between the federation collections."""

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


def crud_resources(kind: Kind):
    """(collection resource, member resource) classes for a kind."""
    rule = 'identity:ng:%s:' % kind.member
    tags = (kind.plural,)

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
            created = kind.manager().create(ref)
            return {kind.member: kind.view(created)}, http.client.CREATED

        @ng_api.operation(summary='List %ss' % kind.title, tags=tags,
                          description='Only those the caller may see: '
                                      'global ones and those of their '
                                      'domain.')
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
                    'links': {'self': discovery.v4_url(
                        'federation/' + kind.plural),
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
        def put(self, **path):
            object_id = path[kind.id_param]
            enforce('update', object_id)
            changes = flask.request.get_json()[kind.member]
            return {kind.member: kind.view(
                kind.manager().update(object_id, changes))}

        @ng_api.operation(summary='Delete %s' % kind.title, status=204,
                          tags=tags, errors=(404,))
        def delete(self, **path):
            object_id = path[kind.id_param]
            enforce('delete', object_id)
            kind.manager().delete(object_id)
            return None, http.client.NO_CONTENT

    Collection.__name__ = kind.member.title().replace('_', '') + 's'
    Member.__name__ = kind.member.title().replace('_', '')
    return Collection, Member


IDENTITY_PROVIDER = Kind(
    member='identity_provider', plural='identity_providers',
    id_param='idp_id',
    title='an identity provider', manager=core.get_manager,
    target=core.policy_target, view=core.view,
    schemas={'create': schema.identity_provider_create,
             'update': schema.identity_provider_update,
             'one': schema.identity_provider_response,
             'many': schema.identity_providers_response,
             'query': schema.identity_providers_query},
    filters=('name', 'domain_id'),
    create_doc='A global IdP (no domain_id) or one owned by a domain. A '
               'keystone v3 identity provider with the same ID is created '
               'with it (remote ID: bound_issuer), so v3 tooling sees it. '
               'oidc_client_secret is write-only.')
MAPPING = Kind(
    member='mapping', plural='mappings', id_param='mapping_id',
    title='a federation mapping',
    manager=mapping.get_manager, target=mapping.policy_target,
    view=lambda ref: ref,
    schemas={'create': schema.mapping_create,
             'update': schema.mapping_update,
             'one': schema.mapping_response,
             'many': schema.mappings_response,
             'query': schema.mappings_query},
    filters=('name', 'idp_id', 'domain_id', 'type'),
    create_doc='How identities of an IdP become keystone users: claims for '
               'the user ID, name, domain and groups, what the token must '
               'be bound to, and the project the token is scoped to.')


class OIDCAuthResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary='Start an OpenID Connect login at an identity provider',
        tags=('auth',), authenticated=False, errors=(403, 404, 502))
    @validation.request_body_schema(schema.oidc_auth_request)
    @validation.response_body_schema(schema.oidc_auth_response)
    @ks_flask.unenforced_api
    def post(self, idp_id):
        """The IdP's authorization URL (code flow, PKCE S256, state, nonce).

        Send the browser there; the IdP returns it to redirect_uri with a
        code and the state, which POST /v4/federation/oidc/callback turns
        into a keystone token (scoped as asked here).
        """
        body = flask.request.get_json()
        return {'auth_url': oidc.start_login(
            idp_id, redirect_uri=body['redirect_uri'],
            scope=body.get('scope'), mapping_name=body.get('mapping_name'),
            mapping_id=body.get('mapping_id'))}


class OIDCCallbackResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary='Finish an OpenID Connect login: a keystone token',
        tags=('auth',), authenticated=False, errors=(403, 404, 502),
        response_headers=(('X-Subject-Token', 'The token.'),),
        response_schema=common_schema.token_response)
    @validation.request_body_schema(schema.oidc_callback_request, form=True)
    @ks_flask.unenforced_api
    def post(self):
        """Redeem what the IdP sent back to redirect_uri for a token.

        JSON or a form post (response_mode=form_post). The state is used
        up, the code redeemed with the PKCE verifier, the ID token verified
        (asymmetric signature, iss, aud, nonce, exp/nbf/iat) and the
        mapping applied; the user is keystone's shadow user for the IdP's
        subject, in the groups the IdP names (expiring memberships). The
        token is a federated token, scoped as asked at the start (or to the
        mapping's token_project_id), with the catalog unless ?nocatalog.
        A refused login is a 401 and issues nothing.
        """
        body = validation.request_body(form=True)
        result = oidc.complete_authorization(
            body['state'], body.get('code'), error=body.get('error'),
            issuer=body.get('iss'))
        token = login.issue_token(
            result.idp['id'], login.PROTOCOL_OIDC, result.mapping,
            result.identity, scope=result.scope)
        return ng_api.token_response(token, status=http.client.OK)


class OIDCCallbackAPI(ng_api.V4APIBase):
    _name = 'ng_oidc_callback'
    _import_name = __name__
    url_prefix = '/v4/federation/oidc'
    resource_mapping = [
        ng_api.resource(OIDCCallbackResource, '/callback'),
    ]


def _api(kind: Kind, extra=()):
    collection, member = crud_resources(kind)

    class API(ng_api.V4APIBase):
        _name = 'ng_' + kind.plural
        _import_name = __name__
        url_prefix = '/v4/federation/' + kind.plural
        resource_mapping = [
            ng_api.resource(collection, ''),
            ng_api.resource(member, '/<string:%s>' % kind.id_param),
        ] + list(extra)
    return API


APIs = (_api(IDENTITY_PROVIDER, extra=[
            ng_api.resource(OIDCAuthResource, '/<string:idp_id>/auth')]),
        _api(MAPPING), OIDCCallbackAPI)
