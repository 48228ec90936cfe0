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
"""Alembic environment of the plugin's own history.

Own version table (keystone's ``alembic_version`` is keystone's), own
metadata, and autogenerate limited to the plugin's tables.
"""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config
from sqlalchemy import pool

from keystone_ng_plugin.db import migration
from keystone_ng_plugin.db import models

config = context.config
if config.attributes.get('configure_logger', True) and config.config_file_name:
    fileConfig(config.config_file_name)

target_metadata = models.metadata


def include_name(name, type_, parent_names):
    if type_ == 'table':
        return name in target_metadata.tables
    return True


def _configure(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=migration.VERSION_TABLE,
        render_as_batch=True,
        include_name=include_name,
        compare_type=True,
    )


def run_migrations_online():
    connection = config.attributes.get('connection')
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section),
        prefix='sqlalchemy.', poolclass=pool.NullPool)
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_offline():
    context.configure(
        url=config.get_main_option('sqlalchemy.url'),
        target_metadata=target_metadata,
        version_table=migration.VERSION_TABLE,
        render_as_batch=True, literal_binds=True,
        dialect_opts={'paramstyle': 'named'})
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
