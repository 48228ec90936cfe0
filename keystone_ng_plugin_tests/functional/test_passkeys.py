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
"""Passkeys end to end: real server, real Chromium authenticator, per DB."""

import base64
import json
import time
from unittest import mock

import requests
import sqlalchemy as sa

from keystone_ng_plugin.common import ceremony
from keystone_ng_plugin.common import settings
from keystone_ng_plugin.passkey import core as passkey_core
from keystone_ng_plugin_tests.functional import conftest

RECEIPT = 'Openstack-Auth-Receipt'


class Client:
    """Plain HTTP calls to the passkey API of one keystone."""

    def __init__(self, dep):
        self.dep = dep

    def post(self, path, body, token=None, headers=None, status=None):
        headers = dict(headers or {})
        if token:
            headers['X-Auth-Token'] = token
        r = requests.post(self.dep.base_url + path, json=body,
                          headers=headers, timeout=30)
        if status is not None:
            assert r.status_code == status, r.text
        return r

    def register(self, page, user, token, description=None):
        base = '/v4/users/%s/passkeys' % user['id']
        options = self.post(base + '/register_start',
                            {'passkey': {'description': description}},
                            token, status=201).json()['public_key']
        credential = page.create(options)
        return self.post(base + '/register_finish', credential, token,
                         status=201).json()['passkey']

    def start(self, body=None):
        return self.post('/v4/auth/passkey/start', {'passkey': body or {}},
                         status=201).json()['public_key']

    def finish(self, assertion, status=201, query='', headers=None):
        return self.post('/v4/auth/passkey/finish' + query, assertion,
                         headers=headers, status=status)


def _expired_challenge(dep, user_id):
    engine = sa.create_engine(dep.database_url)
    try:
        with engine.connect() as conn:
            key = conn.execute(sa.text(
                'SELECT value FROM ng_generated_setting WHERE name = :n'),
                {'n': ceremony.SEAL_KEY_SETTING}).scalar_one()
    finally:
        engine.dispose()
    with mock.patch.object(settings, 'get_or_create', return_value=key), \
            mock.patch.object(ceremony, '_clock',
                              return_value=time.time() - 600):
        return ceremony.seal(passkey_core.LOGIN,
                             {'mode': passkey_core.MODE_USER, 'scope': None},
                             ttl=300,
                             subject=user_id)


def _token(dep, user):
    return conftest.password_token(dep, user=user['name'],
                                   password=user['password'])


def test_register_list_and_every_kind_of_login(keystone, admin,
                                               passkey_page):
    client = Client(keystone)
    user = admin.create_user()
    token = _token(keystone, user)
    passkey = client.register(passkey_page, user, token, 'browser')
    assert passkey['description'] == 'browser'
    assert passkey['user_verified'] is True
    assert passkey['transports'] == ['internal']

    listed = requests.get(
        keystone.base_url + '/v4/users/%s/passkeys' % user['id'],
        headers={'X-Auth-Token': token}, timeout=30).json()['passkeys']
    assert [p['id'] for p in listed] == [passkey['id']]

    # By user ID: an unscoped token of that user.
    r = client.finish(passkey_page.get(client.start({'user_id': user['id']})))
    assert r.json()['token']['user']['id'] == user['id']
    assert r.json()['token']['methods'] == ['passkey']
    assert 'project' not in r.json()['token']

    # By name and domain.
    options = client.start({'user': {'name': user['name'],
                                     'domain': {'name': 'Default'}}})
    assert [c['id'] for c in options['allowCredentials']] == [
        passkey['credential_id']]
    client.finish(passkey_page.get(options))

    # Usernameless: the browser picks the resident credential.
    r = client.finish(passkey_page.get(client.start()))
    assert r.json()['token']['user']['id'] == user['id']

    # Scoped, with catalog: the token a CLI would use.
    scope = {'project': {'id': admin.project_id}}
    r = client.finish(passkey_page.get(client.start({
        'user_id': user['id'], 'scope': scope})))
    body = r.json()['token']
    assert body['project']['id'] == admin.project_id
    assert 'member' in [role['name'] for role in body['roles']]
    assert body['catalog']
    validated = admin.get('/auth/tokens', headers={
        'X-Subject-Token': r.headers['X-Subject-Token']}).json()['token']
    assert validated['methods'] == ['passkey']

    # Deleted: the credential no longer logs in.
    admin.request('DELETE', '/v4/users/%s/passkeys/%s' % (
        user['id'], passkey['id']), status=204)
    client.finish(passkey_page.get(client.start()), status=401)


