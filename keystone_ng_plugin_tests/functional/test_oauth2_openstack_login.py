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
"""Keystone's own OpenID provider as the identity provider of the unchanged
``openstack`` CLI (python-openstackclient and keystoneauth from PyPI), on
each database:

* ``v3oidcdeviceauthz`` pointed at keystone's own discovery URL, the device
  page answered in headless Chromium with a **passkey** (CDP virtual
  authenticator): ``token issue`` and ``project list`` work, project
  scoped, as the same local user (no shadow user);
* ``v3oidcclientcredentials`` with a client bound to a service account: the
  account's restricted token, whose restriction holds (a write its real
  roles allow is refused);
* ``v3oidcauthcode`` with a confidential client whose ``require_pkce`` is
  off (keystoneauth sends no verifier).

``keystone-ng-manage oauth2_openstack_login`` makes keystone's v3 identity
provider, mapping and protocol, run against the node's configuration.
"""

import json
import os
import secrets
import subprocess
import sys
import urllib.parse
import uuid

import pytest
import requests

from keystone_ng_plugin_tests.functional import conftest
from keystone_ng_plugin_tests.functional import test_oauth2_code_flow as cf
from keystone_ng_plugin_tests.functional import test_passkeys
from keystone_ng_plugin_tests.functional import test_v3_bearer

IDP = 'oauth2-default'
REDIRECT = 'http://127.0.0.1:8793/cli-callback'


@pytest.fixture
def os_node(keystone, tmp_path):
    """A node with keystone's openid method and the plugin's bearer
    support, behind the public endpoint browsers use for passkeys (so the
    provider's issuer is the same on both nodes); the v3 objects made by
    the command, run with this node's configuration."""
    issuer = keystone.passkey_origins[0] + '/v4/oauth2/default'
    config = dict(test_v3_bearer.NODE_CONFIG, DEFAULT={
        'public_endpoint': keystone.passkey_origins[0],
        'notification_opt_out': ''})
    _keys(keystone)
    with conftest.second_node(keystone, tmp_path, **config) as node:
        out = node.manage('oauth2_openstack_login', '--domain', 'default',
                          tool='keystone-ng-manage')
        assert IDP in out and issuer in out, out
        node.issuer = issuer
        yield node


def _keys(keystone):
    """The default domain's provider has keys (a rotation is cheap but
    makes a new next key: only when there are none)."""
    url = keystone.base_url + '/v4/oauth2/default/jwks'
    if requests.get(url, timeout=30).status_code == 404:
        keystone.manage('oauth2_key_rotate', '--domain', 'default',
                        tool='keystone-ng-manage')


def _cli(node, *args, **kwargs):
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env['PYTHONWARNINGS'] = 'ignore'
    return [os.path.join(os.path.dirname(sys.executable), 'openstack'),
            '--os-auth-url', node.auth_url, '--os-identity-api-version', '3',
            '--os-identity-provider', IDP, '--os-protocol', 'openid',
            '--os-discovery-endpoint',
            node.issuer + '/.well-known/openid-configuration', *args], env


def _run(node, *args):
    command, env = _cli(node, *args)
    return subprocess.run(command, capture_output=True, text=True, env=env,
                          timeout=180)


def _client(admin, **ref):
    body = admin.request('POST', '/v4/oauth2/default/clients', status=201,
                         json={'oauth2_client': dict(
                             ref, provider_id='os-' + uuid.uuid4().hex[:8])}
                         ).json()
    return body['oauth2_client']['client_id'], body.get('client_secret')


def _service_account(admin):
    return admin.request('POST', '/v4/service_accounts', status=201,
                         json={'service_account': {
                             'name': 'ci-' + uuid.uuid4().hex[:8],
                             'domain_id': 'default'}}
                         ).json()['service_account']


def _project_with(admin, user_id, *roles):
    project = admin.request('POST', '/projects', status=201, json={
        'project': {'name': 'os-login-' + uuid.uuid4().hex[:8],
                    'domain_id': 'default'}}).json()['project']
    for role in roles:
        admin.request('PUT', '/projects/%s/users/%s/roles/%s' % (
            project['id'], user_id, admin.role_id(role)), status=204)
    return project


def _device_login(node, page, args, first=True):
    """One ``openstack`` command with v3oidcdeviceauthz: the device page
    answered in Chromium (a passkey the first time, then the browser's
    session; a device's request always asks to confirm)."""
    command, env = _cli(node, '--os-auth-type', 'v3oidcdeviceauthz', *args)
    cli = subprocess.Popen(command, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=env)
    try:
        url = test_v3_bearer.verification_url(cli)
        assert url.startswith(node.issuer + '/device?'), url
        page.goto(url)
        page.click('#continue')
        if first:
            page.wait_for_selector('#passkey-sign-in')
            page.click('#passkey-sign-in')
        page.wait_for_selector('#consent-form')
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)[
            'user_code'][0]
        assert page.text_content('#user-code') == code
        page.click('#allow')
        page.wait_for_selector('text=is signed in')
        out, err = cli.communicate(timeout=120)
        assert cli.returncode == 0, err
        return json.loads(out)
    finally:
        if cli.poll() is None:
            cli.kill()


