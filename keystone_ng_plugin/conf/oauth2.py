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
"""Options of the [oauth2] group: keystone as an OpenID provider.

Names follow the Rust Keystone-NG's ``[oauth2]`` where they apply.
"""

from oslo_config import cfg

GROUP_NAME = 'oauth2'
GROUP = cfg.OptGroup(GROUP_NAME,
                     title='Keystone as an OAuth 2.0 / OpenID provider')

signing_algorithm = cfg.StrOpt(
    'signing_algorithm', default='ES256', choices=['ES256', 'RS256'],
    help='Algorithm of the signing keys made for a domain by '
         'keystone-ng-manage oauth2_key_rotate: ES256 (P-256) or RS256 '
         '(RSA, 2048 bits). A domain keeps the algorithm of its keys until '
         'the next rotation.')

access_token_lifetime_minutes = cfg.IntOpt(
    'access_token_lifetime_minutes', default=15, min=1, max=1440,
    help='Lifetime of access tokens. A retired signing key stays in the '
         'JWKS at least this long (and id_token_lifetime_minutes).')

id_token_lifetime_minutes = cfg.IntOpt(
    'id_token_lifetime_minutes', default=15, min=1, max=1440,
    help='Lifetime of ID tokens.')

jwks_max_age = cfg.IntOpt(
    'jwks_max_age', default=300, min=0, max=86400,
    help='Seconds relying parties may cache the JWKS (its Cache-Control '
         'max-age). A new signing key is published at least this long '
         'before it signs: oauth2_key_rotate refuses to promote a younger '
         'one.')

authorization_code_lifetime_seconds = cfg.IntOpt(
    'authorization_code_lifetime_seconds', default=60, min=5, max=600,
    help='Lifetime of authorization codes. A code is single use: a second '
         'redemption fails and revokes what the first one issued.')

refresh_token_lifetime_days = cfg.IntOpt(
    'refresh_token_lifetime_days', default=30, min=1, max=365,
    help='Lifetime of a refresh token family from the login it started '
         'with. Refresh tokens rotate on every use; presenting a used one '
         'revokes its whole family.')

pre_auth_session_lifetime_minutes = cfg.IntOpt(
    'pre_auth_session_lifetime_minutes', default=10, min=1, max=60,
    help='How long an authorization request waits for the user to sign in '
         'and consent.')

session_lifetime_minutes = cfg.IntOpt(
    'session_lifetime_minutes', default=480, min=1, max=43200,
    help='Lifetime of the single sign-on session a login on the '
         'provider\'s pages opens (its cookie is a session cookie of the '
         'browser).')

acr_values = cfg.DictOpt(
    'acr_values', default={},
    help='The acr claim of ID tokens, by how the user signed in: keys mfa, '
         'hwk, swk, pwd (the first of these the login has wins). Unset: no '
         'acr claim. Example: mfa:phr,pwd:basic')

verified_secret_cache_seconds = cfg.IntOpt(
    'verified_secret_cache_seconds', default=300, min=0, max=86400,
    help='How long a client secret, once verified, is remembered (a '
         'SHA-256 digest bound to the client and its stored hash, in '
         'keystone\'s cache backend, with [cache] enabled) so that token '
         'requests do not pay the slow hash every time. Wrong secrets '
         'always do; a rotated secret is never matched by a remembered '
         'one. 0: verify the slow hash on every request.')

device_code_lifetime_minutes = cfg.IntOpt(
    'device_code_lifetime_minutes', default=10, min=1, max=60,
    help='Lifetime of a device authorization request (RFC 8628): how long '
         'the user has to enter the user code and sign in, and the device '
         'to poll for its token.')

device_code_poll_interval_seconds = cfg.IntOpt(
    'device_code_poll_interval_seconds', default=5, min=1, max=60,
    help='The interval a device is told to poll the token endpoint at. A '
         'poll sooner than that is answered slow_down, and the interval '
         'grows by 5 seconds for that request.')

device_user_code_attempts = cfg.IntOpt(
    'device_user_code_attempts', default=5, min=1, max=50,
    help='How often a user code may be used: each entry on the device page '
         'and each failed sign-in after it counts. Once used up, the '
         'request is denied (the device gets access_denied). Wrong codes '
         'cost the client address extra requests of its throttle bucket.')

ALL_OPTS = [signing_algorithm, access_token_lifetime_minutes,
            id_token_lifetime_minutes, jwks_max_age,
            authorization_code_lifetime_seconds, refresh_token_lifetime_days,
            pre_auth_session_lifetime_minutes, session_lifetime_minutes,
            acr_values, verified_secret_cache_seconds,
            device_code_lifetime_minutes, device_code_poll_interval_seconds,
            device_user_code_attempts]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(ALL_OPTS, group=GROUP)


def list_opts():
    return {GROUP: ALL_OPTS}
