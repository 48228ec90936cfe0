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
"""Request and response validation with validators built once.

Same contract as keystone's ``keystone.api.validation`` decorators (same
validator class, error format, ``[api] response_validation`` handling and
the ``_request_body_schema``/``_response_body_schema`` attributes the
OpenAPI generator reads), except that keystone builds a new JSON schema
validator class on every call, which costs about a millisecond per request;
here each schema's validator is built when the API is declared.
"""

import functools
import typing as ty

import flask
from oslo_log import log
from oslo_serialization import jsonutils

import keystone.conf
from keystone import exception

from keystone_ng_plugin.common import compat

CONF = keystone.conf.CONF
LOG = log.getLogger(__name__)


FORM = 'application/x-www-form-urlencoded'


def request_body(form: bool = False) -> dict:
    """The request body: JSON, or (with ``form``) an HTML form post."""
    if form and flask.request.mimetype == FORM:
        return flask.request.form.to_dict()
    return flask.request.get_json(silent=True, force=True) or {}


def request_body_schema(schema: ty.Optional[dict] = None,
                        form: bool = False):
    """Validate the request body against ``schema`` (400 if not).

    The body is JSON; with ``form`` an HTML form post is also accepted (its
    fields as strings), for endpoints an identity provider may post to.
    The path must then be in ``[keystone_ng] json_body_exempt_prefixes``.
    """
    validator = compat.schema_validator(schema) if schema else None

    def add_validator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if validator is not None:
                if not form and not flask.request.get_data(cache=True):
                    # the document says the body is required: so it is
                    raise exception.ValidationError(
                        message='This request needs a JSON body.')
                validator.validate(request_body(form))
            return func(*args, **kwargs)

        wrapper._request_body_schema = schema
        wrapper._request_body_form = form
        return wrapper

    return add_validator


def request_query_schema(schema: ty.Optional[dict] = None):
    """Validate the query string against ``schema`` (400 if not)."""
    validator = compat.schema_validator(schema) if schema else None

    def add_validator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if validator is not None:
                validator.validate(flask.request.args)
            return func(*args, **kwargs)

        wrapper._request_query_schema = schema
        return wrapper

    return add_validator


def response_body_schema(schema: ty.Optional[dict] = None):
    """Check the response body against ``schema`` per [api]
    response_validation (error: 500, warn: log, ignore)."""
    validator = compat.schema_validator(schema) if schema else None

    def add_validator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            response = func(*args, **kwargs)
            mode = CONF.api.response_validation
            if validator is None or mode == 'ignore':
                return response
            body = response[0] if isinstance(response, tuple) else response
            # Serialize and load back, as keystone does (datetimes...).
            body = jsonutils.loads(jsonutils.dump_as_bytes(body))
            try:
                validator.validate(body)
            except exception.SchemaValidationError:
                if mode != 'warn':
                    raise
                LOG.exception('Response failed schema validation')
            return response

        wrapper._response_body_schema = schema
        return wrapper

    return add_validator
