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
"""Running Rally (its own virtualenv, .venv-rally) against a deployment:
the smoke test and tools/bench share this. Rally's database and home are
private to one run (Rally would otherwise write to ~/.rally and the system
temp directory)."""

import json
import os
import re
import subprocess

import requests

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TASK_FILE = os.path.join(TOP, 'rally-jobs', 'keystone-ng.yaml')
SMOKE_ARGS = os.path.join(TOP, 'rally-jobs', 'smoke.yaml')
# the scenarios, given to Rally by path (they are not in the package)
PLUGIN_DIR = os.path.join(TOP, 'keystone_ng_plugin_tests', 'rally')


def rally_bin() -> str:
    venv = os.environ.get('NG_RALLY_VENV', os.path.join(TOP, '.venv-rally'))
    return os.path.join(venv, 'bin', 'rally')


def available() -> bool:
    return os.access(rally_bin(), os.X_OK)


class RallyError(Exception):
    pass


class Rally:
    """``rally`` with a private home and database, pointed at ``dep``."""

    def __init__(self, work_dir: str, dep):
        self.work_dir = work_dir
        self.home = os.path.join(work_dir, 'home')
        os.makedirs(os.path.join(self.home, '.rally'), exist_ok=True)
        self.config = os.path.join(work_dir, 'rally.conf')
        with open(self.config, 'w') as f:
            f.write('[DEFAULT]\nlog_file = %s\n[database]\n'
                    'connection = sqlite:///%s\n' % (
                        os.path.join(work_dir, 'rally.log'),
                        os.path.join(work_dir, 'rally.sqlite')))
        self.env = dict(os.environ, HOME=self.home, OS_AUTH_URL=dep.auth_url,
                        OS_USERNAME='admin', OS_PASSWORD=dep.admin_password,
                        OS_PROJECT_NAME='admin',
                        OS_USER_DOMAIN_NAME='Default',
                        OS_PROJECT_DOMAIN_NAME='Default',
                        OS_IDENTITY_API_VERSION='3', OS_INTERFACE='public')
        self.env.pop('OS_CLOUD', None)
        # the OpenID provider's scenarios need the default domain's keys
        if requests.get(dep.base_url + '/v4/oauth2/default/jwks',
                        timeout=30).status_code == 404:
            dep.manage('oauth2_key_rotate', '--domain', 'default',
                       tool='keystone-ng-manage')
        self.run('db', 'create')
        self.run('env', 'create', '--name', 'keystone-ng', '--from-sysenv')

    def run(self, *args, check=True, timeout=3600) -> str:
        cmd = [rally_bin(), '--config-file', self.config,
               '--plugin-paths', PLUGIN_DIR, *args]
        result = subprocess.run(cmd, env=self.env, cwd=TOP, timeout=timeout,
                                capture_output=True, text=True)
        if check and result.returncode:
            raise RallyError('%s exited with %d:\n%s\n%s' % (
                ' '.join(args[:3]), result.returncode,
                result.stdout[-4000:], result.stderr[-4000:]))
        return result.stdout

    def start(self, task_args: dict, args_file=None,
              task_file=TASK_FILE) -> str:
        """Run a task to its end; its UUID."""
        args = ['task', 'start', task_file,
                '--task-args', json.dumps(task_args)]
        if args_file:
            args += ['--task-args-file', args_file]
        out = self.run(*args)
        found = re.findall(r'Task\s+([0-9a-f-]{36})', out)
        if not found:
            raise RallyError('no task UUID in:\n' + out[-4000:])
        return found[0]

    def sla_ok(self, uuid) -> bool:
        result = subprocess.run(
            [rally_bin(), '--config-file', self.config, 'task', 'sla-check',
             '--uuid', uuid], env=self.env, capture_output=True, text=True)
        return result.returncode == 0

    def results(self, uuid) -> dict:
        """The task as Rally's JSON report (rally task report --json)."""
        out = os.path.join(self.work_dir, '%s.json' % uuid)
        self.run('task', 'report', '--uuid', uuid, '--json', '--out', out)
        with open(out) as f:
            return json.load(f)


def workloads(report: dict):
    """(subtask title, workload) pairs of a JSON report."""
    for task in report['tasks']:
        for subtask in task['subtasks']:
            for workload in subtask['workloads']:
                yield subtask['title'], workload
