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
"""Attacks on passkey ceremonies, each refused (software authenticator)."""

import http.client
import time
from unittest import mock
import uuid

import fixtures

from keystone.common import provider_api

from keystone_ng_plugin.common import ceremony
from keystone_ng_plugin.common import settings
from keystone_ng_plugin.common import sql
import keystone_ng_plugin.conf
from keystone_ng_plugin.passkey import core
from keystone_ng_plugin_tests import softauthn
from keystone_ng_plugin_tests.unit.passkey import base

CONF = keystone_ng_plugin.conf.CONF
PROVIDERS = provider_api.ProviderAPIs
UNAUTHORIZED = http.client.UNAUTHORIZED
BAD = http.client.BAD_REQUEST


class LoginAttackTest(base.PasskeyTestCase):

    def setUp(self):
        super().setUp()
        self.user = self.new_user()
        self.passkey = self.register(self.user)

    def _options(self, user=None):
        return self.login_start(
            {'user_id': (user or self.user)['id']}).json['public_key']

    def _finish(self, assertion, status=http.client.CREATED):
        return self.post('/v4/auth/passkey/finish', assertion,
                         status=status)

    def test_replayed_assertion_refused(self):
        assertion = self.authn.get(self._options())
        self._finish(assertion)
        self._finish(assertion, UNAUTHORIZED)

    def test_challenge_never_issued_refused(self):
        options = self._options()
        options['challenge'] = softauthn.b64url(b'x' * 32)
        self._finish(self.authn.get(options), UNAUTHORIZED)

    def test_expired_challenge_refused(self):
        options = self._options()
        later = time.time() + CONF.passkey.challenge_ttl
        with mock.patch.object(ceremony, '_clock', return_value=later):
            self._finish(self.authn.get(options), UNAUTHORIZED)
        # nothing was spent: it was refused before
        with sql.session_for_read() as session:
            self.assertEqual(0, session.query(ceremony.CeremonyState).filter(
                ceremony.CeremonyState.kind.like('%.spent')).count())

    def test_tampered_or_foreign_sealed_challenge_refused(self):
        options = self._options()
        raw = bytearray(softauthn.unb64url(options['challenge']))
        raw[-1] ^= 1
        forged = dict(options, challenge=softauthn.b64url(bytes(raw)))
        self._finish(self.authn.get(forged), UNAUTHORIZED)
        # sealed by another deployment (another key)
        settings.forget_cache()
        with mock.patch.object(settings, 'get_or_create',
                               return_value='00' * 32):
            foreign = ceremony.seal(core.LOGIN, {'mode': 'discoverable'},
                                    ttl=60)
        self._finish(self.authn.get(dict(options, challenge=foreign)),
                     UNAUTHORIZED)
        # a registration challenge is another kind (bound to the seal)
        other_kind = ceremony.seal(core.REGISTER, {'mode': 'discoverable'},
                                   ttl=60)
        self._finish(self.authn.get(dict(options, challenge=other_kind)),
                     UNAUTHORIZED)
        # the real one still works: refusals spent nothing
        self._finish(self.authn.get(options))

    def test_sealed_challenges_do_not_tell_decoys_apart(self):
        # whatever the scope's length (the client chooses it, and could
        # look for a padding boundary between a real user and a decoy)
        # (names have at most 64 characters: two of them span a block)
        for length in range(2, 129, 5):
            scope = {'project': {'name': 'p' * min(length - 1, 64),
                                 'domain': {'name': 'd' * max(
                                     1, length - 64)}}}
            real, decoy = [self.login_start({
                'user_id': who, 'scope': scope}).json['public_key']
                for who in (self.user['id'], uuid.uuid4().hex)]
            self.assertEqual(len(real['challenge']), len(decoy['challenge']),
                             length)

    def test_registration_challenge_cannot_log_in(self):
        token = self.token_of(self.user)
        start = self.post('/v4/users/%s/passkeys/register_start' %
                          self.user['id'], {}, token)
        options = {'challenge': start.json['public_key']['challenge'],
                   'allowCredentials': []}
        self._finish(self.authn.get(options), UNAUTHORIZED)

    def test_challenge_of_another_user_refused(self):
        other = self.new_user()
        other_authn = softauthn.SoftAuthenticator(origin=base.ORIGIN)
        self.register(other, authn=other_authn)
        # Other's authenticator answers a challenge issued for self.user.
        assertion = other_authn.get({'challenge': self._options()[
            'challenge'], 'rpId': 'localhost'})
        self._finish(assertion, UNAUTHORIZED)

    def test_credential_of_another_user_refused_with_user_id(self):
        other = self.new_user()
        assertion = self.authn.get(self.login_start({}).json['public_key'])
        assertion['user_id'] = other['id']
        self._finish(assertion, UNAUTHORIZED)

    def test_user_handle_must_match_credential(self):
        options = self.login_start({}).json['public_key']
        assertion = self.authn.get(options)
        assertion['response']['userHandle'] = softauthn.b64url(b'someone')
        self._finish(assertion, UNAUTHORIZED)

    def test_usernameless_without_user_handle_refused(self):
        assertion = self.authn.get(self.login_start({}).json['public_key'])
        del assertion['response']['userHandle']
        self._finish(assertion, UNAUTHORIZED)

    def test_wrong_origin_refused(self):
        assertion = self.authn.get(self._options(),
                                   origin='https://evil.example')
        self._finish(assertion, UNAUTHORIZED)

    def test_wrong_rp_id_refused(self):
        assertion = self.authn.get(self._options(), rp_id='evil.example')
        self._finish(assertion, UNAUTHORIZED)

    def test_user_verification_required_by_default(self):
        self._finish(self.authn.get(self._options(), uv=False),
                     UNAUTHORIZED)

    def test_user_verification_can_be_relaxed(self):
        self.config_fixture.config(group='passkey',
                                   user_verification='preferred')
        self._finish(self.authn.get(self._options(), uv=False))

    def test_sign_count_regression_refused_and_logged(self):
        log = self.useFixture(fixtures.FakeLogger(
            name='keystone_ng_plugin.passkey.core'))
        self._finish(self.authn.get(self._options(), sign_count=5))
        self._finish(self.authn.get(self._options(), sign_count=5),
                     UNAUTHORIZED)
        self._finish(self.authn.get(self._options(), sign_count=3),
                     UNAUTHORIZED)
        self.assertIn('possibly a cloned authenticator', log.output)
        self._finish(self.authn.get(self._options(), sign_count=6))

    def test_zero_counter_authenticators_work(self):
        authn = softauthn.SoftAuthenticator(origin=base.ORIGIN,
                                            counter_step=0)
        user = self.new_user()
        self.register(user, authn=authn)
        self.login(user, authn=authn)
        self.login(user, authn=authn)

    def test_forged_signature_refused(self):
        assertion = self.authn.get(self._options())
        sig = bytearray(softauthn.unb64url(assertion['response'][
            'signature']))
        sig[-1] ^= 1
        assertion['response']['signature'] = softauthn.b64url(bytes(sig))
        self._finish(assertion, UNAUTHORIZED)

    def test_disabled_user_refused(self):
        options = self._options()
        PROVIDERS.identity_api.update_user(self.user['id'],
                                           {'enabled': False})
        self._finish(self.authn.get(options), UNAUTHORIZED)

    def test_disabled_domain_refused(self):
        options = self._options()
        PROVIDERS.resource_api.update_domain(self.domain_id,
                                             {'enabled': False})
        self._finish(self.authn.get(options), UNAUTHORIZED)

    def test_deleted_passkey_refused(self):
        options = self._options()
        core.get_manager().delete_passkey(self.user['id'],
                                          self.passkey['id'])
        self._finish(self.authn.get(options), UNAUTHORIZED)

    def test_scope_without_role_refused(self):
        from keystone.tests import unit
        other_project = unit.new_project_ref(domain_id=self.domain_id)
        PROVIDERS.resource_api.create_project(other_project['id'],
                                              other_project)
        r = self.login(self.user, scope={'project': {
            'id': other_project['id']}}, status=UNAUTHORIZED)
        self.assertEqual(401, r.json['error']['code'])

    def test_decoy_challenge_never_logs_in(self):
        options = self.login_start({'user_id': 'nobody'}).json['public_key']
        assertion = self.authn.get({'challenge': options['challenge'],
                                    'rpId': 'localhost'})
        self._finish(assertion, UNAUTHORIZED)


