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

ALL_OPTS = [signing_algorithm, access_token_lifetime_minutes,
            id_token_lifetime_minutes, jwks_max_age]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(ALL_OPTS, group=GROUP)


def list_opts():
    return {GROUP: ALL_OPTS}
