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
"""Version discovery: v4 in keystone's root document, and v4 URLs.

``GET /`` keeps keystone's document (300 Multiple Choices, v3 preferred) and
gains a ``v4.0`` entry whose status is ``EXPERIMENTAL``, so clients that
discover versions (keystoneauth, openstackclient) keep choosing v3.
"""

import flask
from oslo_serialization import jsonutils

from keystone.api import discovery as ks_discovery
from keystone.server import flask as ks_flask

V4_ID = 'v4.0'
V4_STATUS = 'EXPERIMENTAL'
V4_UPDATED = '2026-11-29T00:00:00Z'
V4_MEDIA_TYPE = 'application/vnd.openstack.identity-v4+json'
ROOT_ENDPOINT = 'Discovery.get_versions'


def base_url() -> str:
    """Keystone's public base URL, without a version."""
    url = ks_flask.base_url()
    return url[:-len('/v3')] if url.endswith('/v3') else url


def v4_url(path: str = '') -> str:
    """An absolute URL of a /v4 resource (path relative to /v4)."""
    path = path.strip('/')
    return '/'.join(p for p in (base_url(), 'v4', path) if p)


def v4_version() -> dict:
    """The v4 entry of a version document."""
    return {
        'id': V4_ID,
        'status': V4_STATUS,
        'updated': V4_UPDATED,
        'links': [
            {'rel': 'self', 'href': v4_url() + '/'},
            {'rel': 'describedby',
             'type': 'application/vnd.oai.openapi+json;version=3.1',
             'href': v4_url('openapi.json')},
        ],
        'media-types': [
            {'base': 'application/json', 'type': V4_MEDIA_TYPE},
        ],
    }


def _root_with_v4(view):
    def get_versions(*args, **kwargs):
        response = view(*args, **kwargs)
        if (ks_discovery.v3_mime_type_best_match()
                == ks_discovery.MimeTypes.JSON_HOME):
            return response
        document = jsonutils.loads(response.get_data())
        document['versions']['values'].append(v4_version())
        response.set_data(jsonutils.dumps(document))
        return response
    get_versions.__wrapped__ = view
    return get_versions


def install(app: flask.Flask):
    """List v4 in keystone's root version document."""
    try:
        view = app.view_functions[ROOT_ENDPOINT]
    except KeyError:
        raise RuntimeError(
            'keystone root discovery endpoint %s not found; keystone '
            'internals moved' % ROOT_ENDPOINT)
    app.view_functions[ROOT_ENDPOINT] = _root_with_v4(view)
