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
"""The device authorization grant (RFC 8628) on the real server, on each
database, with a real device client: keystoneauth's OidcDeviceAuthorization
(the code the ``openstack`` CLI's ``v3oidcdeviceauthz`` runs: discovery,
PKCE S256, polling at the interval), the device page answered on another
node, and concurrent redemptions of one device code."""

import concurrent.futures
import uuid

from keystoneauth1 import exceptions as ka_exceptions
from keystoneauth1.identity.v3 import oidc
from keystoneauth1 import session as ka_session
import requests

from keystone_ng_plugin_tests.functional import conftest
from keystone_ng_plugin_tests.functional import test_oauth2_code_flow as cf

GRANT = 'urn:ietf:params:oauth:grant-type:device_code'


def _device_client(provider) -> str:
    r = requests.post(
        provider.dep.base_url + '/v4/oauth2/default/clients', timeout=30,
        headers=provider.headers, json={'oauth2_client': {
            'provider_id': 'tv-' + uuid.uuid4().hex[:8], 'name': 'Test CLI',
            'confidential': False, 'token_endpoint_auth_method': 'none',
            'grant_types': ['device_code', 'refresh_token'],
            'allowed_scopes': ['openid', 'profile']}})
    assert r.status_code == 201, r.text
    return r.json()['oauth2_client']['client_id']


def _keystoneauth(provider, client_id):
    return oidc.OidcDeviceAuthorization(
        auth_url=provider.dep.base_url + '/v3', identity_provider='unused',
        protocol='openid', client_id=client_id, scope='openid profile',
        discovery_endpoint=provider.issuer +
        '/.well-known/openid-configuration', code_challenge_method='S256')


def _payload(plugin, session) -> dict:
    """The device authorization request, and the poll's form as
    keystoneauth's get_unscoped_auth_ref makes it."""
    return dict(plugin.get_payload(session), grant_type=plugin.grant_type)


def _answer(node_url, user_code, provider, decision='allow'):
    """The user, on the device page of ``node_url``."""
    browser = cf.Browser()
    page = browser.get(node_url + '/v4/oauth2/default/device',
                       params={'user_code': user_code})
    assert page.status_code == 200, page.text
    login = browser.submit(node_url, page, 'device-form',
                           user_code=user_code)
    assert login.status_code == 200 and 'password-form' in login.text
    consent = browser.submit(node_url, login, 'password-form',
                             username=provider.user['name'],
                             password=provider.password)
    assert consent.status_code == 200 and user_code in consent.text
    done = browser.submit(node_url, consent, 'consent-form',
                          decision=decision)
    assert done.status_code == 200, done.text
    return done


def test_keystoneauth_device_login_answered_on_another_node(
        keystone, admin_token, tmp_path):
    provider = cf.Provider(keystone, admin_token)
    client_id = _device_client(provider)
    plugin = _keystoneauth(provider, client_id)
    session = ka_session.Session()
    payload = _payload(plugin, session)
    assert plugin.verification_uri == provider.issuer + '/device'
    assert 'code_verifier' in payload
    with concurrent.futures.ThreadPoolExecutor(1) as pool, \
            conftest.second_node(keystone, tmp_path) as node_b:
        # keystoneauth polls node A (authorization_pending, at the
        # interval: it would fail on slow_down) while the user answers
        # on node B
        polled = pool.submit(plugin._get_access_token, session,
                             dict(payload))
        _answer(node_b.base_url, plugin.user_code, provider)
        access_token = polled.result(timeout=60)
    info = requests.get(provider.issuer + '/userinfo', timeout=30,
                        headers={'Authorization': 'Bearer ' + access_token})
    assert info.status_code == 200, info.text
    assert info.json()['preferred_username'] == provider.user['name']
    claims = provider.decode(access_token)
    assert (claims['sub'], claims['client_id']) == (provider.user['id'],
                                                    client_id)


def test_keystoneauth_device_login_denied(keystone, admin_token):
    provider = cf.Provider(keystone, admin_token)
    plugin = _keystoneauth(provider, _device_client(provider))
    session = ka_session.Session()
    payload = _payload(plugin, session)
    _answer(keystone.base_url, plugin.user_code, provider, decision='deny')
    try:
        plugin._get_access_token(session, payload)
    except ka_exceptions.BadRequest as refused:
        assert refused.response.json()['error'] == 'access_denied'
    else:
        raise AssertionError('a denied device got a token')


def test_concurrent_redemptions_of_one_device_code(keystone, admin_token):
    provider = cf.Provider(keystone, admin_token)
    client_id = _device_client(provider)
    started = requests.post(
        provider.issuer + '/device_authorization', timeout=30,
        data={'client_id': client_id, 'scope': 'openid'}).json()
    _answer(keystone.base_url, started['user_code'], provider)

    def redeem(_n):
        return requests.post(provider.issuer + '/token', timeout=30, data={
            'grant_type': GRANT, 'client_id': client_id,
            'device_code': started['device_code']})

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(redeem, range(6)))
    issued = [a for a in answers if a.status_code == 200]
    assert len(issued) == 1, [a.text for a in answers]
    assert all(a.json()['error'] == 'invalid_grant' for a in answers
               if a.status_code != 200)
    # the replays revoke what was issued, however they raced it
    body = issued[0].json()
    assert requests.get(provider.issuer + '/userinfo', timeout=30, headers={
        'Authorization': 'Bearer ' + body['access_token']}).status_code == 401
    refreshed = requests.post(provider.issuer + '/token', timeout=30, data={
        'grant_type': 'refresh_token', 'client_id': client_id,
        'refresh_token': body['refresh_token']})
    assert refreshed.json()['error'] == 'invalid_grant', refreshed.text