class MalformedInputTest(base.PasskeyTestCase):
    """Garbage is a 400, never a 500, and does not burn the challenge."""

    def setUp(self):
        super().setUp()
        self.user = self.new_user()
        self.register(self.user)
        self.options = self.login_start(
            {'user_id': self.user['id']}).json['public_key']
        self.good = self.authn.get(self.options)

    def _bad(self, mutate):
        body = {k: (dict(v) if isinstance(v, dict) else v)
                for k, v in self.good.items()}
        mutate(body)
        r = self.post('/v4/auth/passkey/finish', body, status=BAD)
        self.assertEqual(400, r.json['error']['code'])

    def test_malformed_requests_are_400_and_keep_the_challenge(self):
        resp = 'response'
        for mutate in (
                lambda b: b[resp].__setitem__('clientDataJSON', '!!!'),
                lambda b: b[resp].__setitem__('clientDataJSON',
                                              softauthn.b64url(b'{nope')),
                lambda b: b[resp].__setitem__('clientDataJSON',
                                              softauthn.b64url(b'[1]')),
                lambda b: b[resp].__setitem__('authenticatorData', 'AA'),
                lambda b: b[resp].__setitem__('signature', 12),
                lambda b: b.__setitem__('response', 'x'),
                lambda b: b.__setitem__('type', 'password'),
                lambda b: b.pop('rawId'),
                lambda b: b.__setitem__('id', 'x' * 70000)):
            self._bad(mutate)
        # None of that consumed the challenge: the real answer still works.
        self.post('/v4/auth/passkey/finish', self.good)

    def test_non_json_and_wrong_types(self):
        with self.test_client() as c:
            c.post('/v4/auth/passkey/finish', data='{"id": ',
                   headers={'Content-Type': 'application/json'},
                   expected_status_code=BAD)
            c.post('/v4/auth/passkey/finish', json=[1, 2],
                   expected_status_code=BAD)
            c.post('/v4/auth/passkey/start',
                   json={'passkey': {'user_id': 5}},
                   expected_status_code=BAD)
            c.post('/v4/auth/passkey/start',
                   json={'passkey': {'scope': {'project': {}, 'domain': {}}}},
                   expected_status_code=BAD)
            c.post('/v4/auth/passkey/start',
                   json={'passkey': {'user_id': 'a', 'user': {'id': 'a'}}},
                   expected_status_code=BAD)

    def test_malformed_registration_keeps_the_challenge(self):
        token = self.token_of(self.user)
        url = '/v4/users/%s/passkeys/' % self.user['id']
        start = self.post(url + 'register_start', {}, token)
        cred = self.authn.create(start.json['public_key'])
        broken = dict(cred, response=dict(
            cred['response'], attestationObject=softauthn.b64url(b'\xff')))
        self.post(url + 'register_finish', broken, token, status=BAD)
        self.post(url + 'register_finish', cred, token)


