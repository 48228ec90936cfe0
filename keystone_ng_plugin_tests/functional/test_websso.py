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
"""WebSSO without Apache, in headless chromium, against oidc-provider.

keystone's own WebSSO route sends the browser to the provider's login form;
the provider sends it back to keystone, which answers keystone's
sso_callback_template: a form that posts the token to the trusted
dashboard (here a page the test intercepts, as Horizon would receive it).
"""

import json
import os
import subprocess
import sys
import urllib.parse
import uuid

import pytest
import requests

from keystone_ng_plugin.server import deployment
from keystone_ng_plugin_tests.functional import conftest
from keystone_ng_plugin_tests.functional import oidc_provider as ng_oidc
from keystone_ng_plugin_tests.functional import test_v3_bearer

DASHBOARD = 'http://localhost:9990/auth/websso/'


@pytest.fixture
def sso(keystone, admin, tmp_path):
    """A node doing WebSSO for protocol openid, its own oidc-provider
    (redirecting to that node), the plugin IdP and keystone's v3 protocol
    and mapping on it."""
    port = deployment.free_port()
    callback = 'http://127.0.0.1:%d/v4/federation/websso/callback' % port
    provider = ng_oidc.OIDCProvider(deployment.free_port(),
                                    redirect_uris=[callback])
    config = dict(test_v3_bearer.NODE_CONFIG)
    config['federation'] = {
        'trusted_dashboard': DASHBOARD,
        'sso_callback_template':
            sys.prefix + '/etc/keystone/sso_callback_template.html'}
    idp = admin.request('POST', '/v4/federation/identity_providers',
                        status=201, json={'identity_provider': {
                            'name': 'sso-%s' % uuid.uuid4().hex[:6],
                            'domain_id': 'default',
                            'oidc_discovery_url': provider.discovery_url,
                            'bound_issuer': provider.issuer,
                            'oidc_client_id': 'keystone',
                            'oidc_client_secret': 'keystone-secret',
                            'oidc_scopes': ['openid', 'profile']}}
                        ).json()['identity_provider']
    group = admin.request('POST', '/groups', status=201, json={'group': {
        'name': 'sso-%s' % idp['id'], 'domain_id': 'default'}}
    ).json()['group']
    project = admin.request('POST', '/projects', status=201, json={
        'project': {'name': 'sso-%s' % idp['id'], 'domain_id': 'default'}}
    ).json()['project']
    admin.request('PUT', '/projects/%s/groups/%s/roles/%s' % (
        project['id'], group['id'], admin.role_id('member')), status=204)
    idp['test_project'] = project
    admin.request('PUT', '/OS-FEDERATION/mappings/sso-' + idp['id'],
                  status=201, json={'mapping': {'rules': [{
                      'local': [{'user': {'name': '{0}'}},
                                {'group': {'id': group['id']}}],
                      'remote': [{'type': 'OIDC-preferred_username'}]}]}})
    admin.request('PUT', '/OS-FEDERATION/identity_providers/%s/protocols/'
                  'openid' % idp['id'], status=201,
                  json={'protocol': {'mapping_id': 'sso-' + idp['id']}})
    state = tmp_path / 'sso'
    state.mkdir()
    node = None
    try:
        with conftest.second_node(keystone, state, port=port,
                                  **config) as node:
            yield node, idp
    finally:
        admin.request('DELETE', '/v4/federation/identity_providers/' +
                      idp['id'], status=204)
        admin.request('DELETE', '/OS-FEDERATION/mappings/sso-' + idp['id'])
        provider.stop()


def _websso_url(node, idp_id, origin=DASHBOARD):
    return (node.auth_url + '/auth/OS-FEDERATION/identity_providers/%s/'
            'protocols/openid/websso?origin=%s' % (
                idp_id, urllib.parse.quote(origin, safe='')))


