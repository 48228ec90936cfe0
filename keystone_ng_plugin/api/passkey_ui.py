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
"""The passkey self-service page: /v4/passkeys/ui (plain HTML and JS)."""

import functools
import importlib.resources

import flask

from keystone.server import flask as ks_flask

from keystone_ng_plugin.common import api as ng_api

TAGS = ('passkey',)
# Scripts and styles only from files of this page: no inline code, no
# third-party origins, no framing, nothing cached.
SECURITY_HEADERS = {
    'Content-Security-Policy': (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        "connect-src 'self'; img-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'Cross-Origin-Opener-Policy': 'same-origin',
}


@functools.lru_cache(maxsize=None)
def _asset(name: str) -> bytes:
    return importlib.resources.files(
        'keystone_ng_plugin.passkey').joinpath('ui', name).read_bytes()


def _serve(name: str, mimetype: str):
    response = flask.Response(_asset(name), mimetype=mimetype)
    response.headers.update(SECURITY_HEADERS)
    return response


def _asked_with_trailing_slash() -> bool:
    # keystone's URL normalizing middleware strips the slash from
    # PATH_INFO; the request line as the WSGI server got it (uwsgi,
    # mod_wsgi and werkzeug: REQUEST_URI; gunicorn: RAW_URI) still has it.
    environ = flask.request.environ
    raw = environ.get('REQUEST_URI') or environ.get('RAW_URI') or ''
    return raw.split('?', 1)[0].endswith('/')


class PageResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='The passkey self-service page', tags=TAGS,
                      authenticated=False,
                      response_media_types=('text/html',))
    @ks_flask.unenforced_api
    def get(self):
        """Sign in (password, passkey, second factors) and manage passkeys.

        The page holds the token in memory only and talks to the v3 and v4
        APIs of this keystone. Asked for as ``ui/``, it redirects to
        ``ui``: the page's assets are relative to it.
        """
        if _asked_with_trailing_slash():
            # the path keystone routed (its middleware strips the slash),
            # behind the prefix keystone is served at
            query = flask.request.query_string.decode('latin-1')
            return flask.redirect(
                flask.request.script_root + flask.request.path +
                ('?' + query if query else ''), code=308)
        return _serve('index.html', 'text/html')


class ScriptResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Script of the passkey page', tags=TAGS,
                      authenticated=False,
                      response_media_types=('text/javascript',))
    @ks_flask.unenforced_api
    def get(self):
        """The page's JavaScript."""
        return _serve('app.js', 'text/javascript')


class StyleResource(ks_flask.ResourceBase):

    @ng_api.operation(summary='Style sheet of the passkey page', tags=TAGS,
                      authenticated=False,
                      response_media_types=('text/css',))
    @ks_flask.unenforced_api
    def get(self):
        """The page's CSS."""
        return _serve('app.css', 'text/css')


class PasskeyUIAPI(ng_api.V4APIBase):
    _name = 'ng_passkey_ui'
    _import_name = __name__
    url_prefix = '/v4/passkeys'
    resource_mapping = [
        ng_api.resource(PageResource, '/ui'),
        ng_api.resource(ScriptResource, '/ui/app.js'),
        ng_api.resource(StyleResource, '/ui/app.css'),
    ]


APIs = (PasskeyUIAPI,)
