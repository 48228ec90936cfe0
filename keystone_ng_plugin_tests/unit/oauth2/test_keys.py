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
"""The OpenID provider's signing keys: staged rotation, storage, JWKS."""

import base64
import datetime
import hashlib
import json
import time
from unittest import mock

from joserfc import jwk
from joserfc import jwt
from keystone.common import provider_api
import sqlalchemy as sa

from keystone_ng_plugin.common import sql
from keystone_ng_plugin.oauth2 import keys
from keystone_ng_plugin_tests.unit import base

PROVIDERS = provider_api.ProviderAPIs


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def _rfc7638(key: dict) -> str:
    # RFC 7638 section 3: the required members, lexicographic order, no
    # whitespace, SHA-256
    members = {'EC': ('crv', 'kty', 'x', 'y'), 'RSA': ('e', 'kty', 'n')}
    canonical = json.dumps({m: key[m] for m in members[key['kty']]},
                           separators=(',', ':'), sort_keys=True)
    return _b64(hashlib.sha256(canonical.encode()).digest())


class SigningKeysTest(base.TestCase):

    def jwks(self, domain_id=None, status=200, headers=None):
        return self.call('get', '/v4/oauth2/%s/jwks' % (
            domain_id or self.domain_id), status=status, headers=headers)

    def later(self, seconds):
        return sql.utcnow() + datetime.timedelta(seconds=seconds)

    def test_no_keys_is_404(self):
        self.jwks(status=404)
        self.jwks(domain_id='no-such-domain', status=404)

    def test_first_rotation_makes_a_signing_and_a_next_key(self):
        keys.rotate(self.domain_id)
        published = self.jwks().json['keys']
        self.assertEqual(2, len(published))
        for key in published:
            self.assertEqual(('EC', 'ES256', 'sig', 'P-256'), (
                key['kty'], key['alg'], key['use'], key['crv']))
            self.assertEqual(_rfc7638(key), key['kid'])
            self.assertNotIn('d', key)
        kid, algorithm, private = keys.signing_key(self.domain_id)
        self.assertEqual(published[0]['kid'], kid)
        # what it signs verifies with the published key
        token = jwt.encode({'alg': algorithm, 'kid': kid}, {'sub': 'x'},
                           private)
        public = jwk.import_key(published[0])
        self.assertEqual('x', jwt.decode(token, public).claims['sub'])

    def test_the_next_key_signs_only_after_being_published(self):
        keys.rotate(self.domain_id)
        first, upcoming = [k['kid'] for k in self.jwks().json['keys']]
        self.assertRaises(keys.RotationTooSoon, keys.rotate, self.domain_id)
        self.assertEqual(first, keys.signing_key(self.domain_id)[0])
        keys.rotate(self.domain_id, now=self.later(301))
        published = [k['kid'] for k in self.jwks().json['keys']]
        # the former next key signs; the first is still published
        self.assertEqual(upcoming, published[0])
        self.assertEqual(upcoming, keys.signing_key(self.domain_id)[0])
        self.assertEqual(3, len(published))
        self.assertEqual(first, published[2])

    def test_a_retired_key_stays_until_its_tokens_expired(self):
        keys.rotate(self.domain_id)
        first = keys.signing_key(self.domain_id)[0]
        keys.rotate(self.domain_id, force=True)
        retired_at = sql.utcnow()
        # access and ID tokens live 15 minutes by default
        self.assertIn(first, [k['kid'] for k in keys.published(
            self.domain_id, now=retired_at + datetime.timedelta(
                minutes=14))])
        self.assertNotIn(first, [k['kid'] for k in keys.published(
            self.domain_id, now=retired_at + datetime.timedelta(
                minutes=16))])
        # a later rotation deletes it
        keys.rotate(self.domain_id, force=True,
                    now=retired_at + datetime.timedelta(minutes=16))
        with sql.session_for_read() as session:
            self.assertIsNone(session.get(keys.SigningKeyModel, first))

    def test_a_rotation_on_another_node_signs_here_within_seconds(self):
        keys.rotate(self.domain_id)
        first = keys.signing_key(self.domain_id)[0]
        # another node's rotation: this one's memory is not told
        with mock.patch.object(keys, 'forget_signing_key'):
            keys.rotate(self.domain_id, force=True)
        self.assertEqual(first, keys.signing_key(self.domain_id)[0])
        # what it still signs with is published, and stays so for longer
        # than a token it signs now lives
        self.assertIn(first, [k['kid'] for k in self.jwks().json['keys']])
        self.assertGreater(keys.retention(), datetime.timedelta(
            minutes=15, seconds=keys.SIGNING_KEY_SECONDS - 1))
        later = time.monotonic() + keys.SIGNING_KEY_SECONDS + 1
        with mock.patch.object(keys.time, 'monotonic', return_value=later):
            upcoming = keys.signing_key(self.domain_id)[0]
        self.assertNotEqual(first, upcoming)
        self.assertEqual(upcoming, self.jwks().json['keys'][0]['kid'])

    def test_private_keys_are_encrypted_with_the_credential_keys(self):
        keys.rotate(self.domain_id)
        with sql.session_for_read() as session:
            rows = session.execute(sa.select(keys.SigningKeyModel)).scalars()
            for row in rows:
                self.assertNotIn('PRIVATE KEY', row.private_key)
                pem = PROVIDERS.credential_provider_api.decrypt(
                    row.private_key)
                self.assertIn('BEGIN PRIVATE KEY', pem)

    def test_rs256(self):
        self.config_fixture.config(group='oauth2', signing_algorithm='RS256')
        keys.rotate(self.domain_id)
        for key in self.jwks().json['keys']:
            self.assertEqual(('RSA', 'RS256'), (key['kty'], key['alg']))
            self.assertEqual(_rfc7638(key), key['kid'])

    def test_cache_headers_and_etag(self):
        self.config_fixture.config(group='oauth2', jwks_max_age=120)
        keys.rotate(self.domain_id)
        first = self.jwks()
        self.assertEqual('public, max-age=120',
                         first.headers['Cache-Control'])
        etag = first.headers['ETag']
        again = self.jwks(status=304, headers={'If-None-Match': etag})
        self.assertEqual(b'', again.data)
        keys.rotate(self.domain_id, force=True)
        changed = self.jwks(headers={'If-None-Match': etag})
        self.assertNotEqual(etag, changed.headers['ETag'])

    def test_domains_keep_their_own_keys_and_lose_them_when_deleted(self):
        other = PROVIDERS.resource_api.create_domain(
            'd' * 32, {'id': 'd' * 32, 'name': 'other', 'enabled': True})
        keys.rotate(self.domain_id)
        keys.rotate(other['id'])
        mine = {k['kid'] for k in self.jwks().json['keys']}
        theirs = {k['kid'] for k in self.jwks(other['id']).json['keys']}
        self.assertFalse(mine & theirs)
        self.assertEqual(sorted([self.domain_id, other['id']]),
                         keys.domains())
        PROVIDERS.resource_api.update_domain(other['id'],
                                             {'enabled': False})
        PROVIDERS.resource_api.delete_domain(other['id'])
        self.jwks(other['id'], status=404)
        self.assertEqual([self.domain_id], keys.domains())
