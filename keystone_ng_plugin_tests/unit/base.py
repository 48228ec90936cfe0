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
"""In-process test base: keystone's own RestfulTestCase plus the plugin.

SQLite in memory. keystone's Database fixture only creates keystone's
tables, so the plugin's alembic history runs on the same engine here (which
also exercises the migrations on every test).
"""

import http.client
import typing as ty

from keystone.common import provider_api
from keystone.common import sql as ks_sql
from keystone.conf import constants as ks_constants
from keystone.tests import unit
from keystone.tests.unit.ksfixtures import auth_plugins
from keystone.tests.unit import test_v3

from keystone_ng_plugin.auth import methods
from keystone_ng_plugin.common import settings
from keystone_ng_plugin.db import migration
from keystone_ng_plugin.oauth2 import keys as oauth2_keys
from keystone_ng_plugin.server import app as server

# keystone's default methods, then every method of the plugin (appended).
AUTH_METHODS = (list(ks_constants._DEFAULT_AUTH_METHODS) + ['totp'] +
                list(methods.PRIMARY))


class TestCase(test_v3.RestfulTestCase):
    """A keystone v3 REST test case whose app serves the plugin too."""

    def auth_plugin_config_override(self, methods=None, **method_classes):
        super().auth_plugin_config_override(
            methods=methods or AUTH_METHODS, **method_classes)

    def config_overrides(self):
        super().config_overrides()
        self.config_fixture.config(
            group='auth',
            additional_primary_auth_methods=list(methods.PRIMARY))
        self.config_fixture.config(
            group='passkey', relying_party_id='localhost',
            origins=['http://localhost'])
        # The plugin's provider and token method (restricted tokens); for
        # every other token they are keystone's fernet and token method.
        self.config_fixture.config(group='token', provider='ngfernet')
        self.config_fixture.config(
            group='auth', token=methods.RESTRICTED_TOKEN_DRIVER)
        # Every test's anonymous requests come from one address; the
        # throttling tests turn it on for themselves.
        self.config_fixture.config(group='keystone_ng', throttle_rate=0,
                                   max_outstanding_ceremonies=0)

    def load_backends(self):
        super().load_backends()
        # Auth methods load once per process; these tests need the plugin's.
        self.useFixture(auth_plugins.LoadAuthPlugins(*AUTH_METHODS))
        settings.forget_cache()
        # every test has its own database, so its own keys
        oauth2_keys.forget_signing_key()
        with ks_sql.session_for_write() as session:
            self.engine = session.get_bind()
        migration.upgrade(engine=self.engine)

    def loadapp(self, name='public'):
        app = super().loadapp(name=name)
        self.extra_apis(app)
        return server.install(app)

    def extra_apis(self, app):
        """Register test-only APIs on the app (before the plugin's)."""

    # -- one way to talk to the app ------------------------------------------

    def call(self, method: str, path: str, token: ty.Optional[str] = None,
             status: int = http.client.OK, body=None, headers=None,
             **kwargs):
        """One request to the app: ``body`` as JSON, ``token`` as
        X-Auth-Token, the answer's status checked; ``kwargs`` go to the
        test client (data, content_type, query_string, ...)."""
        headers = dict(headers or {})
        if token:
            headers['X-Auth-Token'] = token
        if body is not None:
            kwargs['json'] = body
        with self.test_client() as c:
            return getattr(c, method)(path, headers=headers,
                                      expected_status_code=status, **kwargs)

    def token_for(self, user: dict, project_id: ty.Optional[str] = None,
                  domain_id: ty.Optional[str] = None) -> str:
        """A password token of a user made with unit.create_user (which
        leaves its password in the dict), scoped as asked."""
        return self.get_requested_token(self.build_authentication_request(
            user_id=user['id'], password=user['password'],
            project_id=project_id, domain_id=domain_id))

    def admin_token(self) -> str:
        """A project-scoped token of the sample admin user."""
        return self.get_scoped_token()

    def member_token(self) -> str:
        """A project-scoped token of a new user with the member role."""
        providers = provider_api.ProviderAPIs
        user = unit.create_user(providers.identity_api,
                                domain_id=self.domain_id)
        role = self._role('member')
        providers.assignment_api.add_role_to_user_and_project(
            user['id'], self.project_id, role['id'])
        return self.token_for(user, project_id=self.project_id)

    def _role(self, name):
        roles = provider_api.ProviderAPIs.role_api
        for role in roles.list_roles():
            if role['name'] == name:
                return role
        ref = unit.new_role_ref(name=name)
        return roles.create_role(ref['id'], ref)
