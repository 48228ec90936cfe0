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
"""Options of the [passkey] group: WebAuthn relying party and ceremonies."""

from oslo_config import cfg

GROUP_NAME = 'passkey'

relying_party_id = cfg.StrOpt(
    'relying_party_id',
    help='WebAuthn relying party ID: the registrable domain that passkeys '
         'are bound to (for example "example.com" for a keystone at '
         'https://keystone.example.com). It cannot be changed later without '
         'invalidating every registered passkey. Unset: the host name of '
         'keystone\'s [DEFAULT] public_endpoint, else of the request (only '
         'suitable for development).')

relying_party_name = cfg.StrOpt(
    'relying_party_name', default='OpenStack',
    help='Relying party name that authenticators show to the user.')

origins = cfg.ListOpt(
    'origins', default=[],
    help='Web origins (scheme://host[:port]) whose pages may run passkey '
         'ceremonies, for example https://keystone.example.com,'
         'https://dashboard.example.com. Each must be the relying party ID '
         'or a subdomain of it. Empty: the origin of keystone\'s [DEFAULT] '
         'public_endpoint, else of the request (development only).')

user_verification = cfg.StrOpt(
    'user_verification', default='required',
    choices=['required', 'preferred', 'discouraged'],
    help='Whether the authenticator must verify the user (PIN, biometrics). '
         '"required" makes a passkey a complete, phishing-resistant factor; '
         'anything else makes it a possession factor only.')

resident_key = cfg.StrOpt(
    'resident_key', default='required',
    choices=['required', 'preferred', 'discouraged'],
    help='Whether registration asks for a discoverable credential (a '
         'passkey proper). "required" makes usernameless login possible.')

attestation = cfg.StrOpt(
    'attestation', default='none',
    choices=['none', 'indirect', 'direct', 'enterprise'],
    help='Attestation conveyance requested at registration. "none" is '
         'right for most clouds; use "direct" with allowed_aaguids to admit '
         'only known authenticator models.')

allowed_aaguids = cfg.ListOpt(
    'allowed_aaguids', default=[],
    help='If set, only authenticators whose AAGUID is listed may be '
         'registered (combine with attestation = direct). Empty: any.')

challenge_ttl = cfg.IntOpt(
    'challenge_ttl', default=300, min=10, max=3600,
    help='Seconds a registration or login challenge stays valid. Each '
         'challenge is consumed by its first use.')

timeout_ms = cfg.IntOpt(
    'timeout_ms', default=60000, min=1000, max=600000,
    help='Time in milliseconds the browser gives the user to complete a '
         'ceremony (a hint to the browser).')

fake_credential_hmac_key = cfg.StrOpt(
    'fake_credential_hmac_key', secret=True,
    help='Secret used to derive stable decoy credential IDs for unknown '
         'users and users without passkeys, so that a login start does not '
         'reveal whether an account exists. Same value on every node. '
         'Unset: a random key generated once and kept in the database.')

caching = cfg.BoolOpt(
    'caching', default=True,
    help='Cache passkey public keys and credential lists in keystone\'s '
         'cache ([cache] enabled must be true too). Sign counts and '
         'challenges are never cached: every login still writes them to '
         'the database, which stays authoritative.')

cache_time = cfg.IntOpt(
    'cache_time', min=0,
    help='Seconds to cache passkey data; default: [cache] '
         'expiration_time.')

GROUP = cfg.OptGroup(
    GROUP_NAME, title='Passkeys (WebAuthn)',
    help='Passwordless and phishing-resistant login with passkeys.')

ALL_OPTS = [relying_party_id, relying_party_name, origins,
            user_verification, resident_key, attestation, allowed_aaguids,
            challenge_ttl, timeout_ms, fake_credential_hmac_key, caching,
            cache_time]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(ALL_OPTS, group=GROUP)


def list_opts():
    return {GROUP: ALL_OPTS}
