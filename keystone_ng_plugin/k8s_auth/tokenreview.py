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
"""The Kubernetes TokenReview API (authentication.k8s.io/v1).

One protocol step: ask a cluster's API server whether a workload's token is
valid now, as the *reviewer* (a service account of its own with
system:auth-delegator), not with the workload's token as the bearer. Only
https, only the instance's pinned CA, no redirects, a timeout and a cap on
the answer's size. What the cluster says is returned as a :class:`Review`;
what it refuses raises :class:`ReviewRefused` (a 401 for the login), and
what cannot be asked raises :class:`ClusterUnreachable` (a 502).
"""

import dataclasses
import functools
import json
import ssl
import typing as ty
import urllib.parse

import requests
import requests.adapters

PATH = '/apis/authentication.k8s.io/v1/tokenreviews'
SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:'


class ReviewRefused(Exception):
    """The cluster does not vouch for the token (or for the reviewer)."""


class ClusterUnreachable(Exception):
    """The cluster could not be asked, or answered nonsense."""


@dataclasses.dataclass(frozen=True)
class Review:
    """An authenticated TokenReview's status."""
    username: str
    uid: str
    groups: tuple[str, ...]
    audiences: tuple[str, ...]
    extra: dict

    @property
    def service_account(self) -> tuple[str, str]:
        """(namespace, name) of a service account's username; ReviewRefused
        for any other kind of user."""
        if not self.username.startswith(SERVICE_ACCOUNT_PREFIX):
            raise ReviewRefused('%r is not a service account'
                                % self.username)
        namespace, _, name = self.username[
            len(SERVICE_ACCOUNT_PREFIX):].partition(':')
        if not namespace or not name or ':' in name:
            raise ReviewRefused('malformed service account username %r'
                                % self.username)
        return namespace, name

    def extra_value(self, key: str) -> ty.Optional[str]:
        """One value of status.user.extra (e.g. the pod name), if any."""
        values = self.extra.get(key) or []
        return values[0] if isinstance(values, list) and values else None


def check_host(host: str) -> str:
    """The API server's base URL: https only, no path, query or user."""
    parts = urllib.parse.urlsplit(host)
    if parts.scheme != 'https' or not parts.hostname:
        raise ValueError('the Kubernetes API server must be an https URL')
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError('the Kubernetes API server URL must be only '
                         'https://host[:port][/prefix]')
    return host.rstrip('/')


@functools.lru_cache(maxsize=64)
def _pinned_context(ca_cert: str) -> ssl.SSLContext:
    """A TLS context trusting only this CA (no system CAs), host names
    checked; one per CA, kept (an SSLContext is safe to share)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_verify_locations(cadata=ca_cert)
    except (ssl.SSLError, ValueError) as exc:
        raise ClusterUnreachable('the pinned CA does not load: %s' % exc)
    return context


class _PinnedAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter with the pinned TLS context."""

    def __init__(self, context: ssl.SSLContext):
        self._context = context
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        kwargs['ssl_context'] = self._context
        return super().init_poolmanager(*args, **kwargs)


def _post(url, body, *, reviewer_jwt, ca_cert, timeout, max_bytes):
    with requests.Session() as session:
        session.trust_env = False     # no proxies or CA bundles of the env
        session.mount('https://', _PinnedAdapter(_pinned_context(ca_cert)))
        try:
            with session.post(
                    url, data=json.dumps(body), timeout=timeout,
                    allow_redirects=False, stream=True,
                    headers={'Authorization': 'Bearer ' + reviewer_jwt,
                             'Content-Type': 'application/json',
                             'Accept': 'application/json'}) as resp:
                data = b''
                for chunk in resp.iter_content(65536):
                    data += chunk
                    if len(data) > max_bytes:
                        raise ClusterUnreachable(
                            'the TokenReview answer is over %d bytes'
                            % max_bytes)
                return resp.status_code, data
        except requests.RequestException as exc:
            raise ClusterUnreachable('TokenReview at %s failed: %s'
                                     % (url, exc))


def review(token: str, *, host: str, ca_cert: str, reviewer_jwt: str,
           audiences: ty.Sequence[str] = (), timeout: float = 5.0,
           max_bytes: int = 256 * 1024) -> Review:
    """Ask the cluster at ``host`` about ``token``.

    Args:
        token: the workload's service account token.
        host: the API server (https).
        ca_cert: PEM of the CA that signs the API server's certificate: the
            only CA trusted.
        reviewer_jwt: the reviewer's own token (the bearer).
        audiences: the audiences the token must be valid for (sent in the
            review; the answer must name at least one of them).
        timeout: seconds for connecting and for each read.
        max_bytes: the most of an answer read.

    Returns:
        The authenticated review.

    Raises:
        ReviewRefused: the token (or the reviewer) is not authenticated.
        ClusterUnreachable: no answer, a TLS failure, a server error, or an
            answer that is not a TokenReview.
    """
    spec = {'token': token}
    if audiences:
        spec['audiences'] = list(audiences)
    status, data = _post(
        check_host(host) + PATH,
        {'apiVersion': 'authentication.k8s.io/v1', 'kind': 'TokenReview',
         'spec': spec},
        reviewer_jwt=reviewer_jwt, ca_cert=ca_cert, timeout=timeout,
        max_bytes=max_bytes)
    if status in (401, 403):
        raise ReviewRefused('the cluster refused the reviewer credential '
                            '(HTTP %d)' % status)
    if status not in (200, 201):
        raise ClusterUnreachable('TokenReview answered HTTP %d' % status)
    try:
        result = json.loads(data)['status']
    except (ValueError, KeyError, TypeError):
        raise ClusterUnreachable('TokenReview answered no status')
    if not isinstance(result, dict) or result.get('authenticated') is not True:
        error = result.get('error') if isinstance(result, dict) else None
        raise ReviewRefused('not authenticated: %s' % (error or 'no reason'))
    user = result.get('user') or {}
    got = tuple(result.get('audiences') or ())
    if audiences and not set(got) & set(audiences):
        raise ReviewRefused('the token is not for audiences %s'
                            % ', '.join(audiences))
    try:
        return Review(username=str(user['username']),
                      uid=str(user.get('uid', '')),
                      groups=tuple(user.get('groups') or ()),
                      audiences=got, extra=dict(user.get('extra') or {}))
    except (KeyError, TypeError, ValueError):
        raise ClusterUnreachable('TokenReview answered no user')
