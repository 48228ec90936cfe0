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
"""The plugin's alembic history on SQLite (functional tests: PG, MariaDB)."""

from alembic import autogenerate
from alembic import migration as alembic_migration
import sqlalchemy as sa
import testtools

from keystone_ng_plugin.db import migration
from keystone_ng_plugin.db import models


def schema_diff(engine) -> list:
    """Differences between the plugin's models and the migrated schema."""
    with engine.connect() as conn:
        context = alembic_migration.MigrationContext.configure(
            conn, opts={
                'include_name': lambda name, type_, parents: (
                    type_ != 'table' or name in models.metadata.tables),
                'compare_type': True,
            })
        return autogenerate.compare_metadata(context, models.metadata)


class MigrationsTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.engine = sa.create_engine('sqlite://')
        self.addCleanup(self.engine.dispose)

    def test_upgrade_from_empty_reaches_head(self):
        self.assertEqual((), migration.current(self.engine))
        migration.upgrade(engine=self.engine)
        self.assertEqual(sorted(migration.heads()),
                         sorted(migration.current(self.engine)))
        self.assertTrue(migration.is_current(self.engine))

    def test_upgrade_is_idempotent(self):
        migration.upgrade(engine=self.engine)
        migration.upgrade(engine=self.engine)
        self.assertTrue(migration.is_current(self.engine))

    def test_models_match_migrations(self):
        migration.upgrade(engine=self.engine)
        self.assertEqual([], schema_diff(self.engine))

    def test_own_version_table_leaves_keystones_alone(self):
        migration.upgrade(engine=self.engine)
        tables = sa.inspect(self.engine).get_table_names()
        self.assertIn(migration.VERSION_TABLE, tables)
        self.assertNotIn('alembic_version', tables)

    def test_revision_ids_fit_alembic_version_column(self):
        from alembic import script
        scripts = script.ScriptDirectory.from_config(
            migration.get_alembic_config())
        for rev in scripts.walk_revisions():
            self.assertLessEqual(len(rev.revision), 32)

    def test_plugin_tables_are_not_on_keystones_metadata(self):
        from keystone.common import sql as ks_sql
        for name in models.metadata.tables:
            self.assertNotIn(name, ks_sql.ModelBase.metadata.tables)
