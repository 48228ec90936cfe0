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
"""Packaging metadata that installs quietly and ships every file.

setuptools warns on every build about a directory Python can import that
is not a declared package (the passkey page's files), about license
classifiers next to an SPDX license, and, for an editable install of a
layout it cannot map statically, about its import hook.
"""

import configparser
import os

import testtools

import keystone_ng_plugin_tests

ROOT = keystone_ng_plugin_tests.TOP


class PackagingTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.cfg = configparser.ConfigParser(interpolation=None)
        self.cfg.read(os.path.join(ROOT, 'setup.cfg'))

    def test_every_directory_of_the_package_is_a_package(self):
        loose = []
        for top, dirs, files in os.walk(os.path.join(ROOT,
                                                     'keystone_ng_plugin')):
            dirs[:] = [d for d in dirs if d != '__pycache__']
            if files and '__init__.py' not in files:
                loose.append(os.path.relpath(top, ROOT))
        self.assertEqual([], loose)

    def test_spdx_license_without_license_classifiers(self):
        self.assertEqual('Apache-2.0', self.cfg['metadata']['license'])
        self.assertNotIn('License ::', self.cfg['metadata']['classifier'])

    def test_flat_layout_declared_for_a_static_editable_install(self):
        self.assertEqual('.', self.cfg['files']['packages_root'])

    def test_package_data_of_the_pages(self):
        data = self.cfg['options.package_data']
        for package in ('passkey.ui', 'oauth2.pages'):
            ui = os.path.join(ROOT, 'keystone_ng_plugin',
                              *package.split('.'))
            patterns = data['keystone_ng_plugin.' + package].split(', ')
            for name in os.listdir(ui):
                if name.endswith('.py') or name == '__pycache__':
                    continue
                self.assertTrue(any(name.endswith(p.lstrip('*'))
                                    for p in patterns), name)

    def test_license_file(self):
        with open(os.path.join(ROOT, 'LICENSE')) as f:
            text = f.read()
        self.assertIn('Apache License', text)
        self.assertIn('Version 2.0, January 2004', text)

    def test_no_placeholder_home_page(self):
        self.assertNotIn('home_page', self.cfg['metadata'])
        self.assertNotIn('example.invalid',
                         open(os.path.join(ROOT, 'setup.cfg')).read())

    def test_no_wsgi_server_is_a_runtime_requirement(self):
        with open(os.path.join(ROOT, 'requirements.txt')) as f:
            names = [line.split('>')[0].split('=')[0].strip().lower()
                     for line in f if line.strip()
                     and not line.startswith('#')]
        for server in ('gunicorn', 'uwsgi', 'mod-wsgi'):
            self.assertNotIn(server, names)
        self.assertIn('gunicorn', self.cfg['extras']['gunicorn'])

    def test_the_generator_files_and_samples_are_data_files(self):
        shipped = self.cfg['files']['data_files']
        for top, dirs, files in os.walk(os.path.join(ROOT, 'etc')):
            for name in files:
                path = os.path.relpath(os.path.join(top, name), ROOT)
                self.assertIn(path, shipped)

    def test_the_test_suite_is_not_in_the_package(self):
        self.assertFalse(os.path.exists(
            os.path.join(ROOT, 'keystone_ng_plugin', 'tests')))
        self.assertEqual(['keystone_ng_plugin'],
                         self.cfg['files']['packages'].split())
