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
"""Config options, policy defaults and their committed sample files."""

import os
import subprocess
import sys

from oslo_config import cfg
import fixtures
import testtools

from keystone_ng_plugin.conf import opts
from keystone_ng_plugin import policies
import keystone_ng_plugin_tests

REPO_ROOT = keystone_ng_plugin_tests.TOP


def _tool(name):
    return os.path.join(os.path.dirname(sys.executable), name)


class SamplesTest(testtools.TestCase):

    def _generate(self, tool, config, committed):
        out = os.path.join(self.useFixture(fixtures.TempDir()).path, 'out')
        subprocess.run([_tool(tool), '--config-file',
                        os.path.join(REPO_ROOT, config),
                        '--output-file', out], check=True, cwd=REPO_ROOT,
                       capture_output=True)
        with open(out) as f, open(os.path.join(REPO_ROOT, committed)) as g:
            self.assertEqual(
                f.read(), g.read(),
                '%s drifted; regenerate it with %s --config-file %s' % (
                    committed, tool, config))

    def test_config_sample_is_current(self):
        self._generate('oslo-config-generator',
                       'etc/oslo-config-generator/keystone-ng.conf',
                       'etc/keystone-ng.conf.sample')

    def test_policy_sample_is_current(self):
        self._generate('oslopolicy-sample-generator',
                       'etc/oslo-policy-generator/keystone-ng.conf',
                       'etc/keystone-ng-policy.yaml.sample')

    def test_every_option_has_help_and_a_default_that_loads(self):
        conf = cfg.ConfigOpts()
        for group, group_opts in opts.list_opts():
            conf.register_opts(group_opts, group=group)
            for opt in group_opts:
                self.assertTrue(opt.help, opt.name)
        conf([], project='keystone', default_config_files=[])
        self.assertEqual(['/v4/federation/oidc/callback',
                          '/v4/federation/websso/callback'],
                         conf.keystone_ng.json_body_exempt_prefixes)

    def test_policy_rules_are_named_and_documented(self):
        for rule in policies.list_rules():
            self.assertTrue(rule.name.startswith('identity:ng:'), rule.name)
            self.assertTrue(rule.description, rule.name)
            self.assertTrue(rule.scope_types, rule.name)
