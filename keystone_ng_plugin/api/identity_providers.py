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
"""Identity providers: /v4/federation/identity_providers."""

import http.client

import flask

from keystone.common import rbac_enforcer
from keystone.server import flask as ks_flask

from keystone_ng_plugin.common import api as ng_api
from keystone_ng_plugin.common import discovery
from keystone_ng_plugin.common import policy
from keystone_ng_plugin.common import validation
from keystone_ng_plugin.federation import core
from keystone_ng_plugin.federation import schema

ENFORCER = rbac_enforcer.RBACEnforcer
TAGS = ('identity_providers',)
GET_RULE = 'identity:ng:identity_provider:get'


def _enforce(action: str, idp_id: str) -> dict:
    """Check policy with the IdP as target; returns it (404 if none)."""
    found = {}

    def build_target():
        found['idp'] = core.get_manager().get(idp_id)
        return core.policy_target(found['idp'])

    ENFORCER.enforce_call(action=action, build_target=build_target)
    return found.get('idp') or core.get_manager().get(idp_id)


class IdentityProvidersResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Create an identity provider', status=201,
                      tags=TAGS, errors=(409,))
    @validation.request_body_schema(schema.identity_provider_create)
    @validation.response_body_schema(schema.identity_provider_response)
    def post(self):
        """A global IdP (no domain_id) or one owned by a domain.

        A keystone v3 identity provider with the same ID is created with it
        (remote ID: bound_issuer), so v3 tooling sees it.
        """
        ref = flask.request.get_json()['identity_provider']
        ENFORCER.enforce_call(
            action='identity:ng:identity_provider:create',
            build_target=lambda: core.policy_target(ref))
        created = core.get_manager().create(ref)
        return {'identity_provider': created}, http.client.CREATED

    @ng_api.operation(summary='List identity providers', tags=TAGS)
    @validation.request_query_schema(schema.identity_providers_query)
    @validation.response_body_schema(schema.identity_providers_response)
    def get(self):
        """The IdPs the caller may see: global ones and their domain's."""
        ENFORCER.enforce_call(action='identity:ng:identity_provider:list')
        filters = {k: flask.request.args[k] for k in ('name', 'domain_id')
                   if k in flask.request.args}
        visible = [core.view(ref)
                   for ref in core.get_manager().list(**filters)
                   if policy.allowed(GET_RULE, core.policy_target(ref))]
        return {'identity_providers': visible,
                'links': {'self': discovery.v4_url(
                    'federation/identity_providers'),
                    'next': None, 'previous': None}}


class IdentityProviderResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Show an identity provider', tags=TAGS,
                      errors=(404,))
    @validation.response_body_schema(schema.identity_provider_response)
    def get(self, idp_id):
        """One IdP (never its client secret)."""
        return {'identity_provider': core.view(_enforce(GET_RULE, idp_id))}

    @ng_api.operation(summary='Update an identity provider', tags=TAGS,
                      errors=(404, 409))
    @validation.request_body_schema(schema.identity_provider_update)
    @validation.response_body_schema(schema.identity_provider_response)
    def put(self, idp_id):
        """Change fields (null clears); the domain cannot change."""
        _enforce('identity:ng:identity_provider:update', idp_id)
        changes = flask.request.get_json()['identity_provider']
        return {'identity_provider': core.get_manager().update(
            idp_id, changes)}

    @ng_api.operation(summary='Delete an identity provider', status=204,
                      tags=TAGS, errors=(404,))
    def delete(self, idp_id):
        """Delete the IdP and its keystone v3 counterpart."""
        _enforce('identity:ng:identity_provider:delete', idp_id)
        core.get_manager().delete(idp_id)
        return None, http.client.NO_CONTENT


class IdentityProvidersAPI(ng_api.V4APIBase):
    _name = 'ng_identity_providers'
    _import_name = __name__
    url_prefix = '/v4/federation/identity_providers'
    resource_mapping = [
        ng_api.resource(IdentityProvidersResource, ''),
        ng_api.resource(IdentityProviderResource, '/<string:idp_id>'),
    ]


APIs = (IdentityProvidersAPI,)
