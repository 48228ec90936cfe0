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

"""Options of the [keystone_ng] group: the integration with keystone."""

from oslo_config import cfg

GROUP_NAME = 'keystone_ng'

json_body_exempt_prefixes = cfg.ListOpt(
    'json_body_exempt_prefixes',
    default=['/v4/federation/oidc/callback',
             '/v4/federation/websso/callback'],
    help='URL path prefixes under /v4 whose requests may carry a body that '
         'is not JSON (for example an OpenID Connect "form_post" callback). '
         'Keystone answers every other request that has a non-JSON body '
         'with 400. Only prefixes starting with "/v4/" are honoured.')

caching = cfg.BoolOpt(
    'caching', default=True,
    help='Cache the plugin objects logins read (identity providers, '
         'mappings, which users are service accounts, restrictions) in '
         'keystone\'s cache ([cache] enabled must be true too). Writes '
         'invalidate them; as for keystone\'s own cached objects, several '
         'keystone processes need a shared cache backend (memcached) for '
         'that. What token validation reads (restrictions) is read from the '
         'cache backend itself every time, never from keystone\'s '
         'request-local cache.')

cache_time = cfg.IntOpt(
    'cache_time', min=0,
    help='Seconds to cache those objects; default: [cache] '
         'expiration_time.')

GROUP = cfg.OptGroup(
    GROUP_NAME,
    title='keystone-ng-plugin integration',
    help='How keystone-ng-plugin hooks into Keystone.')

ALL_OPTS = [json_body_exempt_prefixes, caching, cache_time]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(ALL_OPTS, group=GROUP)


def list_opts():
    return {GROUP: ALL_OPTS}
