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
"""The federation login pipeline: one path from a credential an identity
provider vouches for to a keystone token.

Every federated login of the plugin runs the same steps, in this order,
inside one :func:`attempt`:

1. :func:`enabled_idp` (or, on keystone's v3 routes, the IdP record the
   flow verifies with);
2. :func:`select_mapping` of the flow's type (``oidc`` or ``jwt``);
3. :func:`verified_claims` of the JWT (signature by the IdP's keys,
   issuer, audience, lifetime), or the OIDC code redeemed
   (:mod:`keystone_ng_plugin.federation.oidc`) and its ID token verified
   the same way;
4. :func:`map_identity`: the mapping's bindings, checked once, and the
   identity (or the mapping's service account);
5. :func:`issue`: a restricted token (the mapping's restriction, or its
   service account's) or a federated one.

On keystone's v3 routes (WebSSO and OIDC bearer tokens) step 5 is
keystone's own ``mapped`` auth, which audits itself: the attempt is then
handed over (:meth:`Attempt.hand_over`).

The steps raise the typed errors of
:mod:`keystone_ng_plugin.federation.errors`; an :class:`Endpoint` maps
each to its HTTP status, once, and :func:`attempt` audits the outcome
exactly once (CADF ``identity.authenticate``).
"""

import contextlib
import dataclasses
import typing as ty

import flask
from oslo_log import log
from pycadf import attachment
from pycadf import cadftaxonomy as taxonomy
from pycadf import credential
from pycadf import resource

from keystone import exception
from keystone import notifications

import keystone_ng_plugin.conf
from keystone_ng_plugin.common import jose
from keystone_ng_plugin.common import protocols
from keystone_ng_plugin.federation import core
from keystone_ng_plugin.federation import errors
from keystone_ng_plugin.federation import login
from keystone_ng_plugin.federation import mapping as mapping_core
from keystone_ng_plugin.federation import mapping_engine
from keystone_ng_plugin.federation import metadata
from keystone_ng_plugin.federation import records
from keystone_ng_plugin.restriction import core as restriction
from keystone_ng_plugin.token import restricted

CONF = keystone_ng_plugin.conf.CONF
LOG = log.getLogger(__name__)


class IdentityProviderUnavailable(exception.Error):
    """The identity provider could not be reached or misbehaved."""

    code = 502
    title = 'Bad Gateway'
    message_format = 'The identity provider is unavailable: %(reason)s'


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """What one login endpoint answers for each kind of stop.

    A browser flow tells a person that the IdP is disabled (403) or that
    the mapping they named is not usable (400); a workload's flow answers
    401 to both, and to any other refusal (a workload cannot fix a
    restriction or a project). ``audited`` is False for the requests that
    only start a login (nothing is authenticated yet).
    """

    name: str
    protocol: str
    disabled_status: int = 401
    no_mapping_status: int = 401
    workload: bool = False
    audited: bool = True

    def keystone_error(self, error: errors.LoginError) -> exception.Error:
        """The keystone error (status) this endpoint answers ``error``
        with; the reason goes to the log, not to the client."""
        LOG.warning('%s refused: %s', self.name, error.reason)
        if isinstance(error, errors.IdpUnavailable):
            return IdentityProviderUnavailable(reason=error.reason)
        if isinstance(error, errors.IdpDisabled) and \
                self.disabled_status == 403:
            return exception.Forbidden(
                message='The identity provider is disabled.')
        if isinstance(error, errors.NoMapping) and \
                self.no_mapping_status == 400:
            return exception.ValidationError(message=error.reason)
        return exception.Unauthorized(error.reason)


OIDC_START = Endpoint('OIDC login start', protocols.OIDC,
                      disabled_status=403, no_mapping_status=400,
                      audited=False)
OIDC_CALLBACK = Endpoint('OIDC login', protocols.OIDC, disabled_status=403,
                         no_mapping_status=400)
JWT_LOGIN = Endpoint('JWT login', protocols.JWT, workload=True)
WEBSSO_START = Endpoint('WebSSO start', protocols.OIDC, disabled_status=403,
                        no_mapping_status=400, audited=False)
WEBSSO_CALLBACK = Endpoint('WebSSO login', protocols.OIDC,
                           disabled_status=403, no_mapping_status=400)
V3_BEARER = Endpoint('OIDC bearer login', protocols.OIDC)
K8S_LOGIN = Endpoint('Kubernetes login', protocols.JWT, workload=True)


