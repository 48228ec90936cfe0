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
"""The edge: what every request passes before keystone sees it.

A WSGI middleware outside all of keystone's own (its auth context
middleware validates ``X-Auth-Token`` before any route runs), for the
plugin's /v4 routes and keystone's v3 routes alike:

* **Hostile input** is refused with keystone's 400 before any driver call:
  a NUL or an unpaired surrogate (or bytes that are not UTF-8) in the path,
  the query string, a header, or any string (key or value) of a JSON or
  form body, and JSON nested deeper than ``[keystone_ng] max_json_depth``.
  Keystone and the databases answer such input with a 500 (PostgreSQL
  cannot store a NUL, Python's JSON parser overflows its stack), or store
  it and fail on every later read.
* **Outages**: a database that cannot be reached answers 503 with
  ``Retry-After`` (``[keystone_ng] outage_retry_after``), not a 500, and
  logs one line per request, not a traceback.
"""

import io
import json
import typing as ty
import urllib.parse

from oslo_log import log

import keystone.conf
from keystone.server.flask.request_processing.middleware import auth_context

from keystone_ng_plugin.common import errors
from keystone_ng_plugin.common import text as ng_text
from keystone_ng_plugin.common import throttle
import keystone_ng_plugin.conf  # noqa: F401 (registers [keystone_ng])

CONF = keystone.conf.CONF
LOG = log.getLogger(__name__)

_JSON = ('application/json',)
_FORM = 'application/x-www-form-urlencoded'
# oslo.middleware's sizelimit (after this middleware) answers 413 above it.
_DEFAULT_MAX_BODY = 114688


class Hostile(ValueError):
    """A request part that no endpoint may receive."""


class TooLarge(ValueError):
    """A body larger than keystone accepts."""


def _check_text(value: str, where: str):
    if ng_text.is_hostile(value):
        raise Hostile('%s contains a NUL or an unpaired surrogate' % where)


def _utf8(raw: bytes, where: str) -> str:
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError:
        raise Hostile('%s is not valid UTF-8' % where)
    _check_text(text, where)
    return text


def _wsgi_bytes(value: str) -> bytes:
    # PEP 3333: environ strings carry the raw bytes as latin-1.
    try:
        return value.encode('latin-1')
    except UnicodeEncodeError:
        return value.encode('utf-8', 'surrogatepass')


def _check_urlencoded(raw: bytes, what: str):
    """Each name and value of a query string or form body, percent-decoded,
    must be UTF-8 without NUL or surrogates."""
    for part in raw.split(b'&'):
        if not part:
            continue
        name, _, value = part.partition(b'=')
        name = urllib.parse.unquote_to_bytes(name.replace(b'+', b' '))
        _utf8(name, 'a %s name' % what)
        _utf8(urllib.parse.unquote_to_bytes(value.replace(b'+', b' ')),
              '%s %r' % (what, name.decode('utf-8', 'replace')))


def check_query(query: str):
    _check_urlencoded(_wsgi_bytes(query), 'query parameter')


def check_headers(environ: dict):
    for name, value in environ.items():
        if name.startswith('HTTP_') and isinstance(value, str) and (
                '\x00' in value):
            raise Hostile('header %s contains a NUL' % name[5:])
    for name in ('HTTP_X_AUTH_TOKEN', 'HTTP_X_SUBJECT_TOKEN',
                 'HTTP_AUTHORIZATION', 'HTTP_OPENSTACK_MAPPING_NAME',
                 'HTTP_OPENSTACK_MAPPING', 'HTTP_X_FORWARDED_FOR',
                 'HTTP_OPENSTACK_AUTH_RECEIPT', 'HTTP_ORIGIN'):
        if name in environ:
            _utf8(_wsgi_bytes(environ[name]), 'header ' + name[5:])


def check_json(text: str, max_depth: int):
    """Refuse bad strings anywhere and nesting beyond ``max_depth``.

    Malformed JSON is left to keystone's own 400.
    """
    try:
        document = json.loads(text)
    except RecursionError:
        raise Hostile('JSON nested more than %d deep' % max_depth)
    except ValueError:
        return
    try:
        where = ng_text.find_hostile(document, max_depth)
    except ng_text.TooDeep:
        raise Hostile('JSON nested more than %d deep' % max_depth)
    if where:
        raise Hostile('%s contains a NUL or an unpaired surrogate' % where)


def check_form(body: bytes):
    _check_urlencoded(body, 'form field')


def _max_body() -> int:
    return getattr(CONF.oslo_middleware, 'max_request_body_size',
                   _DEFAULT_MAX_BODY)


