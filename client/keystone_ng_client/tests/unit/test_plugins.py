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
"""The client's parts that need no server: keystone's root from an auth
URL, the origin a key signs for, the JWT sources, the loopback listener,
and python-fido2 driving the software CTAP2 stand-in."""

import base64
import hashlib
import json
import os
import threading
import time
import urllib.request

from fido2 import cose
from fido2 import webauthn
from keystoneauth1 import loading
import pytest

from keystone_ng_client.auth import jwt
from keystone_ng_client.auth import oidc
from keystone_ng_client import authenticator
from keystone_ng_client import endpoint
from keystone_ng_client import errors
from keystone_ng_client.tests import softctap

ORIGIN = 'https://cloud.example'


@pytest.mark.parametrize('url, root', [
    ('http://h:5000/v3', 'http://h:5000'),
    ('http://h:5000/v3/', 'http://h:5000'),
    ('https://h/identity/v3', 'https://h/identity'),
    ('https://h/identity', 'https://h/identity'),
    ('http://h:5000/v2.0?x=1', 'http://h:5000'),
])
def test_root(url, root):
    assert endpoint.root(url) == root
    assert endpoint.v4(url, '/auth') == root + '/v4/auth'


def test_plugins_load_from_options_without_a_trust():
    names = {n: loading.get_plugin_loader(n) for n in
             ('v4passkey', 'v4jwt', 'v4oidc')}
    for loader in names.values():
        assert 'trust_id' not in [o.dest for o in loader.get_options()]
        assert 'project_name' in [o.dest for o in loader.get_options()]
    # What the environment holds for other logins is no error.
    auth = names['v4jwt'].load_from_options(
        auth_url='http://h/v3', identity_provider='ci', jwt_file='/x',
        project_name='p', project_domain_id='default',
        user_domain_id='default', password='for another login')
    assert auth.scope == {'project': {'name': 'p',
                                      'domain': {'id': 'default'}}}


def test_origin_is_keystones_own_and_valid_for_the_rp():
    assert authenticator.pick_origin(
        'cloud.example', ['https://evil.example', ORIGIN],
        'https://keystone.cloud.example:5000/v3') == ORIGIN
    with pytest.raises(errors.LoginError, match='not part of'):
        authenticator.pick_origin('bank.example', ['https://bank.example'],
                                  'https://evil.example/v3')
    with pytest.raises(errors.LoginError, match='none of the origins'):
        authenticator.pick_origin('cloud.example', ['http://cloud.example'],
                                  'https://cloud.example/v3')
    assert authenticator.pick_origin(
        'cloud.example', [], 'https://elsewhere/v3',
        override=ORIGIN + '/') == ORIGIN


def test_no_authenticator_is_a_clear_error(monkeypatch):
    monkeypatch.delenv(softctap.ENV, raising=False)
    with pytest.raises(authenticator.NoAuthenticator,
                       match='No FIDO2 authenticator found'):
        authenticator.open_device(
            'keystone_ng_client.tests.softctap:device')
    with pytest.raises(errors.LoginError, match='must be usb, pcsc'):
        authenticator.open_device('bluetooth')
    with pytest.raises(errors.LoginError, match='no_such_module'):
        authenticator.open_device('no_such_module:device')


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def _unb64(value):
    return base64.urlsafe_b64decode(value + '=' * (-len(value) % 4))


