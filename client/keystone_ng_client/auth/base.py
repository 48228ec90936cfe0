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
"""What the three v4 login plugins share: keystone's root, the v3 scope,
the token out of a v4 login, and errors worded for a terminal."""

import abc

from keystoneauth1 import access
from keystoneauth1 import exceptions
from keystoneauth1.identity import base

from keystone_ng_client import endpoint
from keystone_ng_client import errors


class V4Plugin(base.BaseIdentityPlugin, metaclass=abc.ABCMeta):
    """A keystone token from a v4 login, re-done whenever it expires
    (keystoneauth asks again when the token is about to expire or a call
    answers 401)."""

    #: The plugin's name in error messages (its --os-auth-type).
    name = 'v4'

    def __init__(self, auth_url, project_id=None, project_name=None,
                 project_domain_id=None, project_domain_name=None,
                 domain_id=None, domain_name=None, system_scope=None,
                 trust_id=None, reauthenticate=True):
        super().__init__(auth_url=auth_url, reauthenticate=reauthenticate)
        if trust_id:
            raise exceptions.OptionError(
                '%s cannot log in with a trust' % self.name)
        self.project_id = project_id
        self.project_name = project_name
        self.project_domain_id = project_domain_id
        self.project_domain_name = project_domain_name
        self.domain_id = domain_id
        self.domain_name = domain_name
        self.system_scope = system_scope

    def v4_url(self, path: str) -> str:
        return endpoint.v4(self.auth_url, path)

    @property
    def scope(self) -> dict | None:
        """The v3 scope object the options ask for, or None (unscoped or
        whatever the login gives)."""
        if self.project_id or self.project_name:
            project = ({'id': self.project_id} if self.project_id
                       else {'name': self.project_name})
            if not self.project_id:
                project['domain'] = (
                    {'id': self.project_domain_id}
                    if self.project_domain_id
                    else {'name': self.project_domain_name})
            return {'project': project}
        if self.domain_id or self.domain_name:
            return {'domain': {'id': self.domain_id} if self.domain_id
                    else {'name': self.domain_name}}
        if self.system_scope:
            return {'system': {self.system_scope: True}}
        return None

    @abc.abstractmethod
    def login(self, session) -> 'access.AccessInfo':
        """Log in once; raises LoginError or keystoneauth's HttpError."""

    def get_auth_ref(self, session, **kwargs):
        try:
            return self.login(session)
        except exceptions.HttpError as exc:
            raise errors.LoginError('%s login failed: %s' % (
                self.name, errors.server_message(exc)))
        except exceptions.ConnectionError as exc:
            raise errors.LoginError('%s login failed: %s' % (self.name, exc))

    # Helpers for the plugins.
    def post(self, session, path, **kwargs):
        """An unauthenticated POST to keystone's v4 API."""
        kwargs.setdefault('headers', {}).setdefault(
            'Accept', 'application/json')
        return session.post(self.v4_url(path), authenticated=False,
                            log=False, **kwargs)

    @staticmethod
    def token_of(resp) -> 'access.AccessInfo':
        return access.create(resp=resp)

    def rescope(self, session, auth_ref) -> 'access.AccessInfo':
        """keystone's token method: the scope asked for, if the login
        gave another one (v4jwt: the mapping decides the first scope)."""
        scope = self.scope
        if scope is None or _has_scope(auth_ref, scope):
            return auth_ref
        body = {'auth': {'identity': {'methods': ['token'], 'token': {
            'id': auth_ref.auth_token}}, 'scope': scope}}
        resp = session.post(endpoint.root(self.auth_url) + '/v3/auth/tokens',
                            json=body, authenticated=False, log=False)
        return self.token_of(resp)


def _has_scope(auth_ref, scope) -> bool:
    if 'project' in scope:
        wanted = scope['project']
        return bool(auth_ref.project_id) and (
            wanted.get('id') == auth_ref.project_id or
            wanted.get('name') == auth_ref.project_name)
    if 'domain' in scope:
        wanted = scope['domain']
        return bool(auth_ref.domain_id) and (
            wanted.get('id') == auth_ref.domain_id or
            wanted.get('name') == auth_ref.domain_name)
    return bool(auth_ref.system_scoped)
