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
"""v4jwt's JWT sources, and what it refuses before any call."""

import base64
import json
import time

import pytest

from keystone_ng_client.auth import jwt
from keystone_ng_client.auth import k8s
from keystone_ng_client import errors


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def _jwt(claims):
    return 'e30.%s.sig' % _b64(json.dumps(claims).encode())


def test_jwt_sources_and_expiry(tmp_path, monkeypatch):
    path = tmp_path / 'token'
    plugin = jwt.Jwt('http://h/v3', 'ci', jwt_file=str(path))
    with pytest.raises(errors.LoginError, match='cannot read'):
        plugin.jwt()
    path.write_text(_jwt({'exp': time.time() + 60}) + '\n')
    value, source = plugin.jwt()
    assert source == str(path) and not value.endswith('\n')
    path.write_text(_jwt({'exp': 1}))
    with pytest.raises(errors.LoginError, match='expired at 1970'):
        plugin.login(session=None)
    path.write_text('not a jwt')
    with pytest.raises(errors.LoginError, match='does not hold a JWT'):
        plugin.login(session=None)
    monkeypatch.setenv('CI_JWT', '')
    with pytest.raises(errors.LoginError, match=r'\$CI_JWT is empty'):
        jwt.Jwt('http://h/v3', 'ci', jwt_env='CI_JWT').jwt()
    monkeypatch.delenv(jwt.GITHUB_URL, raising=False)
    with pytest.raises(errors.LoginError, match='needs jwt_file'):
        jwt.Jwt('http://h/v3', 'ci').jwt()


def test_v4k8s_reads_its_file_at_every_login(tmp_path):
    path = tmp_path / 'token'
    plugin = k8s.Kubernetes('http://h/v3', 'i1', 'deployer',
                            jwt_file=str(path))
    with pytest.raises(errors.LoginError, match='v4k8s: cannot read'):
        plugin.login(session=None)
    path.write_text(_jwt({'exp': 1}))
    with pytest.raises(errors.LoginError, match='v4k8s: .* expired'):
        plugin.login(session=None)
