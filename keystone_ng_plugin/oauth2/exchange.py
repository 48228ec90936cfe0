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
"""Token exchange (RFC 8693): what a keystone token exchanges into.

A confidential client with the ``token-exchange`` grant presents a keystone
token (``subject_token_type`` ``urn:openstack:params:oauth:token-type:
keystone``) and gets an access token of the domain's provider for a target
client's audience, with ``act`` naming itself (the delegation). The rules,
in one place:

* the subject token is valid (keystone's own validation: revoked, expired,
  disabled users are refused) and of a kind that may exchange
  (:data:`EXCHANGEABLE`; a trust, OAuth1 or another delegation never);
* its user, and its project if scoped, are of the provider's domain: a
  token of another domain is refused;
* the result never does more than the subject token: its roles are the
  subject's (a restricted token's and an application credential's are
  already narrowed by keystone and the plugin), its project the same, its
  lifetime ends no later, and it never carries the scope ``openstack``
  (:mod:`keystone_ng_plugin.oauth2.openstack`), so it never logs in to
  keystone again as a fresh, unrestricted token.
"""

import dataclasses
import typing as ty

from keystone.common import provider_api
from keystone import exception
from oslo_utils import timeutils

from keystone_ng_plugin.oauth2 import claims as ng_claims
from keystone_ng_plugin.token import delegation

PROVIDERS = provider_api.ProviderAPIs
GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange'
KEYSTONE_TOKEN_TYPE = 'urn:openstack:params:oauth:token-type:keystone'
ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
# the scopes an exchanged token never has: they would log in to keystone
FORBIDDEN_SCOPES = frozenset({ng_claims.OPENSTACK_SCOPE})
Kind = delegation.Kind
# what each kind of keystone token says it is, in delegation_context
EXCHANGEABLE: dict[Kind, str] = {
    Kind.PRIMARY: 'plain',
    Kind.WORKLOAD: 'workload',
    Kind.RESTRICTED: 'restricted',
    Kind.SERVICE_ACCOUNT: 'service_account',
    Kind.APP_CRED: 'app_cred',
    Kind.UNRESTRICTED_APP_CRED: 'app_cred',
}
MAX_SUBJECT_BYTES = 8192


class Refused(Exception):
    """The subject token does not exchange (the reason, for the client)."""


@dataclasses.dataclass(frozen=True)
class Subject:
    """What an exchanged token may say about its subject."""

    user_id: str
    expires_at: int
    # the OpenStack context the access token carries
    context: dict


def subject(domain_id: str, token_id: ty.Any) -> Subject:
    """The keystone token ``token_id`` as the subject of an exchange in
    the provider of ``domain_id``.

    Raises:
        Refused: not a valid keystone token, of a kind that does not
            exchange, or of another domain.
    """
    if not isinstance(token_id, str) or not token_id or \
            len(token_id) > MAX_SUBJECT_BYTES:
        raise Refused('the subject token is not a keystone token')
    try:
        token = PROVIDERS.token_provider_api.validate_token(token_id)
    except (exception.Error, ValueError, TypeError):
        raise Refused('the subject token is not valid')
    kind = delegation.kind_of(token)
    if kind not in EXCHANGEABLE:
        raise Refused('a %s token does not exchange' % kind.value)
    if token.user['domain_id'] != domain_id:
        raise Refused('the subject token is of another domain')
    if token.project_id and token.project['domain_id'] != domain_id:
        raise Refused('the subject token is scoped to a project of another '
                      'domain')
    if token.domain_id and token.domain_id != domain_id or \
            token.system_scoped:
        raise Refused('the subject token is scoped beyond the domain')
    context = {'user_id': token.user_id, 'user_domain_id': domain_id,
               'roles': sorted(r['name'] for r in token.roles or ()),
               'delegation_context': {'auth_method': EXCHANGEABLE[kind]}}
    if token.project_id:
        context['project_id'] = token.project_id
        if kind is not Kind.PRIMARY:
            context['delegation_context']['delegated_project_id'] = \
                token.project_id
    if token.domain_id:
        context['domain_id'] = token.domain_id
    expires = timeutils.parse_isotime(token.expires_at)
    return Subject(token.user_id, int(expires.timestamp()), context)
