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
"""The one registry of what the provider says about a user.

Each scope gives the claims listed under it, each claim made from the
keystone user (and its domain) by one function. userinfo answers with
exactly these, ID tokens carry ``sub`` and the token claims, and the
discovery document's ``scopes_supported`` and ``claims_supported`` are
read from here, so the three cannot drift apart.
"""

import typing as ty

from keystone.common import provider_api

PROVIDERS = provider_api.ProviderAPIs


def _name(user, domain):
    return user.get('name')


def _email(user, domain):
    return user.get('email')


def _groups(user, domain):
    """The names of the user's keystone groups of the user's own domain
    (what another keystone maps into its groups, K2K), sorted."""
    return sorted({group['name'] for group in
                   PROVIDERS.identity_api.list_groups_for_user(user['id'])
                   if group.get('domain_id') == user['domain_id']})


# scope: {claim: how it is made from (user, domain)}
USER_CLAIMS: dict[str, dict[str, ty.Callable]] = {
    'openid': {'sub': lambda user, domain: user['id']},
    'profile': {
        'preferred_username': _name,
        'name': _name,
        'domain_id': lambda user, domain: domain['id'],
        'domain_name': lambda user, domain: domain['name'],
    },
    'email': {'email': _email},
    'groups': {'groups': _groups},
}
# the scope for OpenStack's APIs (client_credentials)
API_SCOPE = 'openstack:api'
# the scope that lets an access token log in to this keystone (keystone's
# v3 federation auth with the token as a bearer): the same local user, or
# a service account's restricted token
OPENSTACK_SCOPE = 'openstack'
# claims of an ID token besides the user's
TOKEN_CLAIMS = ('iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash',
                'sid', 'amr', 'acr', 'azp')


def scopes_supported() -> list[str]:
    return list(USER_CLAIMS) + [API_SCOPE, OPENSTACK_SCOPE]


def claims_supported() -> list[str]:
    names = [claim for claims in USER_CLAIMS.values() for claim in claims]
    return names + [c for c in TOKEN_CLAIMS if c not in names]


def user_claims(user: dict, domain: dict, scopes: ty.Iterable[str]) -> dict:
    """The claims of these scopes about the user (None values left
    out)."""
    out = {}
    granted = set(scopes)
    for scope, claims in USER_CLAIMS.items():
        if scope not in granted:
            continue
        for claim, make in claims.items():
            value = make(user, domain)
            if value is not None:
                out[claim] = value
    return out