@dataclasses.dataclass
class Attempt:
    """One login attempt, as its audit event will name it."""

    endpoint: Endpoint
    protocol: str
    idp_id: ty.Optional[str] = None
    user_id: ty.Optional[str] = None
    group_ids: list = dataclasses.field(default_factory=list)
    token: ty.Any = None
    handed_over: bool = False
    # more the audit event says of the login (the pod of a Kubernetes
    # login): a CADF attachment
    details: dict = dataclasses.field(default_factory=dict)

    def hand_over(self):
        """From here keystone's own auth (``mapped``) issues the token and
        audits the outcome; this attempt audits nothing more."""
        self.handed_over = True
        login.handing_over()

    def audit(self, outcome: str):
        if self.handed_over or not self.endpoint.audited:
            return
        if not self.details:
            notifications.send_saml_audit_notification(
                'authenticate', self.user_id, self.group_ids,
                self.idp_id or taxonomy.UNKNOWN, self.protocol,
                self.token.audit_id if self.token is not None else None,
                outcome)
            return
        # keystone's federated authenticate event, with the details
        initiator = notifications.build_audit_initiator()
        initiator.credential = credential.FederatedCredential(
            token=(self.token.audit_id if self.token is not None
                   else taxonomy.UNKNOWN),
            type=notifications.SAML_AUDIT_TYPE,
            identity_provider=self.idp_id or taxonomy.UNKNOWN,
            user=self.user_id or taxonomy.UNKNOWN,
            groups=self.group_ids or [])
        notifications._send_audit_notification(
            'authenticate', initiator, outcome,
            resource.Resource(typeURI=taxonomy.ACCOUNT_USER),
            '%s.authenticate' % notifications.SERVICE,
            attachments=[attachment.Attachment(
                typeURI='mime:application/json', content=self.details,
                name=self.endpoint.name)])


@contextlib.contextmanager
def attempt(endpoint: Endpoint, idp_id: ty.Optional[str] = None,
            protocol: ty.Optional[str] = None) -> ty.Iterator[Attempt]:
    """Run a login's steps: typed errors become the endpoint's keystone
    errors, and the outcome is audited exactly once.

    An unknown identity provider (404) is not an authentication attempt
    and is not audited; a throttled request never gets here.
    """
    current = Attempt(endpoint, protocol or endpoint.protocol, idp_id)
    try:
        yield current
    except errors.LoginError as exc:
        current.audit(taxonomy.OUTCOME_FAILURE)
        raise endpoint.keystone_error(exc) from None
    except exception.NotFound:
        raise
    except exception.Error as exc:
        current.audit(taxonomy.OUTCOME_FAILURE)
        if endpoint.workload and isinstance(
                exc, (exception.Forbidden, exception.ValidationError)):
            raise exception.Unauthorized(str(exc)) from exc
        raise
    current.audit(taxonomy.OUTCOME_SUCCESS if current.token is not None
                  else taxonomy.OUTCOME_FAILURE)


# -- request parts ---------------------------------------------------------

def bearer_token() -> ty.Optional[str]:
    """The token of this request's ``Authorization: Bearer`` header."""
    header = flask.request.headers.get('Authorization', '')
    scheme, _, token = header.partition(' ')
    token = token.strip()
    if scheme.lower() != 'bearer' or not token:
        return None
    return token


def client_auth(idp: records.IdentityProvider) -> tuple[str, str]:
    """The plugin's OAuth 2.0 client credentials at this IdP (HTTP basic:
    client ID and the decrypted secret)."""
    return (idp.oidc_client_id,
            core.get_manager().client_secret(idp.id) or '')


# -- the steps -------------------------------------------------------------

def enabled_idp(idp_id: str) -> records.IdentityProvider:
    """The plugin's identity provider, if enabled.

    Raises:
        NotFound: no such identity provider.
        IdpDisabled: it is disabled.
    """
    idp = core.get_manager().get_for_login(idp_id)
    if not idp.enabled:
        raise errors.IdpDisabled('identity provider %s is disabled' % idp_id)
    return idp


def select_mapping(idp: records.IdentityProvider, mapping_type: str,
                   name: ty.Optional[str] = None,
                   mapping_id: ty.Optional[str] = None) -> records.Mapping:
    """The enabled mapping of this type a login uses: by name, else by ID,
    else the IdP's default_mapping_name.

    Raises:
        NoMapping: none named, none of that name or type, or disabled.
    """
    if mapping_id and not name:
        found = _mapping_by_id(idp, mapping_id)
        name = mapping_id
    else:
        name = name or idp.default_mapping_name
        if not name:
            raise errors.NoMapping(
                'no mapping_name given and the identity provider has no '
                'default_mapping_name')
        found = mapping_core.get_manager().find_for_login(idp.id, name)
    if found is None or found.type != mapping_type:
        raise errors.NoMapping('identity provider has no %s mapping %s' % (
            mapping_type, name))
    if not found.enabled:
        raise errors.NoMapping('mapping %s is disabled' % name)
    return found


