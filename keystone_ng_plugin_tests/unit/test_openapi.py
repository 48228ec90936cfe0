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
"""The OpenAPI document: generated from code, valid, and committed."""

import os

from openapi_spec_validator import validate as validate_spec
import testtools
import yaml

from keystone.server import flask as ks_flask

from keystone_ng_plugin.api import versions
from keystone_ng_plugin.common import api as ng_api
from keystone_ng_plugin.common import openapi
import keystone_ng_plugin_tests
from keystone_ng_plugin_tests.unit import fake_api

REPO_ROOT = keystone_ng_plugin_tests.TOP
COMMITTED = os.path.join(REPO_ROOT, 'doc', 'source', 'api', 'openapi.yaml')


class OpenAPIDocumentTest(testtools.TestCase):

    def test_document_is_valid_openapi_31(self):
        validate_spec(versions.openapi_document())

    def test_committed_document_matches_code(self):
        with open(COMMITTED) as f:
            committed = f.read()
        generated = openapi.to_yaml(versions.openapi_document())
        self.assertEqual(
            generated, committed,
            'doc/source/api/openapi.yaml drifted from the code; regenerate '
            'it with: keystone-ng-manage openapi > '
            'doc/source/api/openapi.yaml')

    def test_schemas_in_document_are_the_validation_schemas(self):
        doc = openapi.build_document(fake_api.FakeAPI.routes())
        validate_spec(doc)
        post = doc['paths']['/v4/fake']['post']
        self.assertEqual(
            fake_api.create_body,
            post['requestBody']['content']['application/json']['schema'])
        self.assertEqual(
            fake_api.fake_body,
            post['responses']['201']['content']['application/json'][
                'schema'])
        self.assertIn('400', post['responses'])
        self.assertEqual([{'X-Auth-Token': []}], post['security'])
        form = doc['paths']['/v4/fake-form']['post']
        self.assertEqual([], form['security'])
        self.assertNotIn('401', form['responses'])

    def test_path_parameters_and_query_schema(self):
        class ItemResource(ks_flask.ResourceBase):
            @ng_api.operation(summary='Show an item')
            def get(self, item_id):
                pass
        ItemResource.get._request_query_schema = {
            'type': 'object',
            'properties': {'limit': {'type': 'integer'}}}

        class ItemAPI(ng_api.V4APIBase):
            _name = 'ng_items'
            _import_name = __name__
            url_prefix = '/v4/items'
            resource_mapping = [
                ng_api.resource(ItemResource, '/<string:item_id>')]

        doc = openapi.build_document(ItemAPI.routes())
        validate_spec(doc)
        op = doc['paths']['/v4/items/{item_id}']['get']
        self.assertEqual(
            [('item_id', 'path', True), ('limit', 'query', False)],
            [(p['name'], p['in'], p['required']) for p in op['parameters']])
        self.assertIn('404', op['responses'])

    def test_every_list_is_paginated(self):
        """A list (an answer with links) takes limit and marker: the
        contract's paging, bounded by keystone's list_limit."""
        unpaged = []
        for path, item in versions.openapi_document()['paths'].items():
            op = item.get('get')
            if op is None:
                continue
            answer = op['responses']['200'].get('content', {}).get(
                'application/json', {}).get('schema', {})
            if 'links' not in answer.get('required', ()):
                continue
            query = {p['name'] for p in op.get('parameters', ())
                     if p['in'] == 'query'}
            if not {'limit', 'marker'} <= query:
                unpaged.append(path)
        self.assertEqual([], unpaged)

    def test_undeclared_method_is_a_programming_error(self):
        class Bare(ks_flask.ResourceBase):
            def get(self):
                pass

        class BareAPI(ng_api.V4APIBase):
            _name = 'ng_bare'
            _import_name = __name__
            resource_mapping = [ng_api.resource(Bare, '/bare')]

        self.assertRaises(TypeError, BareAPI.routes)

    def test_yaml_round_trips(self):
        doc = versions.openapi_document()
        self.assertEqual(doc, yaml.safe_load(openapi.to_yaml(doc)))
