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
"""May this token create a credential or a new token for its user?

The one answer for every endpoint of the plugin that creates a credential
(a passkey), a restriction, or a token (minting a restricted token, a
service account's token), and for keystone's own credential routes
(application credentials, trusts, EC2 and ``/v3/credentials``) when the
caller's token is one of the kinds the plugin adds. A delegated token never
creates a credential or a broader token: otherwise a narrowed token grows
back into a full one (a passkey registered with a restricted token logs in
unrestricted).

What a token *is*, for this question, is its :class:`Kind`
(:func:`kind_of`); what each kind may create is the table
:data:`ALLOWED`. A refusal is keystone's 403 (``ForbiddenAction``) and a
CADF event ``identity.<credential>.created`` with outcome ``failure``.

On keystone's routes the plugin only adds refusals (:data:`PLUGIN_KINDS`):
for keystone's own kinds (application credentials, trusts, OAuth1)
keystone's guards decide, as they do without the plugin.
"""

import enum
import re
import typing as ty

import flask
from oslo_log import log
from pycadf import cadftaxonomy as taxonomy
from pycadf import reason as cadf_reason

from keystone.api._shared import delegation as ks_delegation
from keystone.common import authorization
from keystone import exception
from keystone import notifications

from keystone_ng_plugin.common import compat
from keystone_ng_plugin.common import protocols
from keystone_ng_plugin.service_account import core as accounts
from keystone_ng_plugin.token import restricted

LOG = log.getLogger(__name__)


class Kind(str, enum.Enum):
    """What a token is, as far as creating credentials goes."""

    PRIMARY = 'primary'          # password, passkey, TOTP, OIDC federated
    WORKLOAD = 'workload'        # JWT login (federated, protocol "jwt")
    RESTRICTED = 'restricted'
    APP_CRED = 'application_credential'
    UNRESTRICTED_APP_CRED = 'unrestricted_application_credential'
    TRUST = 'trust'
    OAUTH1 = 'oauth1'
    SERVICE_ACCOUNT = 'service_account'
    # any other method keystone counts as delegated (ec2credential,
    # oauth2_credential, one nobody reviewed yet): refused everywhere
    DELEGATED = 'delegated'


class Credential(str, enum.Enum):
    """What a request would create (the audit event's resource type)."""

    PASSKEY = 'passkey'
    RESTRICTION = 'token_restriction'
    RESTRICTED_TOKEN = 'restricted_token'
    SERVICE_ACCOUNT_TOKEN = 'service_account_token'
    # a client of the OpenID provider, with its secret
    OAUTH2_CLIENT = 'oauth2_client'
    # a Kubernetes login instance (its reviewer token) or role (who logs
    # in from a cluster)
    K8S_AUTH = 'k8s_auth'
    # keystone's own
    APPLICATION_CREDENTIAL = 'application_credential'
    TRUST = 'trust'
    EC2 = 'ec2_credential'
    CREDENTIAL = 'credential'


# The kinds that may create each credential. Restricted application
# credentials never may (keystone's rule for application credentials);
# a passkey is a new way to log in as the user, so only a primary login
# of the user themself may add one; a minted restricted token cannot carry
# the application credential it came from, so no application credential
# mints one.
ALLOWED: dict[Credential, frozenset] = {
    Credential.PASSKEY: frozenset({Kind.PRIMARY}),
    Credential.RESTRICTION: frozenset({Kind.PRIMARY,
                                       Kind.UNRESTRICTED_APP_CRED}),
    Credential.RESTRICTED_TOKEN: frozenset({Kind.PRIMARY}),
    Credential.SERVICE_ACCOUNT_TOKEN: frozenset({
        Kind.PRIMARY, Kind.UNRESTRICTED_APP_CRED}),
    Credential.OAUTH2_CLIENT: frozenset({Kind.PRIMARY,
                                         Kind.UNRESTRICTED_APP_CRED}),
    Credential.K8S_AUTH: frozenset({Kind.PRIMARY,
                                    Kind.UNRESTRICTED_APP_CRED}),
    Credential.APPLICATION_CREDENTIAL: frozenset({
        Kind.PRIMARY, Kind.UNRESTRICTED_APP_CRED}),
    # a trust-scoped token may redelegate (keystone checks the trust's
    # allow_redelegation)
    Credential.TRUST: frozenset({Kind.PRIMARY, Kind.TRUST}),
    Credential.EC2: frozenset({Kind.PRIMARY}),
    Credential.CREDENTIAL: frozenset({Kind.PRIMARY}),
}
# The kinds the plugin adds to keystone: on keystone's own routes only
# these are refused here; keystone's guards judge the others.
PLUGIN_KINDS = frozenset({Kind.WORKLOAD, Kind.RESTRICTED,
                          Kind.SERVICE_ACCOUNT})
WORKLOAD_PROTOCOL = protocols.JWT


