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
"""JWT login: a workload exchanges its platform's JWT for a keystone token.

A CI job (GitHub Actions, GitLab CI), a Kubernetes pod (projected service
account token), a SPIFFE workload (JWT-SVID) or an OAuth2 client presents a
JWT its platform signed. It is verified against the identity provider's
keys (asymmetric algorithms only; ``iss``; ``aud`` against the mapping's
``bound_audiences``, which ``jwt`` mappings must have; ``exp``/``nbf``/
``iat`` with leeway; size cap), the mapping's bindings are checked, and the
principal is the mapping's service account (always with its restriction)
or a shadow user of the IdP's subject. Every refusal is a 401 without a
token; the reason goes to keystone's log and audit trail.
"""

import typing as ty

from oslo_log import log
from pycadf import cadftaxonomy as taxonomy

from keystone.common import provider_api
from keystone import exception
from keystone import notifications

import keystone_ng_plugin.conf
from keystone_ng_plugin.common import jose
from keystone_ng_plugin.federation import core
from keystone_ng_plugin.federation import login
from keystone_ng_plugin.federation import mapping as mapping_core
from keystone_ng_plugin.federation import mapping_engine
from keystone_ng_plugin.federation import metadata
from keystone_ng_plugin.federation import oidc
from keystone_ng_plugin.restriction import core as restriction
from keystone_ng_plugin.service_account import core as accounts

CONF = keystone_ng_plugin.conf.CONF
LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs


_refuse = login.refuse


def _mapping(idp: dict, name: ty.Optional[str]) -> dict:
    name = name or idp.get('default_mapping_name')
    if not name:
        _refuse('no mapping named and the IdP has no default mapping')
    found = mapping_core.get_manager().find_for_login(idp['id'], name)
    if not found or found['type'] != 'jwt':
        _refuse('identity provider %s has no jwt mapping %s' % (
            idp['id'], name))
    if not found['enabled']:
        _refuse('mapping %s is disabled' % name)
    return found


def _verified_claims(idp: dict, mapping: dict, bearer: str) -> dict:
    try:
        claims = metadata.verify_token(
            idp, bearer, mapping['bound_audiences'] or ['\0none']).claims
    except jose.InvalidJWT as exc:
        _refuse('JWT refused: %s' % exc)
    except metadata.MetadataError as exc:
        oidc.idp_failure(exc)
    try:
        mapping_engine.check_bindings(mapping, claims)
    except mapping_engine.MappingRejected as exc:
        _refuse('mapping refused the JWT: %s' % exc)
    return claims


def _restricted(mapping: dict, user_id: str, method: str):
    ref = restriction.get_manager().get_for_issue(
        mapping['token_restriction_id'])
    if ref is None:
        _refuse('the mapping\'s token restriction is gone')
    return restriction.get_manager().issue_for(
        ref, user_id, project_id=mapping.get('token_project_id'),
        ttl=CONF.service_account.max_token_ttl, methods=[method])


def authenticate(idp_id: str, bearer: ty.Optional[str],
                 mapping_name: ty.Optional[str] = None):
    """A keystone token for a verified workload JWT (a TokenModel).

    Raises:
        NotFound: no such identity provider.
        Unauthorized: anything refused (IdP, mapping, service account
            disabled; the JWT; the bindings; no role on the project).
        IdentityProviderUnavailable: the IdP's keys cannot be fetched.
    """
    idp = core.get_manager().get_for_login(idp_id)
    user_id = None
    token = None
    try:
        if not idp['enabled']:
            _refuse('identity provider %s is disabled' % idp_id)
        if not bearer:
            _refuse('no bearer token')
        mapping = _mapping(idp, mapping_name)
        claims = _verified_claims(idp, mapping, bearer)
        method = login.token_method()
        if mapping.get('service_account_id'):
            user_id = accounts.get_manager().enabled_account(
                mapping['service_account_id'])['id']
            token = _restricted(mapping, user_id, method)
            return token
        default_domain_id = None
        if not (mapping.get('domain_id') or idp.get('domain_id')):
            default_domain_id = login.idp_domain_id(idp_id)
        try:
            identity = mapping_engine.apply_mapping(
                mapping, idp, claims, default_domain_id=default_domain_id)
        except mapping_engine.MappingRejected as exc:
            _refuse('mapping refused the JWT: %s' % exc)
        if mapping.get('token_restriction_id'):
            user_id = login.shadow_user(idp_id, identity)[0]['id']
            token = _restricted(mapping, user_id, method)
            return token
        # An unrestricted federated token (audited by login.issue_token).
        return login.issue_token(idp_id, login.PROTOCOL_JWT, mapping,
                                 identity)
    except (exception.Unauthorized, exception.Forbidden,
            exception.ValidationError) as exc:
        if token is None:
            notifications.send_saml_audit_notification(
                'authenticate', user_id, [], idp_id, login.PROTOCOL_JWT,
                None, taxonomy.OUTCOME_FAILURE)
        if isinstance(exc, exception.Unauthorized):
            raise
        # A workload cannot fix a restriction or project problem: 401.
        raise exception.Unauthorized(str(exc))
    finally:
        if token is not None and user_id is not None:
            notifications.send_saml_audit_notification(
                'authenticate', user_id, [], idp_id, login.PROTOCOL_JWT,
                token.audit_id, taxonomy.OUTCOME_SUCCESS)