def test_cli_device_login_with_a_passkey_as_the_local_user(
        keystone, admin, passkey_page, os_node):
    user = admin.create_user()
    project = _project_with(admin, user['id'], 'member')
    users_before = len(admin.get('/users', status=200).json()['users'])
    page = passkey_page.page
    page.goto(keystone.passkey_page)
    test_passkeys.Client(keystone).register(
        passkey_page, user, test_passkeys._token(keystone, user))
    passkey_page.context.clear_cookies()
    client_id, _ = _client(admin, name='OpenStack CLI', confidential=False,
                           token_endpoint_auth_method='none',
                           grant_types=['device_code'],
                           allowed_scopes=['openid', 'openstack'])
    args = ['--os-client-id', client_id, '--os-code-challenge-method',
            'S256', '--os-openid-scope', 'openid openstack',
            '--os-project-name', project['name'],
            '--os-project-domain-name', 'Default']
    token = _device_login(os_node, page, args + ['token', 'issue', '-f',
                                                 'json'])
    assert (token['user_id'], token['project_id']) == (user['id'],
                                                       project['id'])
    listed = _device_login(os_node, page, args + [
        'project', 'list', '--my-projects', '-f', 'json'], first=False)
    # the user's own projects: this one and the one admin.create_user gave
    assert project['id'] in [p['ID'] for p in listed]
    assert admin.project_id in [p['ID'] for p in listed]
    # the same local user: no shadow copy was made
    assert len(admin.get('/users', status=200).json()['users']) == \
        users_before


def test_cli_client_credentials_give_the_restricted_token(
        keystone, admin, os_node):
    account = _service_account(admin)
    # its real roles would let it create projects; the restriction leaves
    # reader
    project = _project_with(admin, account['id'], 'admin', 'reader')
    restriction = admin.request(
        'POST', '/v4/tokens/restrictions', status=201, json={
            'restriction': {'domain_id': 'default',
                            'project_id': project['id'],
                            'roles': [{'id': admin.role_id('reader')}]}}
    ).json()['restriction']
    client_id, secret = _client(
        admin, confidential=True, grant_types=['client_credentials'],
        allowed_scopes=['openstack'], service_account_id=account['id'],
        token_restriction_id=restriction['id'])
    # no project named: the token is the restriction's project's (with
    # one, keystoneauth renews the token, which needs allow_renew)
    args = ['--os-auth-type', 'v3oidcclientcredentials', '--os-client-id',
            client_id, '--os-client-secret=' + secret, '--os-openid-scope',
            'openstack']
    r = _run(os_node, *args, 'token', 'issue', '-f', 'json')
    assert r.returncode == 0, r.stderr
    token = json.loads(r.stdout)
    assert (token['user_id'], token['project_id']) == (account['id'],
                                                       project['id'])
    validated = admin.get('/auth/tokens', status=200, headers={
        'X-Subject-Token': token['id']}).json()['token']
    assert 'restricted' in validated['methods']
    assert [r['name'] for r in validated['roles']] == ['reader']
    # the restriction holds: a write its real roles allow is refused
    r = _run(os_node, *args, 'project', 'create', '--domain', 'default',
             'grown-' + uuid.uuid4().hex[:6])
    assert r.returncode != 0 and '403' in r.stderr, r.stderr
    assert 'Traceback' not in r.stderr


def test_cli_auth_code_without_pkce_for_a_confidential_client(
        keystone, admin, os_node):
    user = admin.create_user()
    project = _project_with(admin, user['id'], 'member')
    client_id, secret = _client(
        admin, confidential=True, require_pkce=False,
        grant_types=['authorization_code'], redirect_uris=[REDIRECT],
        allowed_scopes=['openid', 'openstack'])
    # the user signs in; keystoneauth gets the code, as v3oidcauthcode
    # expects, and redeems it without a verifier
    state = secrets.token_urlsafe(8)
    url = os_node.issuer + '/authorize?' + urllib.parse.urlencode({
        'response_type': 'code', 'client_id': client_id,
        'redirect_uri': REDIRECT, 'scope': 'openid openstack',
        'state': state})
    browser = cf.Browser()
    login = browser.get(url)
    assert login.status_code == 200, login.text
    origin = keystone.passkey_origins[0]
    consent = browser.submit(origin, login, 'password-form',
                             username=user['name'],
                             password=user['password'])
    done = browser.submit(origin, consent, 'consent-form', decision='allow')
    assert done.status_code == 303, done.text
    answer = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        done.headers['Location']).query))
    assert answer['state'] == state
    r = _run(os_node, '--os-auth-type', 'v3oidcauthcode', '--os-client-id',
             client_id, '--os-client-secret=' + secret, '--os-redirect-uri',
             REDIRECT, '--os-code', answer['code'], '--os-openid-scope',
             'openid openstack', '--os-project-id', project['id'], 'token',
             'issue', '-f', 'json')
    assert r.returncode == 0, r.stderr
    token = json.loads(r.stdout)
    assert (token['user_id'], token['project_id']) == (user['id'],
                                                       project['id'])


def test_an_access_token_without_the_scope_openstack_is_refused(
        keystone, admin, os_node):
    account = _service_account(admin)
    client_id, secret = _client(
        admin, confidential=True, grant_types=['client_credentials'],
        allowed_scopes=['openstack:api'], service_account_id=account['id'])
    r = _run(os_node, '--os-auth-type', 'v3oidcclientcredentials',
             '--os-client-id', client_id, '--os-client-secret=' + secret,
             '--os-openid-scope', 'openstack:api', 'token', 'issue', '-f',
             'json')
    assert r.returncode != 0 and '401' in r.stderr, r.stderr
    assert 'Traceback' not in r.stderr