def kind_of(token) -> Kind:
    """Classify a keystone TokenModel (first match wins)."""
    if accounts.get_manager().is_service_account(token.user_id):
        return Kind.SERVICE_ACCOUNT
    if restricted.is_restricted(token):
        return Kind.RESTRICTED
    if token.trust_id:
        return Kind.TRUST
    if token.oauth_scoped or token.access_token_id:
        return Kind.OAUTH1
    if token.application_credential_id:
        unrestricted = (token.application_credential or {}).get(
            'unrestricted')
        return (Kind.UNRESTRICTED_APP_CRED if unrestricted
                else Kind.APP_CRED)
    if ks_delegation.is_delegated_method(token):
        return Kind.DELEGATED
    if token.is_federated and token.protocol_id == WORKLOAD_PROTOCOL:
        return Kind.WORKLOAD
    return Kind.PRIMARY


def caller_token():
    """The validated token of this request (keystone's TokenModel)."""
    return flask.request.environ.get(
        authorization.AUTH_CONTEXT_ENV, {}).get('token')


def _audit_refusal(credential: Credential, target_id: ty.Optional[str],
                   why: str):
    LOG.warning('refused to create %s for %s: %s', credential.value,
                target_id, why)
    reason = cadf_reason.Reason(reasonType='HTTP', reasonCode='403')
    try:
        initiator = notifications.build_audit_initiator()
    except AttributeError:  # no request context: an anonymous request
        initiator = None
    notifications._create_cadf_payload(
        notifications.ACTIONS.created, credential.value, target_id,
        taxonomy.OUTCOME_FAILURE, initiator, reason=reason)


def refuse(credential: Credential, why: str,
           target_id: ty.Optional[str] = None):
    """403 in keystone's format, audited."""
    _audit_refusal(credential, target_id, why)
    # The refusal is this request's authorization decision.
    compat.mark_enforced()
    raise exception.ForbiddenAction(action=why)


def check(credential: Credential, token=None, *,
          for_user: ty.Optional[str] = None,
          kinds: ty.Optional[frozenset] = None) -> Kind:
    """Refuse (403, audited) unless the token may create ``credential``.

    Args:
        credential: what the request creates.
        token: the caller's TokenModel (default: this request's).
        for_user: the user the credential or token would be for.
        kinds: judge only these kinds (keystone's routes: PLUGIN_KINDS);
            default all.
    Returns:
        The token's kind.
    Raises:
        ForbiddenAction.
    """
    token = token if token is not None else caller_token()
    if token is None:
        refuse(credential, 'no token', for_user)
    for_user = for_user or token.user_id
    kind = kind_of(token)
    judged = kinds if kinds is not None else frozenset(Kind)
    if kind in judged and kind not in ALLOWED[credential]:
        refuse(credential, 'a %s token cannot create a %s' % (
            kind.value.replace('_', ' '),
            credential.value.replace('_', ' ')), for_user)
    return kind


def check_passkey_registration(user_id: str, token=None):
    """Passkeys: from a primary login only, and never for a service
    account, whoever asks. (That users register their own passkeys only
    is the default policy, identity:ng:passkey:register.)"""
    check(Credential.PASSKEY, token, for_user=user_id)
    if accounts.get_manager().is_service_account(user_id):
        refuse(Credential.PASSKEY, 'a service account never has a passkey',
               user_id)


def refuse_restricted_caller(what: str):
    """Restricted tokens (service accounts' included) manage nothing that
    decides what tokens may do (restrictions, service accounts)."""
    token = caller_token()
    if token is not None and restricted.is_restricted(token):
        raise exception.ForbiddenAction(
            action='%s with a restricted token' % what)


# keystone's v3 routes that create a credential or a trust.
_KEYSTONE_ROUTES = (
    ('POST', re.compile(r'^/v3/users/(?P<user>[^/]+)'
                        r'/application_credentials/?$'),
     Credential.APPLICATION_CREDENTIAL),
    ('POST', re.compile(r'^/v3/users/(?P<user>[^/]+)/credentials/OS-EC2/?$'),
     Credential.EC2),
    ('POST', re.compile(r'^/v3/OS-TRUST/trusts/?$'), Credential.TRUST),
    ('POST', re.compile(r'^/v3/credentials/?$'), Credential.CREDENTIAL),
    ('PATCH', re.compile(r'^/v3/credentials/[^/]+/?$'),
     Credential.CREDENTIAL),
)


def guard_keystone_routes():
    """before_request: the plugin's kinds of tokens create nothing
    through keystone's own credential routes either."""
    method, path = flask.request.method, flask.request.path or ''
    for route_method, pattern, credential in _KEYSTONE_ROUTES:
        if method != route_method:
            continue
        match = pattern.match(path)
        if match is None:
            continue
        token = caller_token()
        if token is None:
            return None   # keystone answers 401
        check(credential, token, for_user=match.groupdict().get('user'),
              kinds=PLUGIN_KINDS)
        return None
    return None


def install(app):
    app.before_request(guard_keystone_routes)
