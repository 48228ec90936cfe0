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
"""Verifying tokens of a real OpenID provider (discovery, JWKS, JWTs)."""

from oslo_config import fixture as config_fixture
import pytest

from keystone_ng_plugin.common import jose
import keystone_ng_plugin.conf
from keystone_ng_plugin.federation import metadata
from keystone_ng_plugin.federation import records


@pytest.fixture
def idp(oidc_provider):
    conf = config_fixture.Config(keystone_ng_plugin.conf.CONF)
    conf.setUp()
    conf.config(group='ng_federation', allow_insecure_loopback=True)
    metadata.forget()
    yield records.IdentityProvider(
        id='peer', bound_issuer=oidc_provider.issuer,
        oidc_discovery_url=oidc_provider.discovery_url)
    metadata.forget()
    conf.cleanUp()


def test_discovery_of_a_real_provider(idp, oidc_provider):
    document = metadata.discovery(idp)
    assert document['issuer'] == oidc_provider.issuer
    assert 'S256' in document['code_challenge_methods_supported']
    assert len(metadata.signing_keys(idp)) >= 2


def test_workload_jwt_verifies_with_audience(idp, oidc_provider):
    token = oidc_provider.client_credentials()
    verified = metadata.verify_token(idp, token, ['keystone'])
    assert verified.claims['sub'] == 'workload-1'
    assert verified.claims['workload'] == 'workload-1'
    assert verified.header['alg'] == 'RS256'
    with pytest.raises(jose.InvalidJWT):
        metadata.verify_token(idp, token, ['another-service'])


def test_wrong_issuer_binding_refused(idp, oidc_provider):
    token = oidc_provider.client_credentials()
    with pytest.raises(metadata.MetadataError):
        metadata.verify_token(idp.replace(bound_issuer='https://elsewhere'),
                              token, ['keystone'])