class RegistrationAttackTest(base.PasskeyTestCase):

    def setUp(self):
        super().setUp()
        self.user = self.new_user()
        self.token = self.token_of(self.user)
        self.url = '/v4/users/%s/passkeys/' % self.user['id']

    def _start(self, user=None, token=None):
        user = user or self.user
        return self.post('/v4/users/%s/passkeys/register_start' % user['id'],
                         {}, token or self.token).json['public_key']

    def test_replayed_registration_refused(self):
        cred = self.authn.create(self._start())
        self.post(self.url + 'register_finish', cred, self.token)
        self.post(self.url + 'register_finish', cred, self.token,
                  status=UNAUTHORIZED)

    def test_registration_challenge_of_another_user_refused(self):
        other = self.new_user()
        options = self._start(other, self.token_of(other))
        # Finish it for self.user: the challenge belongs to other.
        self.post(self.url + 'register_finish',
                  self.authn.create(options), self.token,
                  status=UNAUTHORIZED)

    def test_wrong_origin_registration_refused(self):
        cred = self.authn.create(self._start(), origin='https://evil.example')
        self.post(self.url + 'register_finish', cred, self.token,
                  status=UNAUTHORIZED)

    def test_registration_without_user_verification_refused(self):
        cred = self.authn.create(self._start(), uv=False)
        self.post(self.url + 'register_finish', cred, self.token,
                  status=UNAUTHORIZED)

    def test_duplicate_credential_is_409(self):
        cred = self.authn.create(self._start())
        self.post(self.url + 'register_finish', cred, self.token)
        dup = self.authn.create(self._start(), credential_id=softauthn.
                                unb64url(cred['id']))
        r = self.post(self.url + 'register_finish', dup, self.token,
                      status=http.client.CONFLICT)
        self.assertEqual(409, r.json['error']['code'])

    def test_id_must_be_the_attested_credential_id(self):
        first = self.authn.create(self._start())
        dup = self.authn.create(self._start())
        dup['id'] = dup['rawId'] = first['id']
        self.post(self.url + 'register_finish', dup, self.token,
                  status=UNAUTHORIZED)

    def test_allowed_aaguids(self):
        self.config_fixture.config(group='passkey',
                                   allowed_aaguids=['00000000-0000-0000-'
                                                    '0000-000000000001'])
        cred = self.authn.create(self._start())
        r = self.post(self.url + 'register_finish', cred, self.token,
                      status=http.client.FORBIDDEN)
        self.assertEqual(403, r.json['error']['code'])
