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
"""Helpers for in-process passkey tests (software authenticator)."""

import http.client

from keystone.common import provider_api
from keystone.tests import unit

from keystone_ng_plugin_tests import softauthn
from keystone_ng_plugin_tests.unit import base

PROVIDERS = provider_api.ProviderAPIs
ORIGIN = 'http://localhost'


class PasskeyTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.authn = softauthn.SoftAuthenticator(origin=ORIGIN)

    def new_user(self, **kwargs):
        user = unit.create_user(PROVIDERS.identity_api,
                                domain_id=self.domain_id, **kwargs)
        PROVIDERS.assignment_api.add_role_to_user_and_project(
            user['id'], self.project_id, self._role('member')['id'])
        return user

    def token_of(self, user):
        return self.token_for(user, project_id=self.project_id)

    def post(self, path, body, token=None, status=http.client.CREATED,
             headers=None):
        return self.call('post', path, token, status, body, headers)

    def get(self, path, token, status=http.client.OK):
        return self.call('get', path, token, status)

    def register(self, user, token=None, authn=None, description=None):
        """Register a passkey for user through the API; returns it."""
        token = token or self.token_of(user)
        authn = authn or self.authn
        base = '/v4/users/%s/passkeys' % user['id']
        start = self.post(base + '/register_start',
                          {'passkey': {'description': description}}, token)
        body = authn.create(start.json['public_key'])
        return self.post(base + '/register_finish', body, token).json[
            'passkey']

    def login_start(self, body=None, status=http.client.CREATED):
        return self.post('/v4/auth/passkey/start',
                         {'passkey': body or {}}, status=status)

    def login(self, user=None, authn=None, scope=None,
              status=http.client.CREATED, **get_kwargs):
        """Start + finish a passkey login; returns the finish response."""
        start = {}
        if user is not None:
            start['user_id'] = user['id']
        if scope:
            start['scope'] = scope
        options = self.login_start(start).json['public_key']
        assertion = (authn or self.authn).get(options, **get_kwargs)
        return self.post('/v4/auth/passkey/finish', assertion,
                         status=status)
