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
"""Property tests: whatever a client sends as WebAuthn client data,
authenticator data or attestation object (CBOR), or as the JSON around
them, parsing and verification raise nothing but their own error types
(MalformedCredential, py_webauthn's Invalid*Response), which the passkey
manager turns into a 400 or 401."""

import base64
import json

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import testtools
import webauthn
from webauthn.helpers import exceptions as wa_exceptions

from keystone_ng_plugin.passkey import credential_json
from keystone_ng_plugin_tests import softauthn

ORIGIN = 'http://localhost'
CHALLENGE = b'c' * 32
EXPECTED = (credential_json.MalformedCredential,
            wa_exceptions.InvalidRegistrationResponse,
            wa_exceptions.InvalidAuthenticationResponse)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.text(max_size=20), inner, max_size=4), max_leaves=20)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


_AUTHN = softauthn.SoftAuthenticator(origin=ORIGIN)
REGISTRATION = _AUTHN.create({'rp': {'id': 'localhost'},
                              'user': {'id': _b64(b'user-1')},
                              'challenge': _b64(CHALLENGE)})
ASSERTION = _AUTHN.get({'challenge': _b64(CHALLENGE), 'rpId': 'localhost'})
PUBLIC_KEY = webauthn.verify_registration_response(
    credential=credential_json.parse_registration(REGISTRATION).credential,
    expected_challenge=CHALLENGE, expected_rp_id='localhost',
    expected_origin=[ORIGIN]).credential_public_key


def register(body):
    parsed = credential_json.parse_registration(body)
    webauthn.verify_registration_response(
        credential=parsed.credential, expected_challenge=CHALLENGE,
        expected_rp_id='localhost', expected_origin=[ORIGIN])


def authenticate(body):
    parsed = credential_json.parse_authentication(body)
    webauthn.verify_authentication_response(
        credential=parsed.credential, expected_challenge=CHALLENGE,
        expected_rp_id='localhost', expected_origin=[ORIGIN],
        credential_public_key=PUBLIC_KEY, credential_current_sign_count=0)


def _with(body, field, value):
    body = dict(body, response=dict(body['response']))
    body['response'][field] = value
    return body


class WebAuthnParsingPropertiesTest(testtools.TestCase):

    def assert_only_expected(self, step, body):
        try:
            step(body)
        except EXPECTED:
            pass

    def test_the_untouched_ceremonies_verify(self):
        register(REGISTRATION)
        authenticate(ASSERTION)

    @settings(max_examples=300, deadline=None)
    @given(st.sampled_from(['clientDataJSON', 'attestationObject']),
           st.binary(max_size=400))
    def test_registration_bytes(self, field, data):
        self.assert_only_expected(register,
                                  _with(REGISTRATION, field, _b64(data)))

    @settings(max_examples=300, deadline=None)
    @given(st.sampled_from(['clientDataJSON', 'authenticatorData',
                            'signature', 'userHandle']),
           st.binary(max_size=400))
    def test_assertion_bytes(self, field, data):
        self.assert_only_expected(authenticate,
                                  _with(ASSERTION, field, _b64(data)))

    @settings(max_examples=200, deadline=None)
    @given(st.sampled_from(['clientDataJSON', 'authenticatorData',
                            'attestationObject']), JSON)
    def test_client_data_as_any_json(self, field, document):
        data = json.dumps(document).encode()
        self.assert_only_expected(register,
                                  _with(REGISTRATION, field, _b64(data)))
        self.assert_only_expected(authenticate,
                                  _with(ASSERTION, field, _b64(data)))

    @settings(max_examples=300, deadline=None)
    @given(JSON)
    def test_any_json_as_the_credential(self, document):
        for step in (register, authenticate):
            self.assert_only_expected(step, document)
            if isinstance(document, dict):
                self.assert_only_expected(
                    step, dict(ASSERTION, response=document))
