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
"""The benchmark report is what tools/bench renders from its figures.

Nothing here measures: the committed page (doc/source/performance.rst) must
be exactly what ``tools/bench --from-json doc/source/performance.json``
writes, so that no figure is edited by hand and one command regenerates
the page, its tables and its plots.
"""

import copy
import importlib.util
import json
import os
import sys
import tempfile

import testtools

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir,
                                   os.pardir))
DOC = os.path.join(TOP, 'doc', 'source')


def _bench():
    sys.path.insert(0, os.path.join(TOP, 'tools'))
    spec = importlib.util.spec_from_file_location(
        'ng_bench', os.path.join(TOP, 'tools', 'bench.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BenchReportTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.bench = _bench()
        with open(os.path.join(DOC, 'performance.json')) as f:
            self.figures = json.load(f)
        self.out = tempfile.mkdtemp()
        self.addCleanup(__import__('shutil').rmtree, self.out)

    def _render(self, figures):
        rst = os.path.join(self.out, 'performance.rst')
        self.bench.main(['--from-json', self._write(figures), '--rst', rst,
                         '--json', os.path.join(self.out, 'again.json')])
        with open(rst) as f:
            return f.read()

    def _write(self, figures):
        path = os.path.join(self.out, 'figures.json')
        with open(path, 'w') as f:
            json.dump(figures, f)
        return path

    def test_the_committed_page_is_the_rendered_figures(self):
        with open(os.path.join(DOC, 'performance.rst')) as f:
            committed = f.read()
        self.assertEqual(committed, self._render(self.figures),
                         'doc/source/performance.rst differs from what '
                         'tools/bench --from-json doc/source/performance.'
                         'json renders: rerun that, do not edit by hand')
        for image in self.bench.IMAGE_ALT:
            if '.. image:: figures/' + image in committed:
                self.assertTrue(os.path.exists(os.path.join(
                    DOC, 'figures', image)), image)

    def test_plots_and_tables_of_every_part(self):
        page = self._render(self.figures)
        written = sorted(os.listdir(os.path.join(self.out, 'figures')))
        self.assertIn('latency-concurrency.svg', written)
        self.assertIn('ratios.svg', written)
        for name in written:
            self.assertIn('.. image:: figures/' + name, page)
            with open(os.path.join(self.out, 'figures', name)) as f:
                self.assertIn('<svg', f.read(2000))
        self.assertIn('Ratios to keystone', page)

    def test_scale_goal_and_lists(self):
        figures = copy.deepcopy(self.figures)
        flows = {'passkey_login': 10.0, 'jwt_login': 8.0,
                 'token_login': 5.0}
        figures['scale'] = {'setup': figures.get('setup', {}), 'sizes': {
            '100': {f: {'median_ms': v} for f, v in flows.items()},
            '100000': {f: {'median_ms': v * (1.5 if f == 'jwt_login'
                                             else 1.1)}
                       for f, v in flows.items()}}}
        for size in figures['scale']['sizes'].values():
            size['list_mappings'] = {'median_ms': 20.0, 'items': 100,
                                     'next': True}
        page = self._render(figures)
        self.assertIn('Latency against row count', page)
        self.assertIn('10^5 / 10^2', page)
        self.assertIn('<= 1.2x: NOT met', page)   # jwt_login, 1.5x
        self.assertIn('<= 1.2x: met', page)       # passkey_login, 1.1x
        self.assertIn('20.0 (100 items, next)', page)
        self.assertIn('latency-rows.svg',
                      os.listdir(os.path.join(self.out, 'figures')))
