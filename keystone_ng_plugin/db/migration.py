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
"""Runs the plugin's alembic history on keystone's database."""

import os

from alembic import command as alembic_api
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script

from keystone.common import sql as ks_sql

VERSION_TABLE = 'keystone_ng_alembic_version'
_HERE = os.path.dirname(os.path.abspath(__file__))


def get_alembic_config(engine=None) -> alembic_config.Config:
    """The plugin's alembic config, bound to keystone's engine."""
    config = alembic_config.Config(os.path.join(_HERE, 'alembic.ini'))
    config.set_main_option('script_location',
                           os.path.join(_HERE, 'migrations'))
    config.attributes['configure_logger'] = False
    if engine is not None:
        config.set_main_option('sqlalchemy.url', engine.url.render_as_string(
            hide_password=False).replace('%', '%%'))
    return config


def _engine(engine=None):
    if engine is not None:
        return engine
    with ks_sql.session_for_write() as session:
        return session.get_bind()


def heads() -> list[str]:
    """The head revisions of the plugin's history."""
    script = alembic_script.ScriptDirectory.from_config(get_alembic_config())
    return list(script.get_heads())


def current(engine=None) -> tuple[str, ...]:
    """The plugin's revisions applied to the database (empty if none)."""
    engine = _engine(engine)
    with engine.connect() as conn:
        context = alembic_migration.MigrationContext.configure(
            conn, opts={'version_table': VERSION_TABLE})
        return tuple(context.get_current_heads())


def upgrade(revision: str = 'heads', engine=None) -> tuple[str, ...]:
    """Apply the plugin's migrations up to ``revision``; returns the result."""
    engine = _engine(engine)
    config = get_alembic_config(engine)
    with engine.begin() as connection:
        config.attributes['connection'] = connection
        alembic_api.upgrade(config, revision)
    return current(engine)


def is_current(engine=None) -> bool:
    """Whether the database is at the plugin's head revision(s)."""
    return sorted(current(engine)) == sorted(heads())