def test_mfa_password_then_passkey_with_receipt(keystone, admin,
                                                passkey_page):
    client = Client(keystone)
    user = admin.create_user()
    client.register(passkey_page, user, _token(keystone, user))
    admin.request('PATCH', '/users/%s' % user['id'], status=200, json={
        'user': {'options': {
            'multi_factor_auth_rules': [['password', 'passkey']],
            'multi_factor_auth_enabled': True}}})
    password = {'methods': ['password'], 'password': {'user': {
        'id': user['id'], 'password': user['password']}}}
    r = client.post('/v3/auth/tokens', {'auth': {'identity': password}},
                    status=401)
    receipt = {RECEIPT: r.headers[RECEIPT]}
    payload = {'user': {'id': user['id']}}
    r = client.post('/v3/auth/tokens', {'auth': {'identity': {
        'methods': ['passkey'], 'passkey': payload}}}, headers=receipt,
        status=401)
    options = r.json()['error']['identity']['passkey']['public_key']
    payload['credential'] = passkey_page.get(options)
    r = client.post('/v3/auth/tokens', {'auth': {
        'identity': {'methods': ['passkey'], 'passkey': payload},
        'scope': {'project': {'id': admin.project_id}}}},
        headers=receipt, status=201)
    assert sorted(r.json()['token']['methods']) == ['passkey', 'password']


def test_attacks_are_refused(keystone, admin, passkey_page):
    client = Client(keystone)
    user = admin.create_user()
    token = _token(keystone, user)
    client.register(passkey_page, user, token)

    # Replay of a good assertion.
    assertion = passkey_page.get(client.start({'user_id': user['id']}))
    client.finish(assertion)
    client.finish(assertion, status=401)

    # Origin the server does not accept (client data rewritten: the
    # signature then fails too, but the origin check comes first).
    assertion = passkey_page.get(client.start({'user_id': user['id']}))
    data = json.loads(_unb64(assertion['response']['clientDataJSON']))
    data['origin'] = 'https://evil.example'
    assertion['response']['clientDataJSON'] = _b64(json.dumps(data).encode())
    client.finish(assertion, status=401)

    # Malformed requests are 400 and leave the challenge usable.
    good = passkey_page.get(client.start({'user_id': user['id']}))
    broken = json.loads(json.dumps(good))
    broken['response']['authenticatorData'] = '%%%'
    client.finish(broken, status=400)
    client.finish({'id': good['id']}, status=400)
    client.finish(good)

    # Expired challenge: sealed as the server seals them, with the
    # deployment's key (from its database), issued 10 minutes ago.
    options = client.start({'user_id': user['id']})
    options['challenge'] = _expired_challenge(keystone, user['id'])
    client.finish(passkey_page.get(options), status=401)

    # User verification is required: the authenticator skips it and the
    # page asks for "discouraged" (a tampered page); the server refuses.
    passkey_page.set_user_verified(False)
    options = client.start({'user_id': user['id']})
    options['userVerification'] = 'discouraged'
    client.finish(passkey_page.get(options), status=401)
    passkey_page.set_user_verified(True)

    # A cloned authenticator: the same key with a stale sign count.
    client.finish(passkey_page.get(client.start({'user_id': user['id']})))
    credential = passkey_page.credentials()[0]
    assert credential['signCount'] >= 2
    credential['signCount'] = 1
    passkey_page.put_credential(credential)
    client.finish(passkey_page.get(client.start({'user_id': user['id']})),
                  status=401)

    # A disabled user cannot log in.
    credential['signCount'] = 1000
    passkey_page.put_credential(credential)
    options = client.start({'user_id': user['id']})
    admin.request('PATCH', '/users/%s' % user['id'], status=200,
                  json={'user': {'enabled': False}})
    client.finish(passkey_page.get(options), status=401)


