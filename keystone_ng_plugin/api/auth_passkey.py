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
"""Passkey login: /v4/auth/passkey/start and /v4/auth/passkey/finish."""

import http.client

import flask

from keystone.api._shared import authentication
from keystone.server import flask as ks_flask

from keystone_ng_plugin.auth.plugins import passkey as passkey_method
from keystone_ng_plugin.common import api as ng_api
from keystone_ng_plugin.common import schema as common_schema
from keystone_ng_plugin.common import validation
from keystone_ng_plugin.passkey import core
from keystone_ng_plugin.passkey import relying_party
from keystone_ng_plugin.passkey import schema

TAGS = ('auth',)


class LoginStartResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Start a passkey login', status=201,
                      tags=TAGS, authenticated=False)
    @validation.request_body_schema(schema.login_start_request)
    @validation.response_body_schema(schema.public_key_options)
    @ks_flask.unenforced_api
    def post(self):
        """Request options for navigator.credentials.get().

        By user_id, by user name and domain, or with neither for a
        usernameless (discoverable) login. An unknown user gets options that
        look the same and can never succeed. The scope given here is the
        scope of the token that finish returns.
        """
        body = (flask.request.get_json(silent=True) or {}).get('passkey', {})
        user = body.get('user') or {}
        options = core.get_manager().authentication_options(
            user_id=body.get('user_id') or user.get('id'),
            user_name=user.get('name'), domain=user.get('domain'),
            scope=body.get('scope'))
        return ({'public_key': options,
                 'origins': list(relying_party.current().origins)},
                http.client.CREATED)


class LoginFinishResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary='Finish a passkey login: a keystone token', status=201,
        tags=TAGS, authenticated=False, errors=(401,),
        response_headers=(('X-Subject-Token', 'The token.'),),
        response_schema=common_schema.token_response)
    @validation.request_body_schema(schema.authentication_response)
    @ks_flask.unenforced_api
    def post(self):
        """Verify the assertion (credential.toJSON()) and issue a token.

        The token is scoped as requested at start, with the catalog unless
        ?nocatalog. It goes through keystone's own token issuance with the
        auth method "passkey", so MFA rules and auth receipts apply.
        """
        body = flask.request.get_json()
        credential = {k: v for k, v in body.items() if k != 'user_id'}
        manager = core.get_manager()
        result = manager.authenticate(credential,
                                      expected_user_id=body.get('user_id'))
        manager.remember_verified(result)
        auth = {'identity': {'methods': [passkey_method.METHOD_NAME],
                             passkey_method.METHOD_NAME: {
                                 'credential': credential}}}
        if result.scope:
            auth['scope'] = result.scope
        return ng_api.token_response(
            authentication.authenticate_for_token(auth))


class AuthPasskeyAPI(ng_api.V4APIBase):
    _name = 'ng_auth_passkey'
    _import_name = __name__
    url_prefix = '/v4/auth/passkey'
    resource_mapping = [
        ng_api.resource(LoginStartResource, '/start'),
        ng_api.resource(LoginFinishResource, '/finish'),
    ]


APIs = (AuthPasskeyAPI,)
