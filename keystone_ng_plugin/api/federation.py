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
"""Federation: /v4/federation/identity_providers, /mappings, OIDC login.

Identity providers and mappings are the same CRUD shape
(:func:`keystone_ng_plugin.common.crud.crud_resources`).
"""

import http.client

import flask

from keystone.server import flask as ks_flask

from keystone_ng_plugin.common import api as ng_api
from keystone_ng_plugin.common import crud
from keystone_ng_plugin.common import schema as common_schema
from keystone_ng_plugin.common import validation
from keystone_ng_plugin.federation import core
from keystone_ng_plugin.federation import flow
from keystone_ng_plugin.federation import jwt_login
from keystone_ng_plugin.federation import mapping
from keystone_ng_plugin.federation import oidc
from keystone_ng_plugin.federation import schema
from keystone_ng_plugin.federation import websso

VISIBLE = ('Only those the caller may see: global ones and those of their '
           'domain.')
IDENTITY_PROVIDER = crud.Kind(
    member='identity_provider', plural='identity_providers',
    id_param='idp_id',
    title='an identity provider', manager=core.get_manager,
    target=core.policy_target, view=core.view,
    schemas={'create': schema.identity_provider_create,
             'update': schema.identity_provider_update,
             'one': schema.identity_provider_response,
             'many': schema.identity_providers_response,
             'query': schema.identity_providers_query},
    filters=('name', 'domain_id'), path='federation/identity_providers',
    list_doc=VISIBLE,
    create_doc='A global IdP (no domain_id) or one owned by a domain. A '
               'keystone v3 identity provider with the same ID is created '
               'with it (remote ID: bound_issuer), so v3 tooling sees it. '
               'oidc_client_secret is write-only.')
MAPPING = crud.Kind(
    member='mapping', plural='mappings', id_param='mapping_id',
    title='a federation mapping',
    manager=mapping.get_manager, target=mapping.policy_target,
    view=mapping.view,
    schemas={'create': schema.mapping_create,
             'update': schema.mapping_update,
             'one': schema.mapping_response,
             'many': schema.mappings_response,
             'query': schema.mappings_query},
    filters=('name', 'idp_id', 'domain_id', 'type'),
    path='federation/mappings', list_doc=VISIBLE,
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
        tags=('auth',), authenticated=False, errors=(401, 403, 404, 502),
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
        token = oidc.complete_login(
            body['state'], body.get('code'), error=body.get('error'),
            issuer=body.get('iss'))
        return ng_api.token_response(token, status=http.client.OK)


class JWTLoginResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary='Exchange a workload JWT for a keystone token',
        tags=('auth',), authenticated=False, errors=(401, 404, 502),
        response_headers=(('X-Subject-Token', 'The token.'),),
        response_schema=common_schema.token_response,
        description='Authorization: Bearer <JWT>. The mapping is named by '
                    'the header openstack-mapping-name (alias '
                    'openstack-mapping), else the IdP\'s default; it must '
                    'be a jwt mapping. No body.')
    @ks_flask.unenforced_api
    def post(self, idp_id):
        """The JWT is verified (asymmetric signature by the IdP's keys,
        iss, aud against the mapping's bound_audiences, exp/nbf/iat, size)
        and the mapping's bindings checked. The token is the mapping's
        service account's (restricted) or a shadow user's, scoped to
        token_project_id and restricted by token_restriction_id. Every
        refusal is a 401 without a token.
        """
        mapping_name = (flask.request.headers.get('openstack-mapping-name')
                        or flask.request.headers.get('openstack-mapping'))
        token = jwt_login.authenticate(idp_id, flow.bearer_token(),
                                       mapping_name)
        return ng_api.token_response(token, status=http.client.OK)


class OIDCCallbackAPI(ng_api.V4APIBase):
    _name = 'ng_oidc_callback'
    _import_name = __name__
    url_prefix = '/v4/federation/oidc'
    resource_mapping = [
        ng_api.resource(OIDCCallbackResource, '/callback'),
    ]


def _api(kind: crud.Kind, extra=()):
    class API(ng_api.V4APIBase):
        _name = 'ng_' + kind.plural
        _import_name = __name__
        url_prefix = '/v4/' + kind.path
        resource_mapping = crud.routes(kind) + list(extra)
    return API


class WebSSOCallbackResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary='Finish a WebSSO login (the IdP\'s redirect)', tags=('auth',),
        authenticated=False, errors=(400, 401, 403, 502),
        response_media_types=('text/html',),
        description='Query (or form_post) state, code and iss from the '
                    'IdP. Answers keystone\'s sso_callback_template: a form '
                    'that posts the token to the trusted dashboard the '
                    'login started from.')
    @validation.request_query_schema(schema.websso_callback_request)
    @ks_flask.unenforced_api
    def get(self):
        return websso.finish(dict(flask.request.args))

    @ng_api.operation(
        summary='Finish a WebSSO login (response_mode=form_post)',
        tags=('auth',), authenticated=False, errors=(400, 401, 403, 502),
        response_media_types=('text/html',))
    @validation.request_body_schema(schema.websso_callback_request,
                                    form=True)
    @ks_flask.unenforced_api
    def post(self):
        return websso.finish(validation.request_body(form=True))


class WebSSOAPI(ng_api.V4APIBase):
    _name = 'ng_websso'
    _import_name = __name__
    url_prefix = '/v4/federation/websso'
    resource_mapping = [
        ng_api.resource(WebSSOCallbackResource, '/callback'),
    ]


APIs = (_api(IDENTITY_PROVIDER, extra=[
            ng_api.resource(OIDCAuthResource, '/<string:idp_id>/auth'),
            ng_api.resource(JWTLoginResource, '/<string:idp_id>/jwt')]),
        _api(MAPPING), OIDCCallbackAPI, WebSSOAPI)
