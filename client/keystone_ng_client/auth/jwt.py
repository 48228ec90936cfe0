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
"""v4jwt: a keystone token for a JWT from the platform a job runs on.

The JWT comes from a file (read again at every login: Kubernetes rotates
projected tokens), from an environment variable, or from GitHub Actions'
OIDC token request endpoint (ACTIONS_ID_TOKEN_REQUEST_URL and
ACTIONS_ID_TOKEN_REQUEST_TOKEN), and goes to
/v4/federation/identity_providers/{id}/jwt with the mapping named. The
mapping decides the token's scope; a scope asked for here is then reached
with keystone's token method."""

import base64
import binascii
import datetime
import json
import os
import time

import requests

from keystone_ng_client.auth import base
from keystone_ng_client import endpoint
from keystone_ng_client import errors

GITHUB_URL = 'ACTIONS_ID_TOKEN_REQUEST_URL'
GITHUB_TOKEN = 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'
MAX_JWT = 64 * 1024


def claims(jwt: str, source: str, name: str = 'v4jwt') -> dict:
    """The payload of jwt, unverified (keystone verifies): only to
    tell an expired or broken JWT before sending it."""
    try:
        if jwt.count('.') != 2:
            raise ValueError('not three dot-separated parts')
        payload = jwt.split('.')[1]
        data = json.loads(base64.urlsafe_b64decode(
            payload + '=' * (-len(payload) % 4)))
        if not isinstance(data, dict):
            raise ValueError('not an object')
        return data
    except (IndexError, ValueError, binascii.Error) as exc:
        raise errors.LoginError('%s: %s does not hold a JWT (%s)'
                                % (name, source, exc))


class Jwt(base.V4Plugin):
    name = 'v4jwt'

    def __init__(self, auth_url, identity_provider, mapping_name=None,
                 jwt_file=None, jwt_env=None, jwt_audience=None, **kwargs):
        super().__init__(auth_url, **kwargs)
        self.identity_provider = identity_provider
        self.mapping_name = mapping_name
        self.jwt_file = jwt_file
        self.jwt_env = jwt_env
        self.jwt_audience = jwt_audience

    def _from_github(self) -> str:
        url = os.environ[GITHUB_URL]
        audience = self.jwt_audience or endpoint.root(self.auth_url)
        try:
            resp = requests.get(
                url, params={'audience': audience}, timeout=30,
                allow_redirects=False, headers={
                    'Authorization': 'bearer ' +
                    os.environ.get(GITHUB_TOKEN, ''),
                    'Accept': 'application/json'})
            resp.raise_for_status()
            return resp.json()['value']
        except (requests.RequestException, ValueError, KeyError,
                TypeError) as exc:
            raise errors.LoginError(
                'v4jwt: GitHub Actions gave no OIDC token (%s); does the '
                'job have "permissions: id-token: write"?' % exc)

    def jwt(self) -> tuple[str, str]:
        """The JWT and where it came from."""
        if self.jwt_file:
            source = self.jwt_file
            try:
                with open(self.jwt_file) as f:
                    value = f.read(MAX_JWT + 1)
            except OSError as exc:
                raise errors.LoginError('%s: cannot read %s: %s' % (
                    self.name, self.jwt_file, exc.strerror))
        elif self.jwt_env:
            source = '$' + self.jwt_env
            value = os.environ.get(self.jwt_env, '')
            if not value:
                raise errors.LoginError('%s: %s is empty' % (self.name,
                                                             source))
        elif os.environ.get(GITHUB_URL):
            source, value = 'GitHub Actions', self._from_github()
        else:
            raise errors.LoginError(
                'v4jwt needs jwt_file, jwt_env, or a GitHub Actions job '
                'with id-token permission')
        value = value.strip()
        if len(value) > MAX_JWT:
            raise errors.LoginError('%s: %s is too large for a JWT'
                                    % (self.name, source))
        return value, source

    def current_jwt(self) -> str:
        """The JWT, refused here when it already expired."""
        jwt, source = self.jwt()
        exp = claims(jwt, source, self.name).get('exp')
        if isinstance(exp, (int, float)) and exp < time.time():
            raise errors.LoginError(
                '%s: the JWT from %s expired at %s' % (
                    self.name, source, datetime.datetime.fromtimestamp(
                        exp, datetime.timezone.utc).isoformat()))
        return jwt

    def login(self, session):
        jwt = self.current_jwt()
        headers = {'Authorization': 'Bearer ' + jwt}
        if self.mapping_name:
            headers['openstack-mapping-name'] = self.mapping_name
        resp = self.post(session, '/federation/identity_providers/%s/jwt'
                         % self.identity_provider, headers=headers)
        return self.rescope(session, self.token_of(resp))