def _mapping_by_id(idp: records.IdentityProvider,
                   mapping_id: str) -> ty.Optional[records.Mapping]:
    return next((m for m in mapping_core.get_manager().of_idp_for_login(
        idp.id) if m.id == mapping_id), None)


def mapping_of(idp: records.IdentityProvider,
               mapping_id: str) -> records.Mapping:
    """The mapping a login started with (LoginRefused when it is gone)."""
    found = _mapping_by_id(idp, mapping_id)
    if found is None:
        raise errors.LoginRefused('the mapping of this login was deleted')
    return found


def idp_failure(exc: metadata.MetadataError) -> errors.LoginError:
    """What a failed exchange with an IdP means: its documents cannot be
    trusted (issuer mismatch: refused), else it is unavailable."""
    if isinstance(exc, metadata.IssuerMismatch):
        return errors.LoginRefused('identity provider refused: %s' % exc)
    return errors.IdpUnavailable(str(exc))


def verified_claims(idp: records.IdentityProvider, token: str,
                    audiences: ty.Collection[str], what: str = 'JWT'
                    ) -> dict:
    """The claims of a JWT of this IdP: signed by one of its keys, its
    issuer, for one of the audiences, within its lifetime.

    Raises:
        LoginRefused: the token is refused.
        IdpUnavailable: the IdP's keys or documents cannot be fetched.
    """
    try:
        return metadata.verify_token(idp, token, audiences).claims
    except jose.InvalidJWT as exc:
        raise errors.LoginRefused('%s refused: %s' % (what, exc))
    except metadata.MetadataError as exc:
        raise idp_failure(exc)


def map_identity(idp: records.IdentityProvider, mapping: records.Mapping,
                 claims: dict) -> ty.Optional[mapping_engine.Identity]:
    """The mapping's bindings (checked once), then who the claims are: the
    identity, or None when the mapping logs in as its service account.

    Raises:
        LoginRefused: the mapping is disabled, a binding fails or a claim
            is unusable.
    """
    try:
        if mapping.service_account_id:
            mapping_engine.check_mapping(mapping, claims)
            return None
        default_domain_id = None
        if not (mapping.domain_id or idp.domain_id):
            default_domain_id = login.idp_domain_id(idp.id)
        return mapping_engine.apply_mapping(
            mapping, idp, claims, default_domain_id=default_domain_id)
    except mapping_engine.MappingRejected as exc:
        raise errors.LoginRefused('mapping refused the identity: %s' % exc)


def _scope_project(scope: ty.Optional[dict]) -> ty.Optional[str]:
    project = (scope or {}).get('project') or {}
    return project.get('id')


def issue(current: Attempt, idp: records.IdentityProvider,
          mapping: records.Mapping,
          identity: ty.Optional[mapping_engine.Identity],
          scope: ty.Optional[dict] = None):
    """The token of a verified, mapped login (a TokenModel), recorded on
    the attempt for its audit event.

    * the mapping's service account (``identity`` None): its restricted
      token, restricted by the mapping's restriction;
    * a mapping with a token restriction: the shadow user's token,
      restricted by it;
    * else a federated token (:func:`login.issue_token`).

    Restricted tokens are project scoped: the restriction's project, else
    the one asked for, else the mapping's token_project_id.
    """
    method = login.token_method()
    project_id = _scope_project(scope) or mapping.token_project_id
    if identity is None:
        current.user_id = mapping.service_account_id
        current.token = restricted.issue_for_service_account(
            mapping.service_account_id, mapping.token_restriction_id,
            project_id=project_id, methods=[method])
        return current.token
    shadow = login.shadow_user(idp.id, identity)
    current.user_id = shadow[0]['id']
    if mapping.token_restriction_id:
        ref = restriction.get_manager().get_cached(
            mapping.token_restriction_id)
        if ref is None:
            raise errors.LoginRefused('the mapping\'s token restriction is '
                                      'gone')
        current.token = restricted.issue_for(
            ref, current.user_id, project_id=project_id,
            ttl=CONF.service_account.max_token_ttl, methods=[method])
        return current.token
    current.group_ids = shadow[1]
    current.token = login.issue_token(idp.id, current.protocol, mapping,
                                      identity, scope=scope, shadow=shadow)
    return current.token
