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
"""Existing OpenStack clients log in with OIDC bearer tokens, no Apache.

A keystone node configured with ``[ng_federation] v3_oidc_protocols =
openid`` (and keystone's own v3 federation objects: IdP, mapping, protocol)
serves keystoneauth's OIDC plugins through the unchanged ``openstack``
CLI, against the real npm oidc-provider.
"""

import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import uuid

import pytest
import requests

from keystone_ng_plugin.server import deployment
from keystone_ng_plugin_tests.functional import conftest
from keystone_ng_plugin_tests.functional import issuer as ng_issuer

NODE_CONFIG = {
    'auth': {'methods': ','.join(deployment.KEYSTONE_AUTH_METHODS +
                                 deployment.PLUGIN_AUTH_METHODS +
                                 ['openid']),
             'token': 'ngrestricted'},
    'openid': {'remote_id_attribute': 'OIDC-iss'},
    'ng_federation': dict(conftest.TEST_CONFIG['ng_federation'],
                          v3_oidc_protocols='openid',
                          v3_bearer_audiences='keystone'),
}


def _v3_federation(admin, issuer_url, suffix, idp_id=None):
    """keystone's own v3 objects: IdP (remote ID = issuer) unless given, a
    group with member on a project, a mapping OIDC-sub -> user + group,
    protocol openid."""
    if idp_id is None:
        idp_id = 'v3-%s-%s' % (suffix, uuid.uuid4().hex[:6])
        admin.request('PUT', '/OS-FEDERATION/identity_providers/' + idp_id,
                      status=201, json={'identity_provider': {
                          'remote_ids': [issuer_url], 'enabled': True}})
    project = admin.request('POST', '/projects', status=201, json={
        'project': {'name': 'fed-%s' % idp_id,
                    'domain_id': 'default'}}).json()['project']
    group = admin.request('POST', '/groups', status=201, json={
        'group': {'name': 'fed-%s' % idp_id,
                  'domain_id': 'default'}}).json()['group']
    admin.request('PUT', '/projects/%s/groups/%s/roles/%s' % (
        project['id'], group['id'], admin.role_id('member')), status=204)
    admin.request('PUT', '/OS-FEDERATION/mappings/m-' + idp_id, status=201,
                  json={'mapping': {'rules': [{
                      'local': [{'user': {'name': '{0}'}},
                                {'group': {'id': group['id']}}],
                      'remote': [{'type': 'OIDC-sub'}]}]}})
    admin.request('PUT', '/OS-FEDERATION/identity_providers/%s/protocols/'
                  'openid' % idp_id, status=201,
                  json={'protocol': {'mapping_id': 'm-' + idp_id}})
    return idp_id, project


def _cleanup(admin, idp_id):
    admin.request('DELETE', '/OS-FEDERATION/identity_providers/' + idp_id)
    admin.request('DELETE', '/OS-FEDERATION/mappings/m-' + idp_id)


def _openstack(node, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env['PYTHONWARNINGS'] = 'ignore'
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'openstack'),
         '--os-auth-url', node.auth_url, '--os-identity-api-version', '3',
         *args, '-f', 'json'],
        capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def node(keystone, tmp_path):
    with conftest.second_node(keystone, tmp_path, **NODE_CONFIG) as n:
        yield n


def test_openstack_cli_oidc_plugins(keystone, admin, oidc_provider, node):
    idp_id, project = _v3_federation(admin, oidc_provider.issuer, 'cli')
    common = ['--os-identity-provider', idp_id, '--os-protocol', 'openid',
              '--os-project-name', project['name'],
              '--os-project-domain-name', 'Default']
    try:
        r = _openstack(node, '--os-auth-type', 'v3oidcclientcredentials',
                       '--os-discovery-endpoint',
                       oidc_provider.discovery_url,
                       '--os-client-id', 'workload-1',
                       '--os-client-secret', 'workload-secret',
                       '--os-openid-scope', 'keystone:project-x', *common,
                       'token', 'issue')
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)['project_id'] == project['id']
        access_token = oidc_provider.client_credentials()
        r = _openstack(node, '--os-auth-type', 'v3oidcaccesstoken',
                       '--os-access-token', access_token, *common,
                       'token', 'issue')
        assert r.returncode == 0, r.stderr
        token = json.loads(r.stdout)
        assert token['project_id'] == project['id']
        # keystone's own shadow user of the IdP's subject
        user = admin.get('/users/' + token['user_id'], status=200).json()[
            'user']
        assert user['name'] == 'workload-1'
        # The plugin's v4 objects are not needed; keystone's v3 route
        # without a bearer is keystone's as before (no REMOTE_USER: 401).
        r = requests.post(node.auth_url + '/OS-FEDERATION/identity_providers/'
                          '%s/protocols/openid/auth' % idp_id, timeout=30)
        assert r.status_code == 401
    finally:
        _cleanup(admin, idp_id)