def test_websso_in_a_browser(sso, admin, browser):
    node, idp = sso
    context = browser.browser.new_context()
    posted = []
    try:
        page = context.new_page()

        def dashboard(route):
            posted.append(route.request.post_data or '')
            route.fulfill(status=200, content_type='text/html',
                          body='<p id="done">Authentication complete</p>')

        page.route(DASHBOARD + '*', dashboard)
        page.goto(_websso_url(node, idp['id']))
        page.fill('input[name=username]', 'alice')
        page.fill('input[name=password]', 'alice-pass')
        page.click('#login')
        page.wait_for_selector('#done', timeout=30000)
    finally:
        context.close()
    form = dict(urllib.parse.parse_qsl(posted[0]))
    # validated on the node that issued it ([auth] methods, which encode
    # the token's methods, differ between the test's nodes)
    r = requests.get(node.auth_url + '/auth/tokens', headers={
        'X-Auth-Token': admin.token, 'X-Subject-Token': form['token']},
        timeout=30)
    assert r.status_code == 200, r.text
    token = r.json()['token']
    assert token['user']['name'] == 'alice'
    assert token['user']['OS-FEDERATION']['protocol']['id'] == 'openid'
    assert token['methods'] == ['openid']


def test_websso_refusals(sso):
    node, idp = sso
    # an origin that is not a trusted dashboard: no trip to the IdP
    r = requests.get(_websso_url(node, idp['id'],
                                 'https://evil.example/auth/websso/'),
                     allow_redirects=False, timeout=30)
    assert r.status_code == 401, r.text
    r = requests.get(node.auth_url + '/auth/OS-FEDERATION/identity_'
                     'providers/%s/protocols/openid/websso' % idp['id'],
                     allow_redirects=False, timeout=30)
    assert r.status_code == 400, r.text
    # the protocol-agnostic route finds the one IdP with the protocol
    r = requests.get(node.auth_url + '/auth/OS-FEDERATION/websso/openid',
                     params={'origin': DASHBOARD}, allow_redirects=False,
                     timeout=30)
    assert r.status_code == 302, r.text
    # a good start redirects to the provider with PKCE and a state...
    r = requests.get(_websso_url(node, idp['id']), allow_redirects=False,
                     timeout=30)
    assert r.status_code == 302, r.text
    query = dict(urllib.parse.parse_qsl(
        urllib.parse.urlsplit(r.headers['Location']).query))
    assert query['code_challenge_method'] == 'S256'
    # ... which works once: an unknown or reused state gets no token
    callback = node.base_url + '/v4/federation/websso/callback'
    for state in ('made-up', query['state'], query['state']):
        r = requests.get(callback, params={'state': state, 'code': 'x'},
                         timeout=30)
        assert r.status_code == 401, r.text
        assert 'token' not in r.text.lower() or 'Unauthorized' in r.text


def test_openstack_cli_v3websso(sso, admin, browser):
    """keystoneauth's v3websso plugin, unchanged, with headless chromium
    as $BROWSER: it listens on localhost:9990 for keystone's form post."""
    node, idp = sso
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env.update({'PYTHONWARNINGS': 'ignore',
                'BROWSER': '%s -m keystone_ng_plugin_tests.functional.'
                           'websso_browser %%s' % sys.executable})
    r = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'openstack'),
         '--os-auth-url', node.auth_url, '--os-identity-api-version', '3',
         '--os-auth-type', 'v3websso', '--os-identity-provider', idp['id'],
         '--os-protocol', 'openid', '--os-redirect-port', '9990',
         '--os-project-name', idp['test_project']['name'],
         '--os-project-domain-name', 'Default',
         'token', 'issue', '-f', 'json'],
        capture_output=True, text=True, env=env, timeout=180)
    assert r.returncode == 0, r.stderr
    token = json.loads(r.stdout)
    assert token['project_id'] == idp['test_project']['id']
    shown = requests.get(node.auth_url + '/auth/tokens', headers={
        'X-Auth-Token': admin.token, 'X-Subject-Token': token['id']},
        timeout=30)
    assert shown.status_code == 200, shown.text
    assert shown.json()['token']['user']['name'] == 'alice'
