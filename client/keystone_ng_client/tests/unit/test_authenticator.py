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
"""python-fido2 for a terminal: the device, the origin a key signs for,
the PIN, and python-fido2 driving the software CTAP2 stand-in."""

import base64
import hashlib
import json
import os

from fido2 import client as fido2_client
from fido2 import cose
from fido2 import webauthn
import pytest

from keystone_ng_client import authenticator
from keystone_ng_client import errors
from keystone_ng_client.tests import softctap

ORIGIN = 'https://cloud.example'


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


def test_a_pin_is_asked_for_only_on_a_terminal():
    error = authenticator._refused(fido2_client.PinRequiredError())
    assert 'needs its PIN' in str(error)