def _read_body(environ: dict) -> bytes:
    """The body (the stream is replaced by a copy of it).

    Raises:
        TooLarge: over [oslo_middleware] max_request_body_size (keystone's
            own limit, answered here in keystone's error format).
    """
    limit = _max_body()
    length = int(environ.get('CONTENT_LENGTH') or 0)
    stream = environ.get('wsgi.input')
    if stream is None:
        return b''
    if length > limit:
        raise TooLarge()
    if length:
        body = stream.read(length)
    elif environ.get('HTTP_TRANSFER_ENCODING', '').lower() == 'chunked':
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise TooLarge()
        environ['CONTENT_LENGTH'] = str(len(body))
    else:
        return b''
    environ['wsgi.input'] = io.BytesIO(body)
    return body


def check_request(environ: dict):
    """Raise :class:`Hostile` for a request no endpoint may receive
    (:class:`TooLarge` for a body over keystone's limit)."""
    try:
        int(environ.get('CONTENT_LENGTH') or 0)
    except ValueError:
        raise Hostile('Content-Length is not a number')
    _utf8(_wsgi_bytes(environ.get('PATH_INFO', '')), 'the path')
    check_query(environ.get('QUERY_STRING', ''))
    check_headers(environ)
    mimetype = (environ.get('CONTENT_TYPE') or '').split(';')[0].strip()
    if mimetype not in _JSON and mimetype != _FORM:
        # keystone refuses other bodies; only their size matters here
        if int(environ.get('CONTENT_LENGTH') or 0) > _max_body():
            raise TooLarge()
        return
    body = _read_body(environ)
    if not body:
        return
    if mimetype == _FORM:
        check_form(body)
    else:
        check_json(_utf8(body, 'the JSON body'),
                   CONF.keystone_ng.max_json_depth)


def error_response(start_response, code: int, title: str, message: str,
                   headers: ty.Sequence[tuple[str, str]] = ()):
    """Keystone's JSON error envelope, as a WSGI response."""
    body = json.dumps({'error': {'code': code, 'title': title,
                                 'message': message}}).encode()
    start_response('%d %s' % (code, title), [
        ('Content-Type', 'application/json'),
        ('Content-Length', str(len(body))), *headers])
    return [body]


class Edge:
    """WSGI middleware: hostile input refused, outages answered 503."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        # before keystone's ProxyFix rewrites it from X-Forwarded-For
        environ[throttle.PEER_ENVIRON] = environ.get('REMOTE_ADDR')
        try:
            check_request(environ)
        except Hostile as exc:
            LOG.info('%s %s refused: %s', environ.get('REQUEST_METHOD'),
                     _printable(environ.get('PATH_INFO', '')), exc)
            return error_response(
                start_response, 400, 'Bad Request',
                'Invalid input for this request: %s.' % exc)
        except TooLarge:
            return error_response(
                start_response, 413, 'Request Entity Too Large',
                'The request body is larger than this service accepts.')
        try:
            return self.application(environ, start_response)
        except Exception as exc:
            if not errors.is_outage(exc):
                raise
            LOG.warning('%s %s: the database is unavailable (%s)',
                        environ.get('REQUEST_METHOD'),
                        _printable(environ.get('PATH_INFO', '')),
                        type(exc).__name__)
            return error_response(
                start_response, 503, 'Service Unavailable',
                'The identity service cannot reach its database; try '
                'again shortly.',
                headers=[('Retry-After',
                          str(CONF.keystone_ng.outage_retry_after))])


def _printable(value: str) -> str:
    return value.encode('unicode_escape').decode('ascii')[:200]


def _outage_passes_through(decorated):
    """keystone's auth context middleware (which validates X-Auth-Token
    before any route) answers every exception itself, an outage with a 500
    and a traceback; let an outage reach the edge (503, one line), and
    handle everything else exactly as keystone's decorator does."""
    inner = decorated.__wrapped__

    def process_request(self, request):
        try:
            return inner(self, request)
        except Exception as exc:
            if errors.is_outage(exc):
                raise

            def reraise(self, request, _error=exc):
                raise _error
            return auth_context.middleware_exceptions(reraise)(self, request)

    process_request._ng_outage_aware = True
    process_request.__wrapped__ = inner
    return process_request


def install(app):
    """Wrap the application's WSGI callable (outermost, idempotent)."""
    if not isinstance(app.wsgi_app, Edge):
        app.wsgi_app = Edge(app.wsgi_app)
    middleware = auth_context.AuthContextMiddleware
    if not getattr(middleware.process_request, '_ng_outage_aware', False):
        middleware.process_request = _outage_passes_through(
            middleware.process_request)
