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
"""v4passkey: a keystone token for a passkey on a FIDO2 security key.

/v4/auth/passkey/start gives the request options (and the origins keystone
accepts), the key signs through python-fido2, /v4/auth/passkey/finish gives
the token, scoped as asked at the start. By user ID, by name and domain, or
usernameless (the key's resident credential names the user)."""

from keystone_ng_client.auth import base
from keystone_ng_client import authenticator


class Passkey(base.V4Plugin):
    name = 'v4passkey'

    def __init__(self, auth_url, user_id=None, username=None,
                 user_domain_id=None, user_domain_name=None,
                 fido2_device=None, passkey_origin=None, **kwargs):
        super().__init__(auth_url, **kwargs)
        self.user_id = user_id
        self.username = username
        self.user_domain_id = user_domain_id
        self.user_domain_name = user_domain_name
        self.fido2_device = fido2_device
        self.passkey_origin = passkey_origin

    def start_body(self) -> dict:
        body = {}
        if self.user_id:
            body['user_id'] = self.user_id
        elif self.username:
            body['user'] = {'name': self.username, 'domain': (
                {'id': self.user_domain_id} if self.user_domain_id
                else {'name': self.user_domain_name or 'Default'})}
        if self.scope:
            body['scope'] = self.scope
        return {'passkey': body}

    def login(self, session):
        device = authenticator.open_device(self.fido2_device)
        try:
            start = self.post(session, '/auth/passkey/start',
                              json=self.start_body()).json()
            options = start['public_key']
            origin = authenticator.pick_origin(
                options.get('rpId'), start.get('origins'), self.auth_url,
                self.passkey_origin)
            assertion = authenticator.get_assertion(device, origin, options)
        finally:
            device.close()
        if self.user_id:
            assertion['user_id'] = self.user_id
        return self.token_of(self.post(session, '/auth/passkey/finish',
                                       json=assertion))
