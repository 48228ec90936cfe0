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
"""Token restrictions: /v4/tokens/restrictions and minting restricted
tokens from the caller's token."""

from keystone.common import rbac_enforcer
from keystone.server import flask as ks_flask

from keystone_ng_plugin.common import api as ng_api
from keystone_ng_plugin.common import crud
from keystone_ng_plugin.common import schema as common_schema
from keystone_ng_plugin.restriction import core
from keystone_ng_plugin.restriction import schema
from keystone_ng_plugin.token import delegation
from keystone_ng_plugin.token import restricted

ENFORCER = rbac_enforcer.RBACEnforcer


def before_write():
    """Only a token that may create credentials makes or changes a
    restriction (a changed restriction changes the tokens made from it)."""
    delegation.check(delegation.Credential.RESTRICTION)


RESTRICTION = crud.Kind(
    member='restriction', plural='restrictions', id_param='restriction_id',
    title='a token restriction', manager=core.get_manager,
    target=core.policy_target, view=core.view,
    schemas={'create': schema.restriction_create,
             'update': schema.restriction_update,
             'one': schema.restriction_response,
             'many': schema.restrictions_response,
             'query': schema.restrictions_query},
    filters=('domain_id', 'user_id', 'project_id'),
    create_doc='What tokens made from it may do: roles (narrowing only), '
               'a fixed project or user, renewal, rescoping and lifetime.',
    list_doc='Only those the caller may see: their domain\'s (managers) '
             'and their own (members).',
    path='tokens/restrictions', policy_member='token_restriction',
    before_write=before_write)


class MintResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary='Make a restricted token from the caller\'s token',
        status=201, tags=('restrictions',), errors=(400, 403, 404),
        response_headers=(('X-Subject-Token', 'The restricted token.'),),
        response_schema=common_schema.token_response)
    def post(self, restriction_id):
        """A new token, narrowed by the restriction: project scoped (the
        restriction's project or the caller's), roles = the restriction's
        intersected with the caller's real roles there, lifetime capped by
        max_ttl and by the caller's token. Delegated and restricted tokens
        cannot be restricted again.
        """
        found = {}

        def target():
            found['ref'] = core.get_manager().get_for_login(restriction_id)
            return core.policy_target(found['ref'])

        ENFORCER.enforce_call(
            action='identity:ng:token_restriction:mint',
            build_target=target)
        source = delegation.caller_token()
        delegation.check(delegation.Credential.RESTRICTED_TOKEN, source,
                         for_user=source.user_id)
        token = restricted.mint(restriction_id, source)
        return ng_api.token_response(token)


class RestrictionsAPI(ng_api.V4APIBase):
    _name = 'ng_token_restrictions'
    _import_name = __name__
    url_prefix = '/v4/tokens/restrictions'
    resource_mapping = list(crud.routes(RESTRICTION)) + [
        ng_api.resource(MintResource, '/<string:restriction_id>/tokens')]


APIs = (RestrictionsAPI,)
