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
"""Keystone tokens from the provider's access tokens.

A domain's provider is an identity provider of the same keystone: a v3
identity provider whose remote ID is the provider's issuer
(``keystone-ng-manage oauth2_openstack_login`` makes it, with its protocol
and mapping). On keystone's v3 federation auth route, with an access token
of that provider as the bearer (keystoneauth's ``v3oidc*`` plugins,
:mod:`keystone_ng_plugin.federation.v3_bearer`), keystone logs in:

* a user (the token of a code, device or refresh grant): keystone's own
  ``mapped`` auth, whose mapping names the **local** user by ``sub``: the
  same keystone user, never a shadow copy;
* a service account (``client_credentials``): that account's restricted
  token, restricted by the client's ``token_restriction_id``.

Only a live token (signed by the domain's keys, of that issuer, not
expired or revoked, its client and user enabled) that was granted the
scope ``openstack`` logs in: the scope a client must be allowed and a
user must consent to.
"""

import typing as ty
import urllib.parse

from authlib.oauth2 import rfc6749
from keystone.common import provider_api
from keystone import exception
from keystone.federation import utils as federation_utils

from keystone_ng_plugin.oauth2 import claims as ng_claims
from keystone_ng_plugin.oauth2 import clients
from keystone_ng_plugin.oauth2 import server
from keystone_ng_plugin.service_account import core as accounts

PROVIDERS = provider_api.ProviderAPIs
_PATH = '/v4/oauth2/'


class Refused(Exception):
    """The access token does not log in (the reason, for the log)."""


def provider_of(remote_ids: ty.Iterable[str]
                ) -> ty.Optional[tuple[str, str]]:
    """(domain ID, issuer) when one of a v3 identity provider's remote IDs
    is this keystone's issuer of a domain's provider, else None (another
    keystone's provider, on a path of the same shape, is an external
    identity provider)."""
    for remote_id in remote_ids or ():
        if not isinstance(remote_id, str):
            continue
        base, found, quoted = remote_id.rpartition(_PATH)
        if not found or not base or not quoted or '/' in quoted:
            continue
        domain_id = urllib.parse.unquote(quoted)
        if remote_id == server.issuer(domain_id):
            return domain_id, remote_id
    return None


def login_claims(domain_id: str, issuer_url: str, token: str) -> dict:
    """The claims of a live access token of the domain's provider that
    was granted the scope ``openstack``.

    Raises:
        Refused: anything else.
    """
    found = server.verify_access_token(domain_id, token,
                                       issuer_url=issuer_url)
    if found is None:
        raise Refused('not a live access token of the provider of domain '
                      '%s' % domain_id)
    if ng_claims.OPENSTACK_SCOPE not in (
            rfc6749.scope_to_list(found.get('scope')) or []):
        raise Refused('the access token was not granted the scope %s' %
                      ng_claims.OPENSTACK_SCOPE)
    return found


def service_account_restriction(domain_id: str, claims: dict
                                ) -> ty.Optional[str]:
    """None when the token is a user's; for a service account's, the
    restriction of its keystone tokens (its client's
    ``token_restriction_id``).

    Raises:
        Refused: the client restricts no keystone token.
    """
    account_id = claims['sub']
    if not accounts.get_manager().is_service_account(account_id):
        return None
    client = clients.get_manager().find(domain_id, claims['client_id'])
    if client is None or client['service_account_id'] != account_id or \
            not client.get('token_restriction_id'):
        raise Refused('the client of the service account has no '
                      'token_restriction_id')
    return client['token_restriction_id']


# -- keystone's v3 objects for it ---------------------------------------------

def federation_ids(domain_id: str) -> str:
    """The ID of the v3 identity provider and of its mapping."""
    return 'oauth2-%s' % domain_id


def local_user_rules() -> list:
    """The v3 mapping: the access token's subject is the local user."""
    return [{'local': [{'user': {'id': '{0}', 'type': 'local'}}],
             'remote': [{'type': 'OIDC-sub'}]}]


def set_up_login(domain_id: str, issuer_url: str, protocol: str = 'openid',
                 enabled: bool = True) -> list[str]:
    """Make (or bring up to date) keystone's v3 identity provider (remote
    ID: the issuer), its mapping (to the local user) and protocol for the
    domain's provider; what was done, a line each."""
    federation = PROVIDERS.federation_api
    ident = federation_ids(domain_id)
    done = []
    idp = {'remote_ids': [issuer_url], 'enabled': enabled,
           'domain_id': domain_id,
           'description': "The OpenID provider of domain %s (keystone-ng-"
                          "plugin): its access tokens with the scope %s log "
                          "in as the same keystone user." % (
                              domain_id, ng_claims.OPENSTACK_SCOPE)}
    try:
        current = federation.get_idp(ident)
    except exception.IdentityProviderNotFound:
        federation.create_idp(ident, idp)
        done.append('identity provider %s created (remote ID %s)' % (
            ident, issuer_url))
    else:
        changes = {k: v for k, v in idp.items()
                   if k != 'domain_id' and current.get(k) != v}
        if current.get('domain_id') != domain_id:
            raise exception.ValidationError(
                message='identity provider %s exists for domain %s' % (
                    ident, current.get('domain_id')))
        if changes:
            federation.update_idp(ident, changes)
            done.append('identity provider %s updated: %s' % (
                ident, ', '.join(sorted(changes))))
    mapping = {'id': ident, 'rules': local_user_rules(),
               'schema_version': '1.0'}
    federation_utils.validate_mapping_structure(mapping)
    try:
        current = federation.get_mapping(ident)
    except exception.MappingNotFound:
        federation.create_mapping(ident, mapping)
        done.append('mapping %s created (OIDC-sub: the local user ID)' %
                    ident)
    else:
        if current.get('rules') != mapping['rules']:
            federation.update_mapping(ident, mapping)
            done.append('mapping %s updated' % ident)
    ref = {'mapping_id': ident, 'remote_id_attribute': 'OIDC-iss'}
    try:
        current = federation.get_protocol(ident, protocol)
    except exception.FederatedProtocolNotFound:
        federation.create_protocol(ident, protocol, ref)
        done.append('protocol %s of %s created' % (protocol, ident))
    else:
        if any(current.get(k) != v for k, v in ref.items()):
            federation.update_protocol(ident, protocol, ref)
            done.append('protocol %s of %s updated' % (protocol, ident))
    return done or ['identity provider %s, its mapping and protocol %s are '
                    'up to date' % (ident, protocol)]
