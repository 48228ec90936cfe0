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
"""GET /v4 (version document or JSON-Home) and the OpenAPI document."""

import functools

import flask

from keystone.api import discovery as ks_discovery
from keystone.server import flask as ks_flask

from keystone_ng_plugin import api as apis
from keystone_ng_plugin.common import api as ng_api
from keystone_ng_plugin.common import discovery
from keystone_ng_plugin.common import openapi
from keystone_ng_plugin.common import validation
from keystone_ng_plugin.api import schema

JSON_HOME = ks_discovery.MimeTypes.JSON_HOME
TAGS = ('version',)


@functools.lru_cache(maxsize=1)
def _routes():
    return tuple(route for api in apis.api_classes()
                 for route in api.routes())


def openapi_document() -> dict:
    """The OpenAPI document of every /v4 route this process serves."""
    return openapi.build_document(_routes())


class VersionResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary='Show the v4 version document, or its JSON-Home',
        tags=TAGS, authenticated=False,
        response_media_types=('application/json', JSON_HOME))
    @validation.response_body_schema(schema.version_get_response_body)
    @ks_flask.unenforced_api
    def get(self):
        """The v4 API version (status EXPERIMENTAL).

        With ``Accept: application/json-home`` the answer is the JSON-Home
        document of every /v4 resource.
        """
        if ks_discovery.v3_mime_type_best_match() == JSON_HOME:
            return openapi.build_json_home(_routes())
        return {'version': discovery.v4_version()}


class OpenAPIJSONResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary='Show the OpenAPI 3.1 document of the v4 API (JSON)',
        tags=TAGS, authenticated=False)
    @validation.response_body_schema(schema.openapi_document)
    @ks_flask.unenforced_api
    def get(self):
        """The OpenAPI document, generated from the code that serves /v4."""
        return openapi_document()


class OpenAPIYAMLResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary='Show the OpenAPI 3.1 document of the v4 API (YAML)',
        tags=TAGS, authenticated=False,
        response_media_types=('application/yaml',))
    @ks_flask.unenforced_api
    def get(self):
        """The same document as /v4/openapi.json, as YAML."""
        return flask.Response(openapi.to_yaml(openapi_document()),
                              mimetype='application/yaml')


class VersionAPI(ng_api.V4APIBase):
    _name = 'ng_version'
    _import_name = __name__
    url_prefix = '/v4'
    resource_mapping = [
        ng_api.resource(VersionResource, '/', strict_slashes=False),
        ng_api.resource(OpenAPIJSONResource, '/openapi.json'),
        ng_api.resource(OpenAPIYAMLResource, '/openapi.yaml'),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.api.representation(JSON_HOME)(self._output_json)


APIs = (VersionAPI,)
