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
"""Keystone-to-Keystone over OpenID Connect, on each database: keystone B
(the plugin, a database of its own) federates to keystone A's OpenID
provider through the plugin's native OIDC login (code flow, PKCE,
discovery, JWKS). A user of A signs in at A's pages in headless Chromium
and gets a token on B, mapped into B's groups by the ``groups`` claim:
through B's v4 OIDC login, and through keystone's WebSSO on B (Horizon's
path)."""

import sys
import urllib.parse
import uuid

import pytest
import requests

from keystone_ng_plugin.server import deployment
from keystone_ng_plugin_tests.functional import conftest
from keystone_ng_plugin_tests.functional import test_v3_bearer

APP = 'http://127.0.0.1:8794/k2k-callback'
DASHBOARD = 'http://localhost:9991/auth/websso/'


@pytest.fixture
def keystone_b(keystone, request):
    """Keystone B: its own database (of the same backend) and process,
    doing keystone's WebSSO for protocol openid."""
    config = dict(test_v3_bearer.NODE_CONFIG, federation={
        'trusted_dashboard': DASHBOARD,
        'sso_callback_template':
            sys.prefix + '/etc/keystone/sso_callback_template.html'})
    with conftest.fresh_deployment(keystone.backend, request.session,
                                   port=deployment.free_port(),
                                   **config) as dep:
        yield dep


def _provider_a(keystone, admin, keystone_b):
    """A's provider: keys, a user in a group, and B as a client."""
    issuer = keystone.base_url + '/v4/oauth2/default'
    if requests.get(issuer + '/jwks', timeout=30).status_code == 404:
        keystone.manage('oauth2_key_rotate', '--domain', 'default',
                        tool='keystone-ng-manage')
    group = admin.request('POST', '/groups', status=201, json={'group': {
        'name': 'k2k-%s' % uuid.uuid4().hex[:8],
        'domain_id': 'default'}}).json()['group']
    user = admin.create_user()
    admin.request('PUT', '/groups/%s/users/%s' % (group['id'], user['id']),
                  status=204)
    body = admin.request('POST', '/v4/oauth2/default/clients', status=201,
                         json={'oauth2_client': {
                             'provider_id': 'k2k-' + uuid.uuid4().hex[:8],
                             'name': 'Keystone B', 'confidential': True,
                             'grant_types': ['authorization_code'],
                             'redirect_uris': [
                                 APP, keystone_b.base_url +
                                 '/v4/federation/websso/callback'],
                             'allowed_scopes': ['openid', 'profile',
                                                'groups']}}).json()
    return issuer, group, user, body


def _federate_b(admin_b, issuer, group_name, client):
    """B: A as an identity provider (the plugin's, and keystone's v3
    protocol on it for WebSSO), a group of A's group's name with member
    on a project."""
    domain = admin_b.request('POST', '/domains', status=201, json={
        'domain': {'name': 'from-a-%s' % uuid.uuid4().hex[:6]}}
    ).json()['domain']
    project = admin_b.request('POST', '/projects', status=201, json={
        'project': {'name': 'k2k', 'domain_id': domain['id']}}
    ).json()['project']
    group = admin_b.request('POST', '/groups', status=201, json={'group': {
        'name': group_name, 'domain_id': domain['id']}}).json()['group']
    admin_b.request('PUT', '/projects/%s/groups/%s/roles/%s' % (
        project['id'], group['id'], admin_b.role_id('member')), status=204)
    idp = admin_b.request('POST', '/v4/federation/identity_providers',
                          status=201, json={'identity_provider': {
                              'name': 'keystone-a',
                              'domain_id': domain['id'],
                              'oidc_discovery_url': issuer +
                              '/.well-known/openid-configuration',
                              'bound_issuer': issuer,
                              'oidc_client_id':
                                  client['oauth2_client']['client_id'],
                              'oidc_client_secret': client['client_secret'],
                              'oidc_scopes': ['openid', 'profile', 'groups'],
                              'allowed_redirect_uris': [APP],
                              'default_mapping_name': 'default'}}
                          ).json()['identity_provider']
    admin_b.request('POST', '/v4/federation/mappings', status=201, json={
        'mapping': {'name': 'default', 'idp_id': idp['id'],
                    'user_id_claim': 'sub',
                    'user_name_claim': 'preferred_username',
                    'groups_claim': 'groups'}})
    admin_b.request('PUT', '/OS-FEDERATION/mappings/k2k', status=201,
                    json={'mapping': {'rules': [{
                        'local': [{'user': {'name': '{0}'}},
                                  {'groups': '{1}',
                                   'domain': {'id': domain['id']}}],
                        'remote': [{'type': 'OIDC-preferred_username'},
                                   {'type': 'OIDC-groups'}]}]}})
    admin_b.request('PUT', '/OS-FEDERATION/identity_providers/%s/protocols/'
                    'openid' % idp['id'], status=201,
                    json={'protocol': {'mapping_id': 'k2k'}})
    return idp, project, group


