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
"""Kubernetes login: a pod exchanges its service account token for a
keystone token, and keystone asks the cluster (TokenReview) whether the
token is valid now.

The steps, inside one audited login attempt (:func:`flow.attempt`):

1. the instance, if enabled (404 for none);
2. the JWT parsed, not verified: malformed, expired, or not for the role's
   audience is refused here, before any call to the cluster;
3. the role by name, if enabled;
4. TokenReview as the instance's reviewer (its own token as the bearer, the
   pinned CA, a timeout and a size cap), with the role's audience;
5. the service account it names, checked against the role's bound
   namespaces and names (exact or globs);
6. the token: the restriction's user's (restricted), or a shadow user's of
   the service account, scoped to the role's project.

The pod's name and UID the review reports go into the audit event. Every
refusal is a 401 (the reason logged); a cluster that cannot be asked is a
502.
"""

import datetime
import fnmatch
import typing as ty

import jwt as pyjwt
from oslo_log import log
from oslo_utils import timeutils

from keystone.common import provider_api
from keystone.common import utils as ks_utils

import keystone_ng_plugin.conf
from keystone_ng_plugin.common import jose
from keystone_ng_plugin.federation import errors
from keystone_ng_plugin.federation import flow
from keystone_ng_plugin.federation import login as federation_login
from keystone_ng_plugin.federation import mapping_engine
from keystone_ng_plugin.k8s_auth import core
from keystone_ng_plugin.k8s_auth import tokenreview
from keystone_ng_plugin.restriction import core as restriction
from keystone_ng_plugin.service_account import core as accounts
from keystone_ng_plugin.token import restricted

CONF = keystone_ng_plugin.conf.CONF
LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
# Where a pod finds its own service account (used when keystone runs in
# the cluster and the instance does not disable it).
LOCAL_CA = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt'
LOCAL_JWT = '/var/run/secrets/kubernetes.io/serviceaccount/token'
POD_NAME = 'authentication.kubernetes.io/pod-name'
POD_UID = 'authentication.kubernetes.io/pod-uid'


def _unverified_claims(token: str) -> dict:
    """The claims of a token that parses as a JWT (not verified: the
    cluster does that); LoginRefused otherwise."""
    try:
        jose.parse_unverified(token)
        claims = pyjwt.decode(token, options={'verify_signature': False})
    except (jose.InvalidJWT, pyjwt.exceptions.PyJWTError) as exc:
        raise errors.LoginRefused('the JWT does not parse: %s' % exc)
    if not isinstance(claims, dict):
        raise errors.LoginRefused('the JWT has no claims object')
    exp = claims.get('exp')
    if isinstance(exp, (int, float)) and exp < timeutils.utcnow_ts():
        raise errors.LoginRefused('the JWT expired')
    return claims


def _audiences(claims: dict) -> list:
    aud = claims.get('aud')
    if isinstance(aud, str):
        return [aud]
    return [a for a in aud if isinstance(a, str)] if isinstance(
        aud, list) else []


def _local(path: str) -> ty.Optional[str]:
    try:
        with open(path) as f:
            return f.read().strip() + ('\n' if path == LOCAL_CA else '')
    except OSError:
        return None


def _review_credentials(instance: dict) -> tuple[str, str]:
    """(CA PEM, reviewer token) of an instance: its own, else, unless
    disable_local_ca_jwt, those of the pod keystone runs in."""
    local = not instance['disable_local_ca_jwt']
    ca_cert = instance['ca_cert'] or (_local(LOCAL_CA) if local else None)
    reviewer = core.get_instance_manager().reviewer_jwt(instance) or (
        _local(LOCAL_JWT) if local else None)
    if not ca_cert:
        raise errors.LoginRefused('instance %s has no CA certificate'
                                  % instance['id'])
    if not reviewer:
        raise errors.LoginRefused('instance %s has no reviewer token '
                                  '(token_reviewer_jwt)' % instance['id'])
    return ca_cert, reviewer


