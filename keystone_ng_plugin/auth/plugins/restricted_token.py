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
"""keystone's ``token`` auth method, aware of restricted tokens.

Enable it with ``[auth] token = ngrestricted``. Ordinary tokens behave
exactly as with keystone's method. A restricted token may be renewed (same
project) only if its restriction has ``allow_renew``, and rescoped (another
project, within the restriction) only if it has ``allow_rescope``; the new
token is restricted the same way and never outlives its source. Without
this method, keystone's own ``token`` method refuses restricted tokens
(they carry the non-primary method ``restricted``).
"""

import flask

from keystone.auth.plugins import base
from keystone.auth.plugins import token
from keystone.common import provider_api
import keystone.conf
from keystone import exception

from keystone_ng_plugin.token import provider
from keystone_ng_plugin.token import restricted

CONF = keystone.conf.CONF
PROVIDERS = provider_api.ProviderAPIs


class Token(token.Token):

    def _get_token_ref(self, auth_payload):
        ref = flask.g.pop('ng_token_ref', None)
        if ref is not None and ref.id == auth_payload['id']:
            return ref
        return super()._get_token_ref(auth_payload)

    def authenticate(self, auth_payload):
        if 'id' not in auth_payload:
            raise exception.ValidationError(attribute='id', target='token')
        source = super()._get_token_ref(auth_payload)
        if not restricted.is_restricted(source):
            flask.g.ng_token_ref = source
            return super().authenticate(auth_payload)
        if not CONF.token.allow_rescope_scoped_token:
            raise exception.ForbiddenAction(action='rescope a scoped token')
        restricted.remember_pending(restricted.Pending(
            provider.restriction_id(source), source.user_id,
            source_project_id=source.project_id))
        return base.AuthHandlerResponse(
            status=True, response_body=None, response_data={
                # never outlives its source; the provider may cap it more
                'expires_at': source.expires_at,
                'audit_id': source.parent_audit_id or source.audit_id,
                'user_id': source.user_id,
                'method_names': [m for m in source.methods
                                 if m != restricted.MARKER]})