def test_keystone_to_keystone_over_oidc(keystone, admin, keystone_b,
                                        browser):
    issuer, group_a, user, client = _provider_a(keystone, admin, keystone_b)
    admin_b = conftest.Admin(keystone_b)
    idp, project, group_b = _federate_b(admin_b, issuer, group_a['name'],
                                        client)
    context = browser.browser.new_context()
    back, posted = [], []
    try:
        page = context.new_page()

        def app(route):
            back.append(route.request.url)
            route.fulfill(status=200, content_type='text/html',
                          body='<p id="back">signed in</p>')

        def dashboard(route):
            posted.append(route.request.post_data or '')
            route.fulfill(status=200, content_type='text/html',
                          body='<p id="done">Authentication complete</p>')

        page.route(APP + '*', app)
        page.route(DASHBOARD + '*', dashboard)
        # 1. B's v4 OIDC login, project scoped: A's sign-in and consent
        start = requests.post(
            keystone_b.base_url + '/v4/federation/identity_providers/%s/'
            'auth' % idp['id'], timeout=30, json={
                'redirect_uri': APP,
                'scope': {'project': {'id': project['id']}}})
        assert start.status_code == 200, start.text
        auth_url = start.json()['auth_url']
        assert auth_url.startswith(issuer + '/authorize?')
        assert 'code_challenge_method=S256' in auth_url
        page.goto(auth_url)
        page.fill('#username', user['name'])
        page.fill('#password', user['password'])
        page.click('#sign-in')
        page.wait_for_selector('#consent-form')
        assert 'Keystone B' in page.text_content('main')
        page.click('#allow')
        page.wait_for_selector('#back')
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
            back[0]).query))
        r = requests.post(keystone_b.base_url + '/v4/federation/oidc/'
                          'callback', json=params, timeout=60)
        assert r.status_code == 200, r.text
        token = r.json()['token']
        assert token['user']['name'] == user['name']
        assert token['project']['id'] == project['id']
        assert 'member' in {role['name'] for role in token['roles']}
        # 2. keystone's WebSSO on B: A's session, the consent remembered
        page.goto(keystone_b.auth_url + '/auth/OS-FEDERATION/identity_'
                  'providers/%s/protocols/openid/websso?origin=%s' % (
                      idp['id'], urllib.parse.quote(DASHBOARD, safe='')))
        page.wait_for_selector('#done', timeout=30000)
    finally:
        context.close()
    form = dict(urllib.parse.parse_qsl(posted[0]))
    r = requests.get(keystone_b.auth_url + '/auth/tokens', timeout=30,
                     headers={'X-Auth-Token': admin_b.token,
                              'X-Subject-Token': form['token']})
    assert r.status_code == 200, r.text
    token = r.json()['token']
    assert token['user']['name'] == user['name']
    assert token['methods'] == ['openid']
    assert [g['id'] for g in token['user']['OS-FEDERATION']['groups']] == [
        group_b['id']]