def test_python_fido2_registers_and_signs_with_the_stand_in(tmp_path):
    """The stand-in answers python-fido2's client as a CTAP2 key does:
    the registration's public key verifies the assertion's signature and
    the counter moves."""
    device = softctap.SoftCtap2Device(str(tmp_path / 'key.json'))
    creation = {
        'rp': {'id': 'cloud.example', 'name': 'Cloud'},
        'user': {'id': _b64(b'user-1'), 'name': 'alice',
                 'displayName': 'Alice'},
        'challenge': _b64(os.urandom(32)),
        'pubKeyCredParams': [{'type': 'public-key', 'alg': -7}],
        'authenticatorSelection': {'residentKey': 'required',
                                   'userVerification': 'required'}}
    registration = authenticator.make_credential(device, ORIGIN, creation)
    attestation = webauthn.AttestationObject(
        _unb64(registration['response']['attestationObject']))
    data = attestation.auth_data
    assert data.flags & data.FLAG.UV and data.flags & data.FLAG.AT
    assert bytes(data.credential_data.aaguid) == softctap.AAGUID
    public_key = data.credential_data.public_key
    assert isinstance(public_key, cose.ES256)

    for expected_count in (1, 2):
        challenge = os.urandom(32)
        assertion = authenticator.get_assertion(device, ORIGIN, {
            'challenge': _b64(challenge), 'rpId': 'cloud.example',
            'userVerification': 'required'})
        response = assertion['response']
        client_data = json.loads(_unb64(response['clientDataJSON']))
        assert client_data['origin'] == ORIGIN
        assert client_data['challenge'] == _b64(challenge)
        auth_data = _unb64(response['authenticatorData'])
        assert webauthn.AuthenticatorData(auth_data).counter == \
            expected_count
        assert _unb64(response['userHandle']) == b'user-1'
        public_key.verify(
            auth_data + hashlib.sha256(
                _unb64(response['clientDataJSON'])).digest(),
            _unb64(response['signature']))
    assert softctap.credential_count(device.path) == 1
    with pytest.raises(errors.LoginError, match='refused'):
        authenticator.get_assertion(device, ORIGIN, {
            'challenge': _b64(b'x' * 32), 'rpId': 'other.example'})


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


def test_loopback_listener_only_and_state_checked():
    for uri in ('http://example.com:8790/cb', 'https://127.0.0.1:8790/cb',
                'http://127.0.0.1/cb'):
        with pytest.raises(errors.LoginError, match='loopback'):
            oidc._loopback(uri)
    plugin = oidc.Oidc('http://h/v3', 'idp', login_timeout=5)
    listener = oidc._Listener('127.0.0.1', 0, '/callback')
    port = listener.server_address[1]

    def browser():
        url = 'http://127.0.0.1:%d/callback?state=s1&code=c&extra=x' % port
        urllib.request.urlopen(url, timeout=5).read()
    thread = threading.Thread(target=browser)
    thread.start()
    try:
        assert plugin._wait(listener, 's1') == {'state': 's1', 'code': 'c'}
    finally:
        thread.join()
        listener.server_close()
    listener = oidc._Listener('127.0.0.1', 0, '/callback')
    listener.result = {'state': 'other', 'code': 'c'}
    with pytest.raises(errors.LoginError, match='state mismatch'):
        plugin._wait(listener, 's1')
    listener.server_close()


def test_every_command_builds_its_parser():
    """Each `openstack ng` entry point loads, has a help line, and parses
    its own --help-free minimum (what the reference and the CLI show)."""
    from importlib import metadata
    from unittest import mock
    commands = [ep for ep in metadata.entry_points(
        group='openstack.identity_ng.v1')]
    assert len(commands) == 33
    for ep in commands:
        assert ep.name.startswith('ng_')
        cls = ep.load()
        assert (cls.__doc__ or '').strip(), ep.name
        parser = cls(mock.Mock(), None).get_parser(
            'openstack ' + ep.name.replace('_', ' '))
        assert parser.format_help()


def test_a_name_is_one_path_segment():
    from keystone_ng_client.osc.v1 import common
    assert common.seg('../v3/users?x=1#y') == '..%2Fv3%2Fusers%3Fx%3D1%23y'


def test_a_pin_is_asked_for_only_on_a_terminal():
    from fido2 import client as fido2_client
    error = authenticator._refused(fido2_client.PinRequiredError())
    assert 'needs its PIN' in str(error)
