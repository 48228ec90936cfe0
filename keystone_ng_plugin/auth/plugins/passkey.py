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
"""The keystone auth method ``passkey`` (entry point keystone.auth.passkey).

In ``POST /v3/auth/tokens``, alone or with other methods under MFA rules:

* a payload without an assertion (``{"user": {...}}``, or ``{}`` for a
  usernameless login) answers 401 with the WebAuthn request options in
  ``error.identity.passkey.public_key``;
* a payload with the assertion (the AuthenticationResponseJSON, at the top
  level or under ``credential``) authenticates the credential's user.
"""

from keystone.auth.plugins import base
from keystone.auth.plugins import core as auth_core
from keystone.common.validation import validators

from keystone_ng_plugin.auth import methods
from keystone_ng_plugin.common import throttle
from keystone_ng_plugin.passkey import core
from keystone_ng_plugin.passkey import schema

METHOD_NAME = methods.PASSKEY
# Built once: constructing a JSON schema validator costs more than using it.
_PAYLOAD_VALIDATOR = validators.SchemaValidator(schema.auth_method_payload)


def _assertion(payload: dict):
    if isinstance(payload.get('credential'), dict):
        return payload['credential']
    if 'response' in payload:
        return {k: v for k, v in payload.items() if k != 'user'}
    return None


class Passkey(base.AuthMethodHandler):

    def authenticate(self, auth_payload):
        """Start (401 with options) or finish (user_id) a passkey login."""
        # POST /v3/auth/tokens is anonymous: a passkey step is throttled
        # as /v4/auth/passkey/* are (once per request).
        throttle.check()
        _PAYLOAD_VALIDATOR.validate(auth_payload)
        manager = core.get_manager()
        user = auth_payload.get('user') or {}
        assertion = _assertion(auth_payload)
        if assertion is None:
            options = manager.authentication_options(
                user_id=user.get('id'), user_name=user.get('name'),
                domain=user.get('domain'))
            return base.AuthHandlerResponse(
                status=False, response_body={'public_key': options},
                response_data=None)
        expected = user.get('id')
        if user and not expected:
            # By name: unknown users fail here, as for "password".
            expected = auth_core.BaseUserInfo.create(
                auth_payload, METHOD_NAME).user_id
        # /v4/auth/passkey/finish verifies before calling keystone.
        result = manager.take_verified(assertion) or manager.authenticate(
            assertion, expected_user_id=expected)
        # The user and their domain must exist and be enabled.
        auth_core.BaseUserInfo.create({'user': {'id': result.user_id}},
                                      METHOD_NAME)
        return base.AuthHandlerResponse(
            status=True, response_body=None,
            response_data={'user_id': result.user_id})
