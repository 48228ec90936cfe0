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
"""Fresh, throw-away databases on the real servers for functional tests.

PostgreSQL and MariaDB are the ones at 127.0.0.1 (override the admin URLs
with NG_TEST_POSTGRESQL_URL / NG_TEST_MYSQL_URL). When ``CI`` is set an
unreachable server fails the run; elsewhere its tests are skipped.
"""

import os
import uuid

import sqlalchemy as sa

BACKENDS = ('sqlite', 'postgresql', 'mysql')
ADMIN_URLS = {
    'postgresql': os.environ.get(
        'NG_TEST_POSTGRESQL_URL',
        'postgresql+psycopg2://postgres@127.0.0.1:5432/postgres'),
    'mysql': os.environ.get(
        'NG_TEST_MYSQL_URL',
        'mysql+pymysql://root@127.0.0.1:3306/mysql?charset=utf8mb4'),
}


class Unavailable(Exception):
    """The database server cannot be reached."""


def create(backend: str, state_dir: str) -> str:
    """Create a fresh database; returns its SQLAlchemy URL."""
    if backend == 'sqlite':
        return 'sqlite:///%s' % os.path.join(state_dir, 'keystone.db')
    name = 'ngtest_%s' % uuid.uuid4().hex[:12]
    admin = sa.engine.make_url(ADMIN_URLS[backend])
    engine = sa.create_engine(admin, isolation_level='AUTOCOMMIT')
    try:
        with engine.connect() as conn:
            if backend == 'postgresql':
                conn.execute(sa.text('CREATE DATABASE %s' % name))
            else:
                conn.execute(sa.text(
                    'CREATE DATABASE %s CHARACTER SET utf8mb4' % name))
    except sa.exc.OperationalError as exc:
        raise Unavailable('%s at %s: %s' % (
            backend, admin.render_as_string(), exc.orig))
    finally:
        engine.dispose()
    url = admin.set(database=name)
    if backend == 'mysql':
        url = url.set(query={'charset': 'utf8'})
    return url.render_as_string(hide_password=False)


def drop(backend: str, url: str):
    """Drop a database made by :func:`create` (SQLite: nothing to do)."""
    if backend == 'sqlite':
        return
    name = sa.engine.make_url(url).database
    engine = sa.create_engine(ADMIN_URLS[backend],
                              isolation_level='AUTOCOMMIT')
    try:
        with engine.connect() as conn:
            if backend == 'postgresql':
                conn.execute(sa.text(
                    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
                    'WHERE datname = :name AND pid <> pg_backend_pid()'),
                    {'name': name})
                conn.execute(sa.text('DROP DATABASE IF EXISTS %s' % name))
            else:
                conn.execute(sa.text('DROP DATABASE IF EXISTS %s' % name))
    finally:
        engine.dispose()