def _bound(value: str, patterns: ty.Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


def _expires_at(role: dict, cap: int) -> str:
    ttl = min(role['token_ttl'] or cap, cap)
    return ks_utils.isotime(
        timeutils.utcnow() + datetime.timedelta(seconds=ttl),
        subsecond=True)


def authenticate(instance_id: str, token: str, role_name: str):
    """A keystone token for a pod's service account token (a TokenModel).

    Raises:
        NotFound: no such instance.
        Unauthorized: anything refused.
        IdentityProviderUnavailable: the cluster cannot be asked.
    """
    with flow.attempt(flow.K8S_LOGIN, instance_id) as current:
        instance = core.get_instance_manager().get_for_login(instance_id)
        if not instance['enabled']:
            raise errors.IdpDisabled('instance %s is disabled'
                                     % instance_id)
        claims = _unverified_claims(token)
        role = core.get_role_manager().find_for_login(instance_id,
                                                      role_name)
        if role is None or not role['enabled']:
            raise errors.NoMapping('instance %s has no enabled role %s'
                                   % (instance_id, role_name))
        audience = role['bound_audience']
        if audience and audience not in _audiences(claims):
            raise errors.LoginRefused('the JWT is not for audience %s'
                                      % audience)
        ca_cert, reviewer = _review_credentials(instance)
        try:
            review = tokenreview.review(
                token, host=instance['host'], ca_cert=ca_cert,
                reviewer_jwt=reviewer,
                audiences=[audience] if audience else (),
                timeout=CONF.k8s_auth.review_timeout,
                max_bytes=CONF.k8s_auth.max_review_bytes)
        except tokenreview.ReviewRefused as exc:
            raise errors.LoginRefused('TokenReview: %s' % exc)
        except tokenreview.ClusterUnreachable as exc:
            # the reason (the cluster's address) is logged, not answered
            LOG.warning('Kubernetes login: %s', exc)
            raise errors.IdpUnavailable('the Kubernetes cluster could not '
                                        'review the token')
        namespace, name = _service_account(review)
        current.details = {
            'service_account': '%s/%s' % (namespace, name),
            'service_account_uid': review.uid,
            'pod_name': review.extra_value(POD_NAME),
            'pod_uid': review.extra_value(POD_UID),
            'role': role['name']}
        LOG.info('Kubernetes login of %s/%s (pod %s, uid %s) through role '
                 '%s of instance %s', namespace, name,
                 current.details['pod_name'], current.details['pod_uid'],
                 role['name'], instance_id)
        if not _bound(namespace, role['bound_service_account_namespaces']):
            raise errors.LoginRefused('namespace %s is not bound to role %s'
                                      % (namespace, role['name']))
        if not _bound(name, role['bound_service_account_names']):
            raise errors.LoginRefused('service account %s is not bound to '
                                      'role %s' % (name, role['name']))
        return _issue(current, instance, role, review, namespace, name)


def _service_account(review: tokenreview.Review) -> tuple[str, str]:
    try:
        return review.service_account
    except tokenreview.ReviewRefused as exc:
        raise errors.LoginRefused(str(exc))


def _issue(current: flow.Attempt, instance: dict, role: dict,
           review: tokenreview.Review, namespace: str, name: str):
    method = federation_login.token_method()
    cap = CONF.k8s_auth.max_token_ttl
    ref = None
    if role['token_restriction_id']:
        ref = restriction.get_manager().get_cached(
            role['token_restriction_id'])
        if ref is None:
            raise errors.LoginRefused('the role\'s token restriction is '
                                      'gone')
    project_id = role['token_project_id']
    if ref is not None and ref['user_id']:
        current.user_id = ref['user_id']
        if accounts.get_manager().is_service_account(ref['user_id']):
            current.token = restricted.issue_for_service_account(
                ref['user_id'], ref['id'], project_id=project_id,
                ttl=min(role['token_ttl'] or cap, cap), methods=[method])
        else:
            current.token = restricted.issue_for(
                ref, ref['user_id'], project_id=project_id,
                expires_at=_expires_at(role, cap), methods=[method])
        return current.token
    if role['alias_name_source'] == 'serviceaccount_name':
        alias = '%s/%s' % (namespace, name)
    else:
        if not review.uid:
            raise errors.LoginRefused('the review names no service account '
                                      'UID')
        alias = review.uid
    identity = mapping_engine.Identity(
        # per instance: service accounts of the same name in two clusters
        # are two keystone users
        unique_id='%s/%s' % (instance['id'], alias),
        user_name=('%s/%s' % (namespace, name))[:255],
        domain_id=instance['domain_id'],
        group_names=tuple(role['groups']))
    shadow = federation_login.shadow_user(instance['id'], identity)
    current.user_id = shadow[0]['id']
    if ref is not None:
        current.token = restricted.issue_for(
            ref, current.user_id, project_id=project_id,
            expires_at=_expires_at(role, cap), methods=[method])
        return current.token
    current.group_ids = shadow[1]
    current.token = federation_login.issue_token(
        instance['id'], current.protocol, None, identity,
        scope={'project': {'id': project_id}}, shadow=shadow,
        expires_at=_expires_at(role, cap))
    return current.token
