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
"""Kubernetes login: /v4/k8s_auth/instances, their roles, and the login
(``POST /v4/k8s_auth/instances/{instance_id}/auth``)."""

import http.client

import flask

from keystone.server import flask as ks_flask

from keystone_ng_plugin.common import api as ng_api
from keystone_ng_plugin.common import crud
from keystone_ng_plugin.common import schema as common_schema
from keystone_ng_plugin.common import validation
from keystone_ng_plugin.k8s_auth import core
from keystone_ng_plugin.k8s_auth import login
from keystone_ng_plugin.k8s_auth import schema
from keystone_ng_plugin.token import delegation


def before_write():
    """Instances hold a reviewer credential and roles say who logs in:
    only a token that may create credentials changes them."""
    delegation.check(delegation.Credential.K8S_AUTH)


INSTANCE = crud.Kind(
    member='instance', plural='instances', id_param='instance_id',
    title='a Kubernetes login instance', manager=core.get_instance_manager,
    target=core.instance_target, view=core.instance_view,
    schemas={'create': schema.instance_create,
             'update': schema.instance_update,
             'one': schema.instance_response,
             'many': schema.instances_response,
             'query': schema.instances_query},
    filters=('domain_id', 'name'),
    create_doc='A cluster keystone asks about tokens (TokenReview): its '
               'API server (https), the pinned CA and the reviewer\'s own '
               'token (write-only, encrypted).',
    list_doc='Only those the caller may see, a page at a time (limit, '
             'marker: the last ID of the previous page; links.next).',
    path='k8s_auth/instances', policy_member='k8s_auth_instance',
    before_write=before_write)

ROLE = crud.Kind(
    member='role', plural='roles', id_param='role_id',
    title='a Kubernetes login role', manager=core.get_role_manager,
    target=core.role_target, view=core.role_view,
    schemas={'create': schema.role_create,
             'update': schema.role_update,
             'one': schema.role_response,
             'many': schema.roles_response,
             'query': schema.roles_query},
    filters=('name',),
    create_doc='Which service accounts of the cluster may log in (bound '
               'namespaces and names, exact or globs), for which '
               'audience, and as whom: the token restriction\'s user, or '
               'a shadow user in token_project_id.',
    list_doc='A page at a time (limit, marker: the last ID of the '
             'previous page; links.next).',
    path='k8s_auth/instances/{instance_id}/roles',
    policy_member='k8s_auth_role', before_write=before_write,
    parent_param='instance_id', parent_target=core.instance_target_by_id)


class LoginResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary='Exchange a Kubernetes service account token for a '
                'keystone token',
        tags=('auth',), authenticated=False, errors=(401, 404, 502),
        response_headers=(('X-Subject-Token', 'The token.'),),
        response_schema=common_schema.token_response)
    @validation.request_body_schema(schema.login_request)
    @ks_flask.unenforced_api
    def post(self, instance_id):
        """Keystone asks the cluster (TokenReview, as the instance's
        reviewer, with the role's audience) whether the token is valid
        now, then checks the service account against the role's bound
        namespaces and names. The token is the role's restriction's user's
        (restricted) or a shadow user's in the role's project. Every
        refusal is a 401 without a token; a cluster that cannot be asked
        is a 502.
        """
        body = flask.request.get_json()
        token = login.authenticate(instance_id, body['jwt'],
                                   body['role_name'])
        return ng_api.token_response(token, status=http.client.OK)


class K8sAuthAPI(ng_api.V4APIBase):
    _name = 'ng_k8s_auth'
    _import_name = __name__
    url_prefix = '/v4/k8s_auth/instances'
    resource_mapping = (
        crud.routes(INSTANCE)
        + crud.routes(ROLE, '/<string:instance_id>/roles')
        + [ng_api.resource(LoginResource, '/<string:instance_id>/auth')])


APIs = (K8sAuthAPI,)
