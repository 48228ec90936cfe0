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
"""The deployment behind keystone-ng-devserver and the functional tests."""

import os
import stat

import fixtures
import testtools

from keystone.conf import constants as ks_constants

from keystone_ng_plugin.server import deployment
from keystone_ng_plugin.server import devserver


class DeploymentTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.state = self.useFixture(fixtures.TempDir()).path
        self.dep = deployment.Deployment(state_dir=self.state, port=5999)

    def test_defaults_sqlite_in_state_dir_with_one_worker(self):
        self.assertEqual('sqlite:///%s/keystone.db' % self.state,
                         self.dep.database_url)
        self.assertEqual(1, self.dep.workers)
        pg = deployment.Deployment(
            state_dir=self.state, database_url='postgresql://x/y')
        self.assertEqual(2, pg.workers)

    def test_auth_methods_keep_keystones_order_then_append(self):
        methods = self.dep.config()['auth']['methods'].split(',')
        keystone_default = list(ks_constants._DEFAULT_AUTH_METHODS)
        self.assertEqual(keystone_default,
                         methods[:len(keystone_default)])

    def test_keys_and_receipts_live_in_state_dir(self):
        config = self.dep.config()
        for section, sub in (('fernet_tokens', 'fernet-keys'),
                             ('fernet_receipts', 'receipt-keys'),
                             ('credential', 'credential-keys')):
            self.assertEqual(os.path.join(self.state, sub),
                             config[section]['key_repository'])

    def test_extra_config_is_written_last(self):
        dep = deployment.Deployment(
            state_dir=self.state,
            extra_config={'identity': {'password_hash_rounds': 4},
                          'token': {'expiration': 600}})
        config = dep.config()
        self.assertEqual('4', config['identity']['password_hash_rounds'])
        self.assertEqual('600', config['token']['expiration'])
        self.assertEqual('ngfernet', config['token']['provider'])

    def test_admin_password_generated_once_and_private(self):
        first = self.dep.ensure_admin_password()
        again = deployment.Deployment(state_dir=self.state)
        self.assertEqual(first, again.ensure_admin_password())
        mode = os.stat(os.path.join(self.state, 'admin-password')).st_mode
        self.assertEqual(0o600, stat.S_IMODE(mode))

    def test_given_admin_password_wins_and_is_kept(self):
        deployment.Deployment(state_dir=self.state,
                              admin_password='given').ensure_admin_password()
        self.assertEqual(
            'given',
            deployment.Deployment(
                state_dir=self.state).ensure_admin_password())

    def test_server_runs_plugin_entry_point_with_sync_workers(self):
        cmd = self.dep.server_command()
        self.assertEqual('keystone_ng_plugin.wsgi:application', cmd[-1])
        self.assertIn('--no-control-socket', cmd)
        self.assertEqual('sync', cmd[cmd.index('--worker-class') + 1])
        self.assertEqual('1', cmd[cmd.index('--threads') + 1])
        self.assertEqual('127.0.0.1:5999', cmd[cmd.index('--bind') + 1])

    def test_openrc_and_banner_tell_how_to_log_in(self):
        self.dep.ensure_admin_password()
        rc = self.dep.openrc()
        self.assertIn('OS_AUTH_URL=http://127.0.0.1:5999/v3', rc)
        self.assertIn('OS_PASSWORD=%s' % self.dep.admin_password, rc)
        text = devserver.banner(self.dep)
        self.assertIn('token issue', text)
        self.assertIn(self.dep.admin_password, text)

    def test_wildcard_host_advertises_loopback(self):
        dep = deployment.Deployment(state_dir=self.state, host='0.0.0.0')
        self.assertEqual('http://127.0.0.1:5000/v3', dep.auth_url)

    def test_devserver_arguments(self):
        args = devserver.parse_args([
            '--host', '127.0.0.2', '--port', '5001', '--state-dir', '/s',
            '--database-url', 'postgresql://x/y', '--workers', '3',
            '--admin-password', 'pw'])
        self.assertEqual(('127.0.0.2', 5001, '/s', 'postgresql://x/y', 3,
                          'pw'),
                         (args.host, args.port, args.state_dir,
                          args.database_url, args.workers,
                          args.admin_password))
        self.assertEqual(5000, devserver.parse_args([]).port)
        self.assertEqual([], devserver.parse_args([]).config_files)

    def test_devserver_takes_operator_config_and_keeps_it(self):
        first = os.path.join(self.state, 'a.conf')
        second = os.path.join(self.state, 'b.conf')
        with open(first, 'w') as f:
            f.write('[DEFAULT]\ndebug = true\n[ng_federation]\n'
                    'allow_insecure_loopback = true\n[token]\n'
                    'expiration = 600\n')
        with open(second, 'w') as f:
            f.write('[token]\nexpiration = 900\n')
        args = devserver.parse_args(['--config-file', first,
                                     '--config-file', second])
        self.assertEqual([first, second], args.config_files)
        state = os.path.join(self.state, 'state')
        extra = devserver.operator_config(state, args.config_files)
        self.assertEqual({'DEFAULT': {'debug': 'true'},
                          'ng_federation': {
                              'allow_insecure_loopback': 'true'},
                          'token': {'expiration': '900'}}, extra)
        # written after the generated options
        config = deployment.Deployment(state_dir=state,
                                       extra_config=extra).config()
        self.assertEqual('900', config['token']['expiration'])
        self.assertEqual('ngfernet', config['token']['provider'])
        self.assertEqual('true', config['DEFAULT']['debug'])
        self.assertTrue(config['DEFAULT']['log_file'])
        # a restart without --config-file keeps them
        self.assertEqual(extra, devserver.operator_config(state))
        self.assertRaises(devserver.ConfigFileError,
                          devserver.operator_config, state,
                          [os.path.join(self.state, 'missing.conf')])
