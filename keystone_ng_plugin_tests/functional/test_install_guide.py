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
"""The install guide as an operator follows it: its commands are the files
under doc/source/install/guide/, which the guide includes and this test
runs, on PostgreSQL, in a fresh virtualenv, served by uwsgi; then the
documented rollback to stock keystone, and the reinstall.

The times of the steps are printed (``-s``, or the captured output of a
failure); the README states them.
"""

import grp
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import zipfile

import pytest
import requests

from keystone_ng_plugin.server import deployment
import keystone_ng_plugin_tests
from keystone_ng_plugin_tests.functional import conftest
from keystone_ng_plugin_tests.functional import databases
from keystone_ng_plugin_tests import pages

GUIDE = os.path.join(keystone_ng_plugin_tests.TOP, 'doc', 'source',
                     'install', 'guide')
STEPS = sorted(name for name in os.listdir(GUIDE) if name[0].isdigit())
TIMEOUT = 1200
# The first line of every check of the plugin's doctor: none may be
# reported on the guide's configuration.
PLUGIN_SYMPTOMS = ('Token restrictions exist', 'Restrictions allow renewal',
                   '[passkey] relying_party_id` is not set',
                   'relying party ID is an IP address', '[passkey] origins',
                   'Identity providers hold client secrets',
                   "keystone's cache backend lives in one process",
                   'Proxy headers are parsed',
                   'Service accounts hold a password',
                   'OpenID provider clients but no signing key',
                   "The plugin's tables are missing")


