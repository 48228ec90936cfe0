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
"""One-time ceremony state: stored in the database, consumed once."""

import base64
import datetime
import time
from unittest import mock
import uuid

import fixtures

from keystone_ng_plugin.common import ceremony
from keystone_ng_plugin.common import settings
from keystone_ng_plugin.common import sql
from keystone_ng_plugin_tests.unit import base


class CeremonyTest(base.TestCase):

    def test_consumed_exactly_once(self):
        handle = ceremony.start('test.kind', {'challenge': 'abc'}, ttl=60,
                                subject='user-1')
        found = ceremony.consume('test.kind', handle)
        self.assertEqual({'challenge': 'abc'}, found.data)
        self.assertEqual('user-1', found.subject)
        self.assertIsNone(ceremony.consume('test.kind', handle))

    def test_other_kind_never_matches_and_does_not_consume(self):
        handle = ceremony.start('test.kind', {}, ttl=60)
        self.assertIsNone(ceremony.consume('other.kind', handle))
        self.assertIsNotNone(ceremony.consume('test.kind', handle))

    def test_expired_is_refused_and_removed(self):
        handle = ceremony.start('test.kind', {}, ttl=60)
        with sql.session_for_write() as session:
            row = session.get(ceremony.CeremonyState, handle)
            row.expires_at = sql.utcnow() - datetime.timedelta(seconds=1)
        self.assertIsNone(ceremony.consume('test.kind', handle))
        with sql.session_for_read() as session:
            self.assertIsNone(session.get(ceremony.CeremonyState, handle))

    def test_unknown_empty_and_oversized_handles(self):
        for handle in ('', 'nope', 'x' * 65, None):
            self.assertIsNone(ceremony.consume('test.kind', handle))

    def test_handles_are_random_and_unique(self):
        handles = {ceremony.start('test.kind', {}, ttl=60)
                   for _ in range(20)}
        self.assertEqual(20, len(handles))
        self.assertTrue(all(len(h) >= 40 for h in handles))

    def test_non_positive_ttl_is_refused(self):
        self.assertRaises(ValueError, ceremony.start, 'k', {}, ttl=0)

    def test_purge_expired(self):
        live = ceremony.start('test.kind', {}, ttl=60)
        ceremony.start('test.kind', {}, ttl=1)
        later = sql.utcnow() + datetime.timedelta(seconds=5)
        self.assertEqual(1, ceremony.purge_expired(now=later))
        self.assertIsNotNone(ceremony.consume('test.kind', live))

    def test_consumed_once_without_delete_returning(self):
        # MySQL has no DELETE ... RETURNING: SELECT FOR UPDATE, then DELETE.
        with sql.session_for_write() as session:
            dialect = session.get_bind().dialect
        self.addCleanup(setattr, dialect, 'delete_returning',
                        dialect.delete_returning)
        dialect.delete_returning = False
        handle = ceremony.start('test.kind', {'x': 1}, ttl=60)
        self.assertIsNone(ceremony.consume('other.kind', handle))
        self.assertEqual({'x': 1}, ceremony.consume('test.kind', handle).data)
        self.assertIsNone(ceremony.consume('test.kind', handle))

    def test_starts_opportunistically_purge_expired(self):
        stale = ceremony.start('test.kind', {}, ttl=1)
        with sql.session_for_write() as session:
            row = session.get(ceremony.CeremonyState, stale)
            row.expires_at = sql.utcnow() - datetime.timedelta(seconds=1)
        self.useFixture(fixtures.MockPatchObject(
            ceremony.secrets, 'randbelow', lambda n: 0))
        ceremony.start('test.kind', {}, ttl=60)
        with sql.session_for_read() as session:
            self.assertIsNone(session.get(ceremony.CeremonyState, stale))


class SealedCeremonyTest(base.TestCase):
    """The state travels with the client; only the spent marker is
    written, at the first use."""

    def _rows(self):
        with sql.session_for_read() as session:
            return session.query(ceremony.CeremonyState).count()

    def test_sealing_writes_nothing_and_opens_once(self):
        before = self._rows()
        sealed = ceremony.seal('test.kind', {'scope': {'x': 1}}, ttl=60,
                               subject='user-1')
        self.assertEqual(before, self._rows())
        found = ceremony.open_once('test.kind', sealed)
        self.assertEqual({'scope': {'x': 1}}, found.data)
        self.assertEqual('user-1', found.subject)
        self.assertEqual(before + 1, self._rows())
        self.assertIsNone(ceremony.open_once('test.kind', sealed))

    def test_another_kind_never_opens_it_nor_spends_it(self):
        sealed = ceremony.seal('test.kind', {}, ttl=60)
        self.assertIsNone(ceremony.open_once('other.kind', sealed))
        found = ceremony.open_once('test.kind', sealed)
        self.assertIsNone(found.subject)

    def test_expired_is_refused_and_not_spent(self):
        sealed = ceremony.seal('test.kind', {}, ttl=60)
        before = self._rows()
        later = time.time() + 61
        with mock.patch.object(ceremony, '_clock', return_value=later):
            self.assertIsNone(ceremony.open_once('test.kind', sealed))
        self.assertEqual(before, self._rows())

    def test_garbage_tampered_and_foreign_are_refused(self):
        sealed = ceremony.seal('test.kind', {}, ttl=60)
        raw = bytearray(base64.urlsafe_b64decode(sealed + '=='))
        raw[20] ^= 0x40
        tampered = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip('=')
        for value in ('', None, 'nope', '!!!!', 'x' * 5000, tampered,
                      sealed[:30], 'AA', '\x00' + sealed):
            self.assertIsNone(ceremony.open_once('test.kind', value), value)
        settings.forget_cache()
        with mock.patch.object(settings, 'get_or_create',
                               return_value='ab' * 32):
            foreign = ceremony.seal('test.kind', {}, ttl=60)
        settings.forget_cache()
        self.assertIsNone(ceremony.open_once('test.kind', foreign))
        self.assertIsNotNone(ceremony.open_once('test.kind', sealed))

    def test_length_does_not_tell_whether_it_has_a_subject(self):
        self.assertEqual(
            {len(ceremony.seal('k', {'m': 'user'}, ttl=60, subject=s))
             for s in (None, 'a', 'b' * 64, uuid.uuid4().hex)}.__len__(), 1)
        self.assertRaises(ValueError, ceremony.seal, 'k', {}, ttl=60,
                          subject='x' * 65)
        self.assertRaises(ValueError, ceremony.seal, 'k', {}, ttl=0)

    def test_spent_markers_are_purged_once_expired(self):
        sealed = ceremony.seal('test.kind', {}, ttl=60)
        ceremony.open_once('test.kind', sealed)
        later = sql.utcnow() + datetime.timedelta(seconds=61)
        self.assertEqual(1, ceremony.purge_expired(now=later))


class GeneratedSettingTest(base.TestCase):

    def test_generated_once_and_shared(self):
        from keystone_ng_plugin.common import settings
        first = settings.get_or_create('test.secret')
        settings.forget_cache()
        self.assertEqual(first, settings.get_or_create(
            'test.secret', factory=lambda: 'other'))
        self.assertEqual(64, len(first))
