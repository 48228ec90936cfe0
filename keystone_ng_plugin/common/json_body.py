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
"""Let configured /v4 paths take request bodies that are not JSON.

Keystone's app-level ``json_body_before_request`` answers 400 to every
request with a non-JSON body (only ``/v3/OS-OAUTH2/`` is exempt). OpenID
Connect ``response_mode=form_post`` callbacks are form posts, so the plugin
replaces that function, on its own application instance only, by one that
skips the prefixes of ``[keystone_ng] json_body_exempt_prefixes``, and the
form endpoints an API declares with :func:`allow_form_bodies` (the OpenID
provider's token endpoint: RFC 6749 requests are forms).
"""

import re
import typing as ty

import flask

from keystone.server.flask.request_processing import json_body as ks_json_body

import keystone_ng_plugin.conf

CONF = keystone_ng_plugin.conf.CONF


_FORM_PATHS: list[ty.Pattern] = []


def allow_form_bodies(path_pattern: str):
    """Let the /v4 paths matching a regular expression (anchored at both
    ends) take form bodies."""
    if not path_pattern.startswith('^/v4/'):
        raise ValueError('only /v4 paths take form bodies')
    _FORM_PATHS.append(re.compile(path_pattern))


def is_exempt(path: str) -> bool:
    """Whether a request path may carry a non-JSON body."""
    if any(pattern.match(path) for pattern in _FORM_PATHS):
        return True
    for prefix in CONF.keystone_ng.json_body_exempt_prefixes:
        # Only the plugin's own namespace can be opened up.
        if prefix.startswith('/v4/') and path.startswith(prefix):
            return True
    return False


def json_body_before_request():
    """Keystone's JSON body check, except on exempt /v4 paths."""
    if is_exempt(flask.request.path or ''):
        return None
    return ks_json_body.json_body_before_request()


def install(app):
    """Swap keystone's JSON body check for :func:`json_body_before_request`."""
    funcs = app.before_request_funcs.setdefault(None, [])
    for index, func in enumerate(funcs):
        if func is ks_json_body.json_body_before_request:
            funcs[index] = json_body_before_request
            return
    raise RuntimeError(
        "keystone's json_body_before_request is not registered on the app; "
        'keystone internals moved (see keystone_ng_plugin.common.compat)')