def test_challenge_and_credential_of_another_user(keystone, admin,
                                                  passkey_page):
    client = Client(keystone)
    alice, bob = admin.create_user(), admin.create_user()
    client.register(passkey_page, alice, _token(keystone, alice))
    bob_key = client.register(passkey_page, bob, _token(keystone, bob))
    # Bob's authenticator answers a challenge issued for Alice.
    options = client.start({'user_id': alice['id']})
    options['allowCredentials'] = [{'id': bob_key['credential_id'],
                                    'type': 'public-key'}]
    client.finish(passkey_page.get(options), status=401)
    # Bob's assertion presented as Alice's (user_id of the Rust API).
    assertion = passkey_page.get(client.start({'user_id': bob['id']}))
    assertion['user_id'] = alice['id']
    client.finish(assertion, status=401)
    # Unknown users get decoys that never work.
    decoy = client.start({'user_id': 'f' * 32})
    assert decoy['allowCredentials']
    passkey_page.clear_credentials()


def test_any_node_finishes_what_another_started(keystone, admin,
                                                passkey_page, tmp_path):
    client = Client(keystone)
    user = admin.create_user()
    client.register(passkey_page, user, _token(keystone, user))
    with conftest.second_node(keystone, tmp_path) as node_b:
        options = client.start({'user_id': user['id']})
        r = Client(node_b).finish(passkey_page.get(options))
        assert r.json()['token']['user']['id'] == user['id']
        # Node A cannot accept the same answer again.
        options = Client(node_b).start({'user_id': user['id']})
        assertion = passkey_page.get(options)
        client.finish(assertion)
        Client(node_b).finish(assertion, status=401)


def test_self_service_page_click_through(keystone, admin, passkey_page):
    page = passkey_page.page
    user = admin.create_user()
    page.on('dialog', lambda dialog: dialog.accept(
        'renamed' if dialog.type == 'prompt' else None))
    # Sign in with the password.
    page.fill('#password-login input[name=username]', user['name'])
    page.fill('#password-login input[name=password]', user['password'])
    page.click('#password-login-button')
    page.wait_for_selector('#session:not([hidden])')
    assert user['name'] in page.text_content('#token-user')
    assert page.text_content('#token-methods') == 'password'
    # Add a passkey.
    page.fill('#register input[name=description]', 'my laptop')
    page.click('#register-button')
    page.wait_for_selector('#passkeys tbody tr')
    assert 'my laptop' in page.text_content('#passkeys tbody')
    # Rename it.
    page.click('#passkeys tbody tr button.rename')
    # (The page's CSP forbids eval: wait with selectors, not functions.)
    page.wait_for_selector('#passkeys tbody tr:has-text("renamed")')
    # Sign out, then sign in with the passkey and no user name.
    page.click('#signout')
    page.fill('#passkey-login input[name=project]', 'admin')
    page.click('#passkey-login-button')
    page.wait_for_selector('#session:not([hidden])')
    assert page.text_content('#token-methods') == 'passkey'
    assert 'project admin' in page.text_content('#token-scope')
    assert page.text_content('#token-expires')
    # Delete the passkey from the page.
    page.click('#passkeys tbody tr button.delete')
    page.wait_for_selector('#passkeys tbody tr', state='detached')


def test_page_security_headers(keystone):
    r = requests.get(keystone.passkey_page, timeout=30)
    assert r.status_code == 200
    csp = r.headers['Content-Security-Policy']
    assert "script-src 'self'" in csp and 'unsafe-inline' not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers['X-Content-Type-Options'] == 'nosniff'
    assert '<script src=' in r.text and '<script>' not in r.text
    js = requests.get(keystone.passkey_page + '/app.js', timeout=30)
    assert js.headers['Content-Type'].startswith('text/javascript')


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def _unb64(value):
    return base64.urlsafe_b64decode(value + '=' * (-len(value) % 4))
