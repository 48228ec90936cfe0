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
"""Keystone as an OpenID provider: /v4/oauth2/{domain_id}/...

So far the published signing keys (``jwks``); the authorization, token,
userinfo and discovery endpoints come with the rest of the provider.
"""

import hashlib
import http.client
import json

import flask

from keystone import exception
from keystone.server import flask as ks_flask

from keystone_ng_plugin.common import api as ng_api
from keystone_ng_plugin.oauth2 import keys
import keystone_ng_plugin.conf

CONF = keystone_ng_plugin.conf.CONF
TAGS = ('oauth2',)

_jwk = {
    'type': 'object',
    'required': ['kty', 'kid', 'alg', 'use'],
    'properties': {
        'kty': {'type': 'string', 'enum': ['EC', 'RSA']},
        'kid': {'type': 'string',
                'description': 'RFC 7638 thumbprint of the key'},
        'alg': {'type': 'string', 'enum': ['ES256', 'RS256']},
        'use': {'type': 'string', 'enum': ['sig']},
        'crv': {'type': 'string'}, 'x': {'type': 'string'},
        'y': {'type': 'string'}, 'n': {'type': 'string'},
        'e': {'type': 'string'},
    },
    'additionalProperties': False,
}
jwks_response = {
    'type': 'object',
    'required': ['keys'],
    'properties': {'keys': {'type': 'array', 'items': _jwk, 'minItems': 1}},
    'additionalProperties': False,
}


class JWKSResource(ks_flask.ResourceBase):

    @ng_api.operation(
        summary="The public signing keys of a domain's OpenID provider",
        tags=TAGS, authenticated=False, errors=(304, 404),
        response_media_types=('application/json',),
        response_headers=(
            ('Cache-Control', 'public, max-age=[oauth2] jwks_max_age'),
            ('ETag', 'The document\'s version: send it back in '
                     'If-None-Match for a 304.')),
        response_schema=jwks_response)
    @ks_flask.unenforced_api
    def get(self, domain_id):
        """The JSON Web Key Set (RFC 7517) tokens of the domain's provider
        are signed with: the signing key first, then the one that signs
        after the next rotation, then retired keys until the tokens they
        signed have expired. 404 for a domain without keys
        (``keystone-ng-manage oauth2_key_rotate`` makes them).
        """
        published = keys.published(domain_id)
        if not published:
            raise exception.NotFound(
                target='signing keys of domain %s' % domain_id)
        body = json.dumps({'keys': published}, sort_keys=True)
        etag = hashlib.sha256(body.encode()).hexdigest()[:32]
        if flask.request.if_none_match.contains(etag):
            response = flask.Response(status=http.client.NOT_MODIFIED)
        else:
            response = flask.Response(body, mimetype='application/json')
        response.set_etag(etag)
        response.headers['Cache-Control'] = (
            'public, max-age=%d' % CONF.oauth2.jwks_max_age)
        return response


class OAuth2API(ng_api.V4APIBase):
    _name = 'ng_oauth2'
    _import_name = __name__
    url_prefix = '/v4/oauth2'
    resource_mapping = [
        ng_api.resource(JWKSResource, '/<string:domain_id>/jwks'),
    ]


APIs = (OAuth2API,)
