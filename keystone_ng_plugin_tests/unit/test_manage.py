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
"""keystone-ng-manage: keystone's commands plus the plugin's."""

import os
import subprocess
import sys

import testtools
import yaml

from keystone.cmd import cli as ks_cli

from keystone_ng_plugin.api import versions
from keystone_ng_plugin.cmd import manage


class ManageTest(testtools.TestCase):

    def test_keeps_every_keystone_command(self):
        names = {cmd.name for cmd in manage.commands()}
        for cmd in ks_cli.CMDS:
            self.assertIn(cmd.name, names)
        for name in ('db_sync', 'db_version', 'ng_db_sync', 'ng_db_version',
                     'openapi', 'purge_expired'):
            self.assertIn(name, names)

    def test_db_commands_are_the_plugins(self):
        by_name = {cmd.name: cmd for cmd in manage.commands()}
        self.assertIs(manage.DbSync, by_name['db_sync'])
        self.assertIs(manage.DbVersion, by_name['db_version'])
        self.assertEqual(len(by_name), len(manage.commands()))

    def test_openapi_command_prints_the_document(self):
        tool = os.path.join(os.path.dirname(sys.executable),
                            'keystone-ng-manage')
        out = subprocess.run([tool, 'openapi'], capture_output=True,
                             text=True, check=True,
                             env=dict(os.environ,
                                      PYTHONWARNINGS='ignore')).stdout
        self.assertEqual(versions.openapi_document(), yaml.safe_load(out))

    def test_no_eventlet_deprecation_noise(self):
        tool = os.path.join(os.path.dirname(sys.executable),
                            'keystone-ng-manage')
        env = {k: v for k, v in os.environ.items() if k != 'PYTHONWARNINGS'}
        run = subprocess.run([tool, '--help'], capture_output=True,
                             text=True, check=True, env=env)
        self.assertIn('usage: keystone-ng-manage', run.stdout)
        self.assertNotIn('Eventlet is deprecated', run.stderr)
