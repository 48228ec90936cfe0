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

max_json_depth = cfg.IntOpt(
    'max_json_depth', default=32, min=4, max=500,
    help='The deepest nesting of objects and arrays a JSON request body may '
         'have, on every route (keystone\'s v3 and the plugin\'s). A '
         'deeper body is refused with 400 before anything reads it (a body '
         'nested about 1,000 deep would otherwise overflow the JSON '
         'parser: a 500). Keystone\'s own bodies nest at most about 8 deep.')

outage_retry_after = cfg.IntOpt(
    'outage_retry_after', default=5, min=1,
    help='Seconds in the Retry-After header of the 503 answered while the '
         'database cannot be reached.')

trusted_proxies = cfg.ListOpt(
    'trusted_proxies', default=[],
    help='Addresses or networks (CIDR) of the load balancers and reverse '
         'proxies in front of keystone. Only for requests from them is the '
         'client address taken from X-Forwarded-For (the right-most '
         'address that is not a trusted proxy); any other client\'s '
         'X-Forwarded-For is ignored, so it cannot choose its own '
         'throttling bucket. Empty: the TCP peer is the client.')

throttle_rate = cfg.FloatOpt(
    'throttle_rate', default=20.0, min=0.0,
    help='Requests per second one client address may make, sustained, to '
         'the anonymous endpoints (passkey login start and finish, OIDC '
         'login start and callback, WebSSO, JWT login, the v3 bearer and '
         'passkey logins, and every other /v4 endpoint that takes no '
         'token). Above it the answer is 429 with Retry-After. The bucket '
         'is kept in keystone\'s cache backend ([cache]), so that every '
         'worker and node shares it (per process when [cache] is not '
         'enabled). Unknown and real users are throttled alike. 0 turns '
         'throttling off.')

throttle_burst = cfg.IntOpt(
    'throttle_burst', default=100, min=1,
    help='How many requests above throttle_rate one client address may '
         'make at once before it is throttled.')

max_outstanding_ceremonies = cfg.IntOpt(
    'max_outstanding_ceremonies', default=256, min=0,
    help='Ceremonies kept in the database (OIDC and WebSSO states, '
         'passkey registration challenges) that one client address may '
         'have started and not yet finished or let expire. One more start '
         'answers 429 with Retry-After. It bounds the rows one client can '
         'make keystone keep. Passkey login challenges are sealed and '
         'write no row: only the throttle applies to them. 0: no cap.')

GROUP = cfg.OptGroup(
    GROUP_NAME,
    title='keystone-ng-plugin integration',
    help='How keystone-ng-plugin hooks into Keystone.')

ALL_OPTS = [json_body_exempt_prefixes, caching, cache_time, max_json_depth,
            outage_retry_after, trusted_proxies, throttle_rate,
            throttle_burst, max_outstanding_ceremonies]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(ALL_OPTS, group=GROUP)


def list_opts():
    return {GROUP: ALL_OPTS}
