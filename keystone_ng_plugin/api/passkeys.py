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
"""A user's passkeys: /v4/users/{user_id}/passkeys."""

import http.client
import urllib.parse

import flask

from keystone.common import provider_api
from keystone.common import rbac_enforcer
from keystone.server import flask as ks_flask

from keystone_ng_plugin.common import api as ng_api
from keystone_ng_plugin.common import crud
from keystone_ng_plugin.common import discovery
from keystone_ng_plugin.common import validation
from keystone_ng_plugin.passkey import core
from keystone_ng_plugin.passkey import relying_party
from keystone_ng_plugin.passkey import schema
from keystone_ng_plugin.token import delegation

ENFORCER = rbac_enforcer.RBACEnforcer
PROVIDERS = provider_api.ProviderAPIs
TAGS = ('passkey',)


def _enforce(action: str, user_id: str) -> dict:
    """Check policy with the user as target; returns the user (404 if none)."""
    found = {}

    def build_target():
        found['user'] = PROVIDERS.identity_api.get_user(user_id)
        return {'user': found['user']}

    ENFORCER.enforce_call(action=action, build_target=build_target)
    return found.get('user') or PROVIDERS.identity_api.get_user(user_id)


class RegisterStartResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Start registering a passkey', status=201,
                      tags=TAGS, errors=(404,))
    @validation.request_body_schema(schema.register_start_request)
    @validation.response_body_schema(schema.public_key_options)
    def post(self, user_id):
        """Creation options for navigator.credentials.create().

        The challenge is valid for [passkey] challenge_ttl seconds and for
        one registration_finish.
        """
        user = _enforce('identity:ng:passkey:register', user_id)
        delegation.check_passkey_registration(user_id)
        body = (flask.request.get_json(silent=True) or {}).get('passkey', {})
        options = core.get_manager().registration_options(
            user, body.get('description'))
        return ({'public_key': options,
                 'origins': list(relying_party.current().origins)},
                http.client.CREATED)


class RegisterFinishResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Finish registering a passkey', status=201,
                      tags=TAGS, errors=(404, 409))
    @validation.request_body_schema(schema.registration_response)
    @validation.response_body_schema(schema.passkey_response)
    def post(self, user_id):
        """Verify the new credential (credential.toJSON()) and store it."""
        _enforce('identity:ng:passkey:register', user_id)
        delegation.check_passkey_registration(user_id)
        body = flask.request.get_json()
        passkey = core.get_manager().register(
            user_id, body, description=body.get('description'))
        return {'passkey': passkey.to_api()}, http.client.CREATED


class PasskeysResource(ks_flask.ResourceBase):

    @ng_api.operation(summary="List a user's passkeys", tags=TAGS,
                      errors=(404,))
    @validation.request_query_schema(schema.passkeys_query)
    @validation.response_body_schema(schema.passkeys_response)
    def get(self, user_id):
        """The user's passkeys, oldest first (never key material), a page
        at a time (limit, marker: the last ID of the previous page;
        links.next)."""
        _enforce('identity:ng:passkey:list', user_id)
        limit, marker = crud.page_request()
        passkeys = core.get_manager().list_passkeys(user_id, limit + 1,
                                                    marker)
        url = discovery.v4_url('users/%s/passkeys' % urllib.parse.quote(
            user_id, safe=''))
        following = None
        if len(passkeys) > limit:
            passkeys = passkeys[:limit]
            following = crud.next_link(url, limit, passkeys[-1].id)
        return {'passkeys': [p.to_api() for p in passkeys],
                'links': {'self': url, 'next': following,
                          'previous': None}}


class PasskeyResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Show a passkey', tags=TAGS, errors=(404,))
    @validation.response_body_schema(schema.passkey_response)
    def get(self, user_id, passkey_id):
        """One passkey of the user."""
        _enforce('identity:ng:passkey:get', user_id)
        return {'passkey': core.get_manager().get_passkey(
            user_id, passkey_id).to_api()}

    @ng_api.operation(summary='Rename a passkey', tags=TAGS, errors=(404,))
    @validation.request_body_schema(schema.passkey_update_request)
    @validation.response_body_schema(schema.passkey_response)
    def patch(self, user_id, passkey_id):
        """Change the passkey's description."""
        _enforce('identity:ng:passkey:update', user_id)
        description = flask.request.get_json()['passkey']['description']
        return {'passkey': core.get_manager().rename_passkey(
            user_id, passkey_id, description).to_api()}

    @ng_api.operation(summary='Delete a passkey', status=204, tags=TAGS,
                      errors=(404,))
    def delete(self, user_id, passkey_id):
        """Delete the passkey: it can no longer log in."""
        _enforce('identity:ng:passkey:delete', user_id)
        core.get_manager().delete_passkey(user_id, passkey_id)
        return None, http.client.NO_CONTENT


class PasskeysAPI(ng_api.V4APIBase):
    _name = 'ng_passkeys'
    _import_name = __name__
    url_prefix = '/v4/users'
    resource_mapping = [
        ng_api.resource(RegisterStartResource,
                        '/<string:user_id>/passkeys/register_start'),
        ng_api.resource(RegisterFinishResource,
                        '/<string:user_id>/passkeys/register_finish'),
        ng_api.resource(PasskeysResource, '/<string:user_id>/passkeys'),
        ng_api.resource(PasskeyResource,
                        '/<string:user_id>/passkeys/<ng_hex:passkey_id>'),
    ]


APIs = (PasskeysAPI,)
