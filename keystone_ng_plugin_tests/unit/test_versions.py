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
"""GET /v4, GET / and the served OpenAPI document."""

import http.client
import json

from openapi_spec_validator import validate as validate_spec
import yaml

from keystone_ng_plugin.api import versions
from keystone_ng_plugin_tests.unit import base


class VersionsTest(base.TestCase):

    def test_v4_version_document(self):
        with self.test_client() as c:
            for path in ('/v4', '/v4/'):
                r = c.get(path, headers={'Accept': 'application/json'})
                version = r.json['version']
                self.assertEqual('v4.0', version['id'])
                self.assertEqual('EXPERIMENTAL', version['status'])
                rels = {link['rel']: link['href']
                        for link in version['links']}
                self.assertEqual('http://localhost/v4/', rels['self'])
                self.assertEqual('http://localhost/v4/openapi.json',
                                 rels['describedby'])

    def test_v4_json_home_lists_every_v4_path(self):
        with self.test_client() as c:
            r = c.get('/v4', headers={'Accept': 'application/json-home'})
        self.assertEqual('application/json-home', r.mimetype)
        resources = json.loads(r.data)['resources']
        hrefs = {res.get('href') or res.get('href-template')
                 for res in resources.values()}
        self.assertEqual(set(versions.openapi_document()['paths']), hrefs)
        for res in resources.values():
            self.assertEqual('experimental', res['hints']['status'])

    def test_root_keeps_v3_preferred_and_lists_v4_experimental(self):
        with self.test_client() as c:
            r = c.get('/', headers={'Accept': 'application/json'},
                      expected_status_code=http.client.MULTIPLE_CHOICES)
        self.assertEqual('http://localhost/v3/', r.headers['Location'])
        values = {v['id']: v for v in r.json['versions']['values']}
        self.assertEqual({'v3.14', 'v4.0'}, set(values))
        self.assertEqual('stable', values['v3.14']['status'])
        self.assertEqual('EXPERIMENTAL', values['v4.0']['status'])

    def test_root_json_home_is_keystones(self):
        with self.test_client() as c:
            r = c.get('/', headers={'Accept': 'application/json-home'})
        self.assertEqual('application/json-home', r.mimetype)
        self.assertIn('resources', json.loads(r.data))

    def test_v3_document_is_unchanged(self):
        with self.test_client() as c:
            r = c.get('/v3', headers={'Accept': 'application/json'})
        self.assertEqual('v3.14', r.json['version']['id'])

    def test_openapi_json_is_a_valid_openapi_31_document(self):
        with self.test_client() as c:
            r = c.get('/v4/openapi.json')
        self.assertEqual('3.1.0', r.json['openapi'])
        validate_spec(r.json)
        self.assertEqual(versions.openapi_document(), r.json)

    def test_openapi_yaml_is_the_same_document(self):
        with self.test_client() as c:
            r_json = c.get('/v4/openapi.json')
            r_yaml = c.get('/v4/openapi.yaml')
        self.assertEqual('application/yaml', r_yaml.mimetype)
        self.assertEqual(r_json.json, yaml.safe_load(r_yaml.data))

    def test_unknown_v4_path_is_a_keystone_404(self):
        with self.test_client() as c:
            r = c.get('/v4/no-such-thing',
                      expected_status_code=http.client.NOT_FOUND)
        self.assertEqual(404, r.json['error']['code'])
        self.assertEqual('Not Found', r.json['error']['title'])

    def test_unknown_v3_path_keeps_keystones_handling(self):
        # keystone's test app answers unrouted paths with a 418 guard.
        with self.test_client() as c:
            self.assertRaises(AssertionError, c.get, '/v3/no-such-thing')

    def test_wrong_method_on_v4_is_a_keystone_405(self):
        with self.test_client() as c:
            r = c.post('/v4/openapi.json', json={},
                       expected_status_code=http.client.METHOD_NOT_ALLOWED)
        self.assertEqual(405, r.json['error']['code'])
        self.assertIn('GET', r.headers['Allow'])


class ArgvGuardTest(base.TestCase):

    def test_wsgi_server_flags_hidden_then_restored(self):
        import sys

        from keystone_ng_plugin.server import app as server
        saved = sys.argv
        self.addCleanup(setattr, sys, 'argv', saved)
        sys.argv = ['gunicorn', '--bind', '127.0.0.1:5000', 'x:app']
        with server.argv_hidden_from_oslo_config():
            self.assertEqual(['gunicorn'], sys.argv)
        self.assertEqual(['gunicorn', '--bind', '127.0.0.1:5000', 'x:app'],
                         sys.argv)

    def test_install_is_idempotent(self):
        from keystone_ng_plugin.server import app as server
        app = self.loadapp()
        rules = len(list(app.url_map.iter_rules()))
        server.install(app)
        self.assertEqual(rules, len(list(app.url_map.iter_rules())))