class Guide:

    def __init__(self, work: str, database_url: str):
        self.work = work
        self.port = deployment.free_port()
        self.url = 'http://localhost:%d' % self.port
        self.venv = os.path.join(work, 'venv')
        self.conf_dir = os.path.join(work, 'etc-keystone')
        self.wheel_dir = os.path.join(work, 'dist')
        self.password = secrets.token_urlsafe(12)
        self.times = {}
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(('OS_', 'VIRTUAL_ENV', 'PYTHON'))}
        # the project's virtualenv is not on the operator's PATH
        project_bin = os.path.dirname(sys.executable)
        env['PATH'] = os.pathsep.join(
            p for p in env.get('PATH', '').split(os.pathsep)
            if p and os.path.abspath(p) != project_bin)
        env.update(
            VENV=self.venv, CONF_DIR=self.conf_dir,
            PYTHON=shutil.which('python3.11', path=env['PATH']) or
            getattr(sys, '_base_executable', sys.executable),
            KEYSTONE_USER=pwd.getpwuid(os.getuid()).pw_name,
            KEYSTONE_GROUP=grp.getgrgid(os.getgid()).gr_name,
            DB_URL=database_url, DB_DRIVER='psycopg2-binary',
            PUBLIC_HOST='localhost', PUBLIC_URL=self.url,
            LISTEN='127.0.0.1:%d' % self.port,
            ADMIN_PASSWORD=self.password, WHEEL_DIR=self.wheel_dir,
            SOURCE_DIR=keystone_ng_plugin_tests.TOP)
        self.env = env
        self.server = None

    def run(self, step: str) -> str:
        started = time.monotonic()
        result = subprocess.run(
            ['bash', os.path.join(GUIDE, step)], env=self.env, cwd=self.work,
            capture_output=True, text=True, timeout=TIMEOUT)
        self.times[step] = time.monotonic() - started
        assert result.returncode == 0, '%s exited with %d:\n%s\n%s' % (
            step, result.returncode, result.stdout[-6000:],
            result.stderr[-6000:])
        return result.stdout

    def venv_run(self, *args, check=True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [os.path.join(self.venv, 'bin', args[0]), *args[1:]],
            env=self.env, cwd=self.work, capture_output=True, text=True,
            timeout=300)
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def serve(self):
        log = open(os.path.join(self.work, 'uwsgi-%d.log' % len(self.times)),
                   'ab')
        self.server = subprocess.Popen(
            ['bash', os.path.join(GUIDE, '6-serve.sh')], env=self.env,
            cwd=self.work, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.server.poll() is None, 'uwsgi exited: see %s' % (
                log.name)
            try:
                if requests.get(self.url + '/v3', timeout=5).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise AssertionError('uwsgi did not answer: see %s' % log.name)

    def stop(self):
        if self.server is None:
            return
        os.killpg(self.server.pid, signal.SIGTERM)
        try:
            self.server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait()
        self.server = None

    def password_token(self) -> str:
        identity = {'methods': ['password'], 'password': {'user': {
            'name': 'admin', 'domain': {'id': 'default'},
            'password': self.password}}}
        scope = {'project': {'name': 'admin', 'domain': {'id': 'default'}}}
        r = requests.post(self.url + '/v3/auth/tokens', timeout=30, json={
            'auth': {'identity': identity, 'scope': scope}})
        assert r.status_code == 201, r.text
        return r.headers['X-Subject-Token']

    def validate(self, token: str) -> requests.Response:
        return requests.get(self.url + '/v3/auth/tokens', timeout=30,
                            headers={'X-Auth-Token': self.password_token(),
                                     'X-Subject-Token': token})


def _check_passkey_page(url: str):
    page = requests.get(url, timeout=30)
    assert page.status_code == 200, (url, page.status_code)
    assets = pages.asset_urls(page.text)
    assert len(assets) == 2
    for asset in assets:
        # relative to where the page ended up (after a redirect)
        answer = requests.get(urllib.parse.urljoin(page.url, asset),
                              timeout=30)
        assert answer.status_code == 200, (page.url, asset)


def _check_wheel(wheel_dir: str):
    [wheel] = [name for name in os.listdir(wheel_dir)
               if name.startswith('keystone_ng_plugin-')]
    with zipfile.ZipFile(os.path.join(wheel_dir, wheel)) as z:
        names = z.namelist()
        metadata = z.read([n for n in names
                           if n.endswith('.dist-info/METADATA')][0]).decode()
    assert not [n for n in names if 'tests' in n.split('/')[:-1]
                or n.startswith('keystone_ng_plugin_tests')]
    assert any(n.endswith('.dist-info/LICENSE') or
               n.endswith('.dist-info/licenses/LICENSE') for n in names)
    for shipped in ('etc/keystone-ng-plugin/keystone-ng.conf.sample',
                    'etc/keystone-ng-plugin/oslo-config-generator/'
                    'keystone-ng.conf',
                    'etc/keystone-ng-plugin/oslo-policy-generator/'
                    'keystone-ng.conf'):
        assert any(n.endswith('.data/data/' + shipped) for n in names), (
            shipped)
    for line in metadata.splitlines():
        if line.startswith('Requires-Dist:') and 'gunicorn' in line:
            # an extra (ours, or pbr's "test" from test-requirements.txt)
            assert 'extra ==' in line, line
    assert 'extra == "gunicorn"' in metadata
    assert 'Home-page: https://example.invalid' not in metadata


@pytest.fixture
def guide(tmp_path):
    database_url = conftest._database('postgresql', str(tmp_path))
    guide = Guide(str(tmp_path), database_url)
    yield guide
    guide.stop()
    databases.drop('postgresql', database_url)


def test_install_guide_rollback_and_reinstall_as_written(guide):
    guide.run('1-build.sh')
    _check_wheel(guide.wheel_dir)
    guide.run('2-install.sh')
    guide.run('3-configure.sh')
    guide.run('4-initialize.sh')
    guide.run('5-uwsgi.sh')

    # The generator files are installed and the namespace is documented.
    sample = os.path.join(guide.work, 'keystone-ng.conf.sample')
    guide.venv_run('oslo-config-generator', '--namespace',
                   'keystone_ng_plugin', '--output-file', sample)
    assert '[passkey]' in open(sample).read()
    guide.venv_run('oslo-config-generator', '--config-file', os.path.join(
        guide.venv, 'etc', 'keystone-ng-plugin', 'oslo-config-generator',
        'keystone-ng.conf'), '--output-file', sample)
    # None of the plugin's doctor checks fires on the guide's keystone.conf.
    doctor = guide.venv_run('keystone-ng-manage', '--config-file',
                            os.path.join(guide.conf_dir, 'keystone.conf'),
                            'doctor', check=False).stdout
    for symptom in PLUGIN_SYMPTOMS:
        assert symptom not in doctor, doctor

    guide.serve()
    out = guide.run('7-check.sh')
    assert "restricted token roles: ['reader']" in out, out
    assert "'restricted'" in out, out
    ordinary = out.split('ordinary token: ')[1].split()[0]
    restricted = out.split('restricted token: ')[1].split()[0]
    _check_passkey_page(guide.url + '/v4/passkeys/ui')
    _check_passkey_page(guide.url + '/v4/passkeys/ui/')
    assert guide.validate(ordinary).status_code == 200
    assert guide.validate(restricted).status_code == 200
    guide.stop()

    # Rollback: stock keystone, same database and keys.
    out = guide.run('8-rollback.sh')
    assert 'module = keystone.wsgi.api:application' in out
    assert guide.venv_run('python', '-c', 'import keystone_ng_plugin',
                          check=False).returncode != 0
    guide.serve()
    assert requests.get(guide.url + '/v4', timeout=30).status_code == 404
    guide.password_token()
    assert guide.validate(ordinary).status_code == 200
    assert guide.validate(restricted).status_code == 404
    guide.stop()

    # Reinstall (twice: idempotent), the restriction and its token back.
    guide.run('9-reinstall.sh')
    out = guide.run('9-reinstall.sh')
    assert 'tables are up to date' in out, out
    guide.serve()
    assert requests.get(guide.url + '/v4', timeout=30).status_code == 200
    assert guide.validate(ordinary).status_code == 200
    assert guide.validate(restricted).status_code == 200
    guide.stop()

    print('install guide times: %s; install (steps 1-4): %.0f s' % (
        ', '.join('%s %.0f s' % (step, seconds)
                  for step, seconds in guide.times.items()),
        sum(guide.times[s] for s in STEPS[:4])))
