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
"""Keystone's JSON error envelope, and one log line per client error.

Flask answers a path no route matches with an HTML page. Under /v4 the
plugin answers with keystone's ``{"error": {...}}`` envelope instead; every
other path keeps whatever handler the application had.

Keystone logs every client error but 401 and 404 with a traceback
(``LOG.exception``): under fuzzing, about one traceback per request, so an
anonymous client could inflate the logs at will. The plugin renders those
errors exactly as keystone does and logs one line. A ``retry_after`` on
an error (429, 503) becomes the ``Retry-After`` header.
"""

import flask
from oslo_db import exception as db_exception
import oslo_i18n
from oslo_log import log
import sqlalchemy as sa
import werkzeug.exceptions

from keystone import exception

from keystone_ng_plugin.common import compat

LOG = log.getLogger(__name__)

V4_PREFIX = '/v4'


def _is_v4(path: str) -> bool:
    return path == V4_PREFIX or path.startswith(V4_PREFIX + '/')


def _envelope(code: int, title: str, message: str):
    response = flask.jsonify(
        {'error': {'code': code, 'title': title, 'message': message}})
    response.status_code = code
    return response


def method_not_allowed_response(error):
    """A 405 in keystone's envelope, with the Allow header."""
    response = _envelope(
        405, 'Method Not Allowed',
        'The method %s is not allowed on %s.' % (
            flask.request.method, flask.request.path))
    response.headers['Allow'] = ', '.join(sorted(error.valid_methods or ()))
    return response


def _is_plain_client_error(error) -> bool:
    """A 4xx keystone renders with nothing but the envelope (and logs
    with a traceback)."""
    return 400 <= error.code < 500 and not isinstance(error, (
        exception.Unauthorized, exception.NotFound,
        exception.InsufficientAuthMethods, exception.OAuth2Error,
        exception.RedirectRequired))


# What a database that cannot be reached raises, wrapped or not.
_OUTAGE_TYPES = (db_exception.DBConnectionError, sa.exc.OperationalError,
                 sa.exc.InterfaceError, sa.exc.DisconnectionError,
                 sa.exc.TimeoutError)


def is_outage(error: BaseException) -> bool:
    """Whether an exception means the database is not reachable."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, _OUTAGE_TYPES):
            return True
        if isinstance(error, sa.exc.DBAPIError) and \
                error.connection_invalidated:
            return True
        inner = getattr(error, 'inner_exception', None)
        if isinstance(inner, _OUTAGE_TYPES):
            return True
        error = error.__cause__ or error.__context__
    return False


def keystone_error(error):
    """Keystone's error handler, with one log line for client errors and
    a 503 for an error that wraps a database outage."""
    if error.code >= 500 and is_outage(error):
        raise error   # the edge answers it
    if not _is_plain_client_error(error):
        response = compat.handle_keystone_exception(error)
    else:
        LOG.info('%s %s: %d %s', flask.request.method,
                 flask.request.path.encode('unicode_escape').decode()[:200],
                 error.code, error)
        message = oslo_i18n.translate(
            error.args[0], compat.best_match_language())
        response = _envelope(error.code, error.title, str(message))
    retry_after = getattr(error, 'retry_after', None)
    if retry_after:
        response.headers['Retry-After'] = str(retry_after)
    return response


def install(app: flask.Flask):
    """Render 404 and 405 under /v4 with keystone's envelope; keystone's
    errors with one log line for client errors."""
    for error_class in exception.KEYSTONE_API_EXCEPTIONS:
        app.register_error_handler(error_class, keystone_error)
    previous_404 = app.error_handler_spec.get(None, {}).get(404, {}).get(
        werkzeug.exceptions.NotFound)

    def not_found(error):
        if _is_v4(flask.request.path):
            return compat.handle_keystone_exception(
                exception.NotFound(target=flask.request.path))
        if previous_404 is not None:
            return previous_404(error)
        return error

    def method_not_allowed(error):
        if _is_v4(flask.request.path):
            return method_not_allowed_response(error)
        return error

    app.register_error_handler(404, not_found)
    app.register_error_handler(405, method_not_allowed)
