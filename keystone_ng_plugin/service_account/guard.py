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
"""Keystone v3 calls that would give a service account a way to log in.

Keystone's v3 API would let an administrator set a service account's
password, or anyone with its token create credentials for it. The plugin's
application refuses these requests, before keystone handles them, with a
403 in keystone's error format:

* ``PATCH /v3/users/{id}`` setting ``password`` or unmarking the account;
* ``POST /v3/users/{id}/password``;
* ``POST /v3/users/{id}/application_credentials``;
* ``POST /v3/users/{id}/credentials/OS-EC2``;
* ``POST /v3/credentials`` for the account (and ``PATCH`` moving one to it).
"""

import re

import flask

from keystone import exception

from keystone_ng_plugin.common import compat
from keystone_ng_plugin.service_account import core

_USER_PATHS = re.compile(
    r'^/v3/users/(?P<user_id>[^/]+)'
    r'(?P<rest>|/password|/application_credentials|/credentials/OS-EC2)/?$')


def _body() -> dict:
    body = flask.request.get_json(silent=True, force=True)
    return body if isinstance(body, dict) else {}


def _target_user() -> tuple[str, str]:
    """(user ID, what the request would give it) or ('', '')."""
    method, path = flask.request.method, flask.request.path or ''
    match = _USER_PATHS.match(path)
    if match:
        rest = match.group('rest')
        if method == 'PATCH' and rest == '':
            user = _body().get('user') or {}
            if 'password' in user:
                return match.group('user_id'), 'a password'
            if core.MARK in user and user[core.MARK] is not True:
                return match.group('user_id'), 'removing its mark'
        elif method == 'POST' and rest:
            return match.group('user_id'), {
                '/password': 'a password',
                '/application_credentials': 'application credentials',
                '/credentials/OS-EC2': 'EC2 credentials'}[rest]
    elif path.rstrip('/').startswith('/v3/credentials') and method in (
            'POST', 'PATCH'):
        credential = _body().get('credential') or {}
        if credential.get('user_id'):
            return credential['user_id'], 'credentials'
    return '', ''


def refuse_service_account_credentials():
    """before_request: 403 for a v3 call giving a service account a way
    to authenticate by itself."""
    user_id, what = _target_user()
    if not user_id or not core.get_manager().is_service_account(user_id):
        return None
    # The refusal is the authorization decision for this request.
    compat.mark_enforced()
    raise exception.ForbiddenAction(
        action='give service account %s %s' % (user_id, what))


def install(app):
    app.before_request(refuse_service_account_credentials)
