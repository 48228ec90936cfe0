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
"""The device page of the OpenID provider (RFC 8628 section 3.3): the
user enters the code the device shows, then signs in and answers on the
same pages as the authorization endpoint's (:mod:`authorize`), with the
same password, passkey and second-factor rules.

The request the code names lives in SQL (:mod:`state`), so any node
serves any step. A code is tried at most
``[oauth2] device_user_code_attempts`` times (entries and failed sign-ins
after them); past that the device gets ``access_denied``. A wrong code
also costs the client address extra requests of its throttle bucket
(:mod:`keystone_ng_plugin.common.throttle`), on top of the one every
anonymous request takes, so guessing codes is slower than typing them.
The page never approves on its own: the user code in
``verification_uri_complete`` only fills the form, and a signed-in user
still confirms on the consent page, which shows the code.
"""

import flask

from keystone import exception
from oslo_log import log

from keystone_ng_plugin.common import throttle
from keystone_ng_plugin.oauth2 import authorize
from keystone_ng_plugin.oauth2 import keys
from keystone_ng_plugin.oauth2 import server as oauth2_server
from keystone_ng_plugin.oauth2 import state
import keystone_ng_plugin.conf

CONF = keystone_ng_plugin.conf.CONF
LOG = log.getLogger(__name__)
# what a wrong user code costs the client address, in requests
WRONG_CODE_COST = 4


def _shown(code: str) -> str:
    """A normalized user code as the device shows it: XXXX-XXXX."""
    half = state.USER_CODE_LENGTH // 2
    return '%s-%s' % (code[:half], code[half:])


def _entry_page(domain_id: str, user_code: str = '', error=None,
                status: int = 200) -> flask.Response:
    return authorize.page(
        'device.html', status=status, title='Sign in a device',
        error=error, user_code=user_code,
        domain_name=authorize.domain_name(domain_id),
        action=authorize.provider_path(domain_id, 'device'))


def page(domain_id: str) -> flask.Response:
    """GET or POST /v4/oauth2/{domain_id}/device."""
    if not keys.published(domain_id):
        raise exception.NotFound(target='OpenID provider of domain %s'
                                 % domain_id)
    if flask.request.method == 'GET':
        typed = flask.request.args.get('user_code', '')
        code = state.normalize_user_code(typed)
        return _entry_page(domain_id, _shown(code) if code else '')
    code = state.normalize_user_code(authorize.form_field('user_code'))
    row = state.find_device(domain_id, code) if code else None
    if row is None:
        throttle.penalize(WRONG_CODE_COST)
        return _entry_page(domain_id, error='That code is not valid, or it '
                           'expired: check it on your device.', status=400)
    client = oauth2_server.Server(domain_id)._client(row.client_id).ref
    if client is None:
        return authorize.message('Application unavailable',
                                 'The application is disabled.', status=403)
    if not state.count_device_attempt(row.id,
                                      CONF.oauth2.device_user_code_attempts):
        return authorize.message('Code used up', 'This code was tried too '
                                 'often: start again on the device.',
                                 status=403)
    params = {'domain_id': domain_id, 'client_id': row.client_id,
              'scope': row.scope, 'device_id': row.id,
              'user_code': _shown(code)}
    session = authorize.current_session(domain_id)
    if session is not None:
        return authorize.start(domain_id, client, params, 'consent', session)
    return authorize.start(domain_id, client, params, 'login')
