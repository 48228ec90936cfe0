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
"""A PostgreSQL cluster of the test's own, to stop and restart at will.

The shared servers on 5432/3306 are never touched: this one is made with
initdb in a temporary directory, on its own port, as the ``postgres``
system user when the tests run as root (initdb refuses root).
"""

import glob
import os
import shutil
import subprocess
import tempfile
import time
import typing as ty

import sqlalchemy as sa

from keystone_ng_plugin.server import deployment


class Unavailable(Exception):
    """No PostgreSQL server binaries here."""


def _bin(name: str) -> str:
    found = sorted(glob.glob('/usr/lib/postgresql/*/bin/' + name))
    if not found:
        raise Unavailable('no /usr/lib/postgresql/*/bin/%s' % name)
    return found[-1]


class Cluster:

    def __init__(self, settings: ty.Optional[dict] = None):
        """``settings``: server parameters (``-c name=value``)."""
        self.settings = dict(settings or {})
        self.port = deployment.free_port()
        self.dir = tempfile.mkdtemp(prefix='ng-pg-')
        self.data = os.path.join(self.dir, 'data')
        self.log = os.path.join(self.dir, 'postgres.log')
        self._user = None
        if os.geteuid() == 0:
            self._user = 'postgres'
            shutil.chown(self.dir, user='postgres')
        self._run(_bin('initdb'), '-D', self.data, '-U', 'postgres',
                  '--auth=trust', '-E', 'UTF8')
        self.start()

    def _run(self, *cmd: str):
        if self._user:
            cmd = ('runuser', '-u', self._user, '--') + cmd
        result = subprocess.run(cmd, capture_output=True, text=True,
                                cwd=self.dir)
        if result.returncode:
            raise RuntimeError('%s failed: %s%s' % (
                ' '.join(cmd), result.stdout, result.stderr))

    def _ctl(self, *args: str):
        options = ''.join(' -c %s=%s' % item
                          for item in sorted(self.settings.items()))
        self._run(_bin('pg_ctl'), '-D', self.data, '-l', self.log, '-w',
                  '-o', '-p %d -k %s -c listen_addresses=127.0.0.1%s' % (
                      self.port, self.dir, options), *args)

    def start(self):
        self._ctl('start')

    def stop(self):
        self._ctl('stop', '-m', 'fast')

    def restart(self):
        self._ctl('restart', '-m', 'fast')

    @property
    def admin_url(self) -> str:
        return 'postgresql+psycopg2://postgres@127.0.0.1:%d/postgres' % (
            self.port)

    def create_database(self, name: str = 'keystone') -> str:
        engine = sa.create_engine(self.admin_url,
                                  isolation_level='AUTOCOMMIT')
        try:
            with engine.connect() as conn:
                conn.execute(sa.text('CREATE DATABASE %s' % name))
        finally:
            engine.dispose()
        return 'postgresql+psycopg2://postgres@127.0.0.1:%d/%s' % (
            self.port, name)

    def wait_ready(self, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                engine = sa.create_engine(self.admin_url)
                with engine.connect():
                    engine.dispose()
                    return
            except sa.exc.OperationalError:
                time.sleep(0.2)
        raise RuntimeError('private PostgreSQL did not come back')

    def destroy(self):
        try:
            self.stop()
        except RuntimeError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
