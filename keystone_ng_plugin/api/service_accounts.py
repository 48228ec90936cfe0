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
"""Service accounts: /v4/service_accounts and tokens for them."""

import flask

from keystone.common import rbac_enforcer
from keystone import notifications
from keystone.server import flask as ks_flask

from keystone_ng_plugin.common import api as ng_api
from keystone_ng_plugin.common import crud
from keystone_ng_plugin.common import schema as common_schema
from keystone_ng_plugin.common import validation
from keystone_ng_plugin.service_account import core
from keystone_ng_plugin.service_account import schema
from keystone_ng_plugin.token import delegation
from keystone_ng_plugin.token import restricted

ENFORCER = rbac_enforcer.RBACEnforcer

SERVICE_ACCOUNT = crud.Kind(
    member='service_account', plural='service_accounts',
    id_param='service_account_id', title='a service account',
    manager=core.get_manager, target=core.policy_target,
    view=lambda ref: ref,
    schemas={'create': schema.service_account_create,
             'update': schema.service_account_update,
             'one': schema.service_account_response,
             'many': schema.service_accounts_response,
             'query': schema.service_accounts_query},
    filters=('domain_id', 'name'),
    create_doc='A keystone user for machines (role assignments, groups '
               'and catalogs work as for any user) that never has a '
               'password or credentials of its own; its tokens are always '
               'restricted.',
    list_doc='Those of the domains the caller may read.',
    path='service_accounts', update_method='patch',
    before_write=lambda: delegation.refuse_restricted_caller(
        'manage service accounts'))


class TokenResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary='Get a restricted token for a service account',
        status=201, tags=('service_accounts',), errors=(400, 403, 404),
        response_headers=(('X-Subject-Token', 'The token.'),),
        response_schema=common_schema.token_response)
    @validation.request_body_schema(schema.token_request)
    def post(self, service_account_id):
        """A short-lived token of the service account, restricted by the
        given restriction (roles, project), for a caller policy allows.
        The issuance is audited (CADF identity.service_account_token
        .created) with the caller as initiator.
        """
        found = {}

        def target():
            found['ref'] = core.get_manager().get(service_account_id)
            return core.policy_target(found['ref'])

        ENFORCER.enforce_call(
            action='identity:ng:service_account:issue_token',
            build_target=target)
        delegation.check(delegation.Credential.SERVICE_ACCOUNT_TOKEN,
                         for_user=service_account_id)
        body = flask.request.get_json()['token']
        token = restricted.issue_for_service_account(
            service_account_id, body['restriction_id'],
            project_id=body.get('project_id'), ttl=body.get('ttl'))
        notifications.Audit.created(
            'service_account_token', service_account_id,
            initiator=notifications.build_audit_initiator())
        return ng_api.token_response(token)


class ServiceAccountsAPI(ng_api.V4APIBase):
    _name = 'ng_service_accounts'
    _import_name = __name__
    url_prefix = '/v4/service_accounts'
    resource_mapping = crud.routes(SERVICE_ACCOUNT) + [
        ng_api.resource(TokenResource,
                        '/<string:service_account_id>/tokens')]


APIs = (ServiceAccountsAPI,)