def test_bearer_attacks(keystone, admin, oidc_provider, node):
    stand_in = ng_issuer.Issuer(client_id='keystone')
    real_idp, _ = _v3_federation(admin, oidc_provider.issuer, 'real')
    fake_idp, _ = _v3_federation(admin, stand_in.issuer, 'fake')
    try:
        def post(idp_id, bearer):
            r = requests.post(
                node.auth_url + '/OS-FEDERATION/identity_providers/%s/'
                'protocols/openid/auth' % idp_id,
                headers={'Authorization': 'Bearer ' + bearer}, timeout=30)
            return r

        now = int(time.time())

        def claims(**changes):
            c = {'iss': stand_in.issuer, 'aud': 'keystone', 'sub': 'mallory',
                 'iat': now, 'exp': now + 300}
            c.update(changes)
            return {k: v for k, v in c.items() if v is not None}

        # the stand-in's honest token works on its own IdP...
        r = post(fake_idp, stand_in.signed(claims()))
        assert r.status_code == 201, r.text
        # ... and everything else is refused without a token
        attacks = {
            'another audience': (fake_idp, stand_in.signed(
                claims(aud='other'))),
            'expired': (fake_idp, stand_in.signed(
                claims(iat=now - 7200, exp=now - 3600))),
            'unknown key': (fake_idp, stand_in.signed(
                claims(), key=stand_in.other_key, kid='nope')),
            'alg none': (fake_idp, stand_in.unsigned(claims())),
            'HS256': (fake_idp, stand_in.hs256_with_public_key(claims())),
            'issuer of another IdP': (real_idp, stand_in.signed(claims())),
            'opaque token, no client to introspect': (real_idp, 'opaque'),
        }
        for name, (idp_id, bearer) in attacks.items():
            r = post(idp_id, bearer)
            assert r.status_code == 401, '%s: %s' % (name, r.text)
            assert 'X-Subject-Token' not in r.headers
    finally:
        _cleanup(admin, real_idp)
        _cleanup(admin, fake_idp)
        stand_in.stop()


def verification_url(cli) -> str:
    """The URL (with the user code) a device-flow CLI prints."""
    for line in cli.stderr:
        found = re.search(r'(https?://\S+user_code=\S+)', line)
        if found:
            return found.group(1)
    raise AssertionError('the CLI printed no verification URL')


def _confirm_device(url, user='alice'):
    """What a person does with the device flow's URL: confirm the code,
    sign in at the provider (its own forms, followed with requests)."""
    session = requests.Session()
    r = session.get(url, timeout=30)
    for _ in range(15):
        if r.status_code in (301, 302, 303):
            r = session.get(urllib.parse.urljoin(r.url,
                                                 r.headers['Location']),
                            allow_redirects=False, timeout=30)
            continue
        forms = re.findall(r'<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>',
                           r.text, re.S)
        if not forms:
            return r
        action, inner = forms[0]
        fields = dict(re.findall(
            r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', inner))
        if 'username' in inner:
            fields.update(username=user, password=user + '-pass')
        r = session.post(urllib.parse.urljoin(r.url, action), data=fields,
                         allow_redirects=False, timeout=30)
    raise AssertionError('device flow did not finish: %s' % r.text[:500])


def test_openstack_cli_device_flow(keystone, admin, oidc_provider, node):
    idp_id, project = _v3_federation(admin, oidc_provider.issuer, 'dev')
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env['PYTHONWARNINGS'] = 'ignore'
    cli = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), 'openstack'),
         '--os-auth-url', node.auth_url, '--os-identity-api-version', '3',
         '--os-auth-type', 'v3oidcdeviceauthz',
         '--os-discovery-endpoint', oidc_provider.discovery_url,
         '--os-client-id', 'keystone', '--os-client-secret',
         'keystone-secret', '--os-code-challenge-method', 'S256',
         '--os-openid-scope', 'openid profile',
         '--os-identity-provider', idp_id, '--os-protocol', 'openid',
         '--os-project-name', project['name'],
         '--os-project-domain-name', 'Default', 'token', 'issue',
         '-f', 'json'],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        _confirm_device(verification_url(cli))
        out, err = cli.communicate(timeout=120)
        assert cli.returncode == 0, err
        token = json.loads(out)
        assert token['project_id'] == project['id']
        user = admin.get('/users/' + token['user_id'], status=200).json()[
            'user']
        assert user['name'] == 'alice'
    finally:
        if cli.poll() is None:
            cli.kill()
        _cleanup(admin, idp_id)


def test_openstack_cli_password_grant_with_introspection(
        keystone, admin, oidc_provider, node):
    """v3oidcpassword: the provider's access token is opaque, so keystone
    introspects it with the client of the plugin's IdP record."""
    idp = admin.request('POST', '/v4/federation/identity_providers',
                        status=201, json={'identity_provider': {
                            'name': 'pw-%s' % uuid.uuid4().hex[:6],
                            'domain_id': 'default',
                            'oidc_discovery_url': oidc_provider.discovery_url,
                            'bound_issuer': oidc_provider.issuer,
                            'oidc_client_id': 'keystone',
                            'oidc_client_secret': 'keystone-secret'}}
                        ).json()['identity_provider']
    _, project = _v3_federation(admin, oidc_provider.issuer, 'pw',
                                idp_id=idp['id'])
    try:
        r = _openstack(node, '--os-auth-type', 'v3oidcpassword',
                       '--os-discovery-endpoint',
                       oidc_provider.discovery_url,
                       '--os-client-id', 'keystone',
                       '--os-client-secret', 'keystone-secret',
                       '--os-username', 'alice',
                       '--os-password', 'alice-pass',
                       '--os-openid-scope', 'openid profile',
                       '--os-identity-provider', idp['id'],
                       '--os-protocol', 'openid',
                       '--os-project-name', project['name'],
                       '--os-project-domain-name', 'Default',
                       'token', 'issue')
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)['project_id'] == project['id']
        # a made-up opaque token is refused by introspection
        r = requests.post(
            node.auth_url + '/OS-FEDERATION/identity_providers/%s/'
            'protocols/openid/auth' % idp['id'],
            headers={'Authorization': 'Bearer made-up-token'}, timeout=30)
        assert r.status_code == 401, r.text
    finally:
        admin.request('DELETE', '/v4/federation/identity_providers/' +
                      idp['id'], status=204)
        admin.request('DELETE', '/OS-FEDERATION/mappings/m-' + idp['id'])
