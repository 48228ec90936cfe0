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
"""Options of the [ng_federation] group: talking to identity providers.

(keystone's own [federation] group configures keystone's v3 federation.)
"""

from oslo_config import cfg

GROUP_NAME = 'ng_federation'

http_timeout = cfg.FloatOpt(
    'http_timeout', default=5.0, min=0.1, max=60.0,
    help='Seconds to wait for an identity provider (discovery, JWKS, '
         'token endpoint) before giving up.')

max_response_bytes = cfg.IntOpt(
    'max_response_bytes', default=1048576, min=1024,
    help='Largest response accepted from an identity provider.')

allow_insecure_loopback = cfg.BoolOpt(
    'allow_insecure_loopback', default=False,
    help='Accept plain http URLs of identity providers on loopback '
         'addresses (127.0.0.0/8, ::1, localhost). For tests and '
         'development only; every other URL must be https.')

metadata_cache_ttl = cfg.IntOpt(
    'metadata_cache_ttl', default=300, min=0,
    help='Seconds a discovery document or JWKS is reused before it is '
         'fetched again.')

jwks_min_refresh_interval = cfg.IntOpt(
    'jwks_min_refresh_interval', default=60, min=0,
    help='A token signed with an unknown key makes keystone fetch the JWKS '
         'again, at most once per this many seconds per identity provider.')

max_token_bytes = cfg.IntOpt(
    'max_token_bytes', default=8192, min=1024, max=65536,
    help='Largest JWT or ID token keystone parses; larger ones are refused '
         'unread. (Web servers cap request headers too: gunicorn at 8190 '
         'bytes per header line by default.)')

v3_oidc_protocols = cfg.ListOpt(
    'v3_oidc_protocols', default=[],
    help='Protocols of keystone\'s v3 federation auth route '
         '(/v3/OS-FEDERATION/identity_providers/{idp}/protocols/{protocol}'
         '/auth) on which keystone itself verifies an "Authorization: '
         'Bearer" OIDC token (JWT against the IdP\'s keys, opaque tokens by '
         'introspection) and hands its claims to keystone\'s mapped auth as '
         'OIDC-<claim>, as mod_auth_openidc would. For example: openid. '
         'Empty: keystone\'s route is untouched.')

v3_bearer_audiences = cfg.ListOpt(
    'v3_bearer_audiences', default=[],
    help='The aud values a bearer JWT on those protocols may carry (the '
         'resource or client ID the IdP puts in access or ID tokens for '
         'keystone). Required for JWTs.')

websso_callback_url = cfg.StrOpt(
    'websso_callback_url',
    help='Where identity providers send browsers back after a WebSSO '
         'login on the v3_oidc_protocols (register it as a redirect URI of '
         'keystone\'s client at the IdP). Default: keystone\'s public URL '
         'of the request + /v4/federation/websso/callback.')

state_ttl = cfg.IntOpt(
    'state_ttl', default=600, min=30, max=3600,
    help='Seconds a login started at an identity provider may take to come '
         'back (the OIDC state, nonce and PKCE verifier expire then). Each '
         'state is consumed by its first use.')

shadow_refresh = cfg.IntOpt(
    'shadow_refresh', default=60, min=0, max=3600,
    help='Seconds during which a returning federated user whose name, '
         'domain and groups are unchanged is not shadowed again: the login '
         'uses the shadow user it made then (remembered in keystone\'s '
         'cache backend) after checking in keystone that the user still '
         'exists and is enabled. Shadowing (keystone\'s '
         'shadow_federated_user: display name, last activity, expiring '
         'group memberships) costs about a dozen SQL statements. Also '
         'applies to the OIDC bearer and WebSSO logins the plugin verifies '
         'on keystone\'s v3 routes (keystone\'s mapped auth then reuses '
         'its shadowing of the same mapped user and groups). Capped at '
         'half of [federation] default_authorization_ttl when that is set; '
         '0 shadows at every login. Needs [cache] enabled.')

GROUP = cfg.OptGroup(
    GROUP_NAME, title='Native federation',
    help='How keystone-ng-plugin talks to OpenID Connect and JWT identity '
         'providers.')

ALL_OPTS = [http_timeout, max_response_bytes, allow_insecure_loopback,
            metadata_cache_ttl, jwks_min_refresh_interval, max_token_bytes,
            v3_oidc_protocols, v3_bearer_audiences, websso_callback_url,
            state_ttl, shadow_refresh]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(ALL_OPTS, group=GROUP)


def list_opts():
    return {GROUP: ALL_OPTS}
