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
"""The dependency rule of doc/source/contributor/architecture.rst.

A package of the plugin imports only the packages below it (and the leaf
modules anyone may import), and no plugin import hides inside a function
(a cycle dodged that way means something is in the wrong layer).
"""

import ast
import os

import testtools

import keystone_ng_plugin_tests

# the repository (the directory holding the package)
ROOT = keystone_ng_plugin_tests.TOP
PACKAGE = 'keystone_ng_plugin'
# package -> the plugin packages it may import (besides itself)
MAY_IMPORT = {
    'common': {'policies'},
    'policies': set(),
    'restriction': {'common'},
    'service_account': {'restriction', 'common'},
    'token': {'service_account', 'restriction', 'common'},
    'passkey': {'common'},
    'federation': {'token', 'service_account', 'restriction', 'oauth2',
                   'common'},
    'auth': {'passkey', 'token', 'common'},
    'oauth2': {'passkey', 'auth', 'token', 'service_account', 'restriction',
               'common'},
    'k8s_auth': {'federation', 'token', 'service_account', 'restriction',
                 'common'},
    'api': {'auth', 'federation', 'passkey', 'token', 'service_account',
            'restriction', 'oauth2', 'k8s_auth', 'common'},
    'db': {'federation', 'passkey', 'token', 'service_account',
           'restriction', 'oauth2', 'k8s_auth', 'common'},
}
# composition roots: anything
ROOTS = {'server', 'cmd', 'wsgi'}
# leaves anyone may import
LEAVES = {'keystone_ng_plugin.conf', 'keystone_ng_plugin.common.protocols',
          'keystone_ng_plugin.auth.methods'}


def _modules():
    for top, dirs, files in os.walk(os.path.join(ROOT, PACKAGE)):
        dirs[:] = [d for d in dirs if d not in ('tests', '__pycache__')]
        for name in files:
            if name.endswith('.py'):
                path = os.path.join(top, name)
                yield os.path.relpath(path, ROOT), path


def _imports(tree):
    """(imported module names, inside a function?) of a module."""
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                found.extend((a.name, in_function) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module:
                found.extend(('%s.%s' % (child.module, a.name), in_function)
                             for a in child.names)
            visit(child, nested)

    visit(tree, False)
    return found


def _package(module_name):
    parts = module_name.split('.')
    return parts[1] if len(parts) > 1 and parts[0] == PACKAGE else None


class LayersTest(testtools.TestCase):

    def test_every_package_has_a_rule(self):
        packages = {rel.split(os.sep)[1] for rel, _ in _modules()
                    if os.sep in rel[len(PACKAGE) + 1:]}
        self.assertIn('federation', packages)
        self.assertEqual(set(), packages - set(MAY_IMPORT) - ROOTS -
                         {'conf', 'policies'})

    def test_imports_follow_the_dependency_rule(self):
        broken = []
        for rel, path in _modules():
            own = rel.split(os.sep)[1].removesuffix('.py')
            if own in ROOTS or own == 'conf':
                continue
            with open(path) as f:
                tree = ast.parse(f.read())
            for name, _ in _imports(tree):
                target = _package(name)
                if target is None or target in (own, 'conf'):
                    continue
                if any(name == leaf or name.startswith(leaf + '.')
                       for leaf in LEAVES):
                    continue
                if target not in MAY_IMPORT.get(own, set()):
                    broken.append('%s imports %s' % (rel, name))
        self.assertEqual([], broken)

    def test_no_plugin_import_inside_a_function(self):
        hidden = []
        for rel, path in _modules():
            with open(path) as f:
                tree = ast.parse(f.read())
            hidden.extend('%s: %s' % (rel, name)
                          for name, in_function in _imports(tree)
                          if in_function and name.startswith(PACKAGE))
        self.assertEqual([], hidden)
