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
"""What keystone fetches from identity providers: discovery and JWKS.

Outbound HTTP is hardened: https only (plain http on loopback only when
[ng_federation] allow_insecure_loopback is set, for tests), no redirects,
a timeout, a response size cap, JSON objects only. Documents are cached per
process for [ng_federation] metadata_cache_ttl; this is a cache of public
data, not ceremony state, so nodes need not share it.
"""

import http.cookiejar
import ipaddress
import threading
import time
import typing as ty
import urllib.parse

import flask
from oslo_serialization import jsonutils
import requests

from keystone_ng_plugin.common import jose
import keystone_ng_plugin.conf
from keystone_ng_plugin.federation import records

CONF = keystone_ng_plugin.conf.CONF
_LOCK = threading.Lock()
_CACHE: dict[str, tuple[float, dict]] = {}
_LAST_REFRESH: dict[str, float] = {}
# A failed fetch is not repeated for a while (doubling up to the maximum):
# otherwise every login refused for an unreachable IdP costs a fetch.
_FAILURES: dict[str, tuple[float, float, str]] = {}
FAILURE_BACKOFF_MIN = 1.0
FAILURE_BACKOFF_MAX = 60.0


WELL_KNOWN = '/.well-known/openid-configuration'


class MetadataError(Exception):
    """An identity provider's document could not be used."""


class IssuerMismatch(MetadataError):
    """The discovery document names another issuer than it must."""


class OAuthError(MetadataError):
    """An OAuth 2.0 endpoint answered with an error (RFC 6749 section
    5.2): ``error`` is its code, such as ``invalid_grant``."""

    def __init__(self, message: str, error: str):
        super().__init__(message)
        self.error = error


def discovery_document_url(url: str) -> str:
    """The URL of the discovery document: oidc_discovery_url as given
    when it is a well-known URL, else the issuer URL with the OpenID
    Connect well-known path appended (as the Rust Keystone-NG takes it)."""
    if '/.well-known/' in url:
        return url
    return url.rstrip('/') + WELL_KNOWN


def _issuer_of_url(url: str) -> ty.Optional[str]:
    """The issuer OpenID Connect Discovery (section 4.3) requires of the
    document at this oidc_discovery_url (None: not an OIDC well-known)."""
    if '/.well-known/' not in url:
        return url.rstrip('/')
    if url.endswith(WELL_KNOWN):
        return url[:-len(WELL_KNOWN)].rstrip('/')
    return None


def _is_loopback(host: ty.Optional[str]) -> bool:
    if host is None:
        return False
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host.strip('[]')).is_loopback
    except ValueError:
        return False


def parse_url(url: str) -> urllib.parse.SplitResult:
    """An http(s) URL's parts (ValueError if it does not parse)."""
    parts = urllib.parse.urlsplit(url or '')
    parts.port  # raises ValueError for a bad port, as hostname for a host
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise ValueError('not an http(s) URL with a host: %r' % url)
    return parts


def check_url(url: str):
    """Refuse URLs keystone must not fetch (MetadataError)."""
    try:
        parts = parse_url(url)
    except ValueError as exc:
        raise MetadataError('refusing to fetch %r: %s' % (url, exc))
    if parts.scheme == 'https' and parts.hostname:
        return
    if (parts.scheme == 'http' and _is_loopback(parts.hostname) and
            CONF.ng_federation.allow_insecure_loopback):
        return
    raise MetadataError('refusing to fetch %r: https only' % url)


def fetch_json(url: str) -> dict:
    """GET a JSON object from an identity provider.

    Raises:
        MetadataError: bad URL, network error, timeout, redirect, non-200,
            oversized or non-JSON-object response.
    """
    return _request_json('GET', url)


def post_form(url: str, data: dict, auth: ty.Optional[tuple] = None
              ) -> dict:
    """POST a form (e.g. to a token endpoint) and read a JSON object back.

    Same hardening as :func:`fetch_json`. An OAuth error answer (4xx with
    an "error" member) is raised as MetadataError naming that error.
    """
    return _request_json('POST', url, data=data, auth=auth)


def idp_seconds() -> float:
    """Seconds this request spent waiting for identity providers."""
    return flask.g.get('ng_idp_seconds', 0.0)


def server_timing(response):
    """Flask after_request: ``Server-Timing: idp;dur=<ms>`` on responses
    that waited for an identity provider (operators, browsers' developer
    tools and load tests see keystone's own time apart from the IdP's)."""
    seconds = idp_seconds()
    if seconds:
        response.headers.add('Server-Timing', 'idp;dur=%.1f;desc="identity '
                             'provider"' % (seconds * 1000))
    return response


def _request_json(method: str, url: str, **kwargs) -> dict:
    check_url(url)
    started = time.monotonic()
    try:
        return _request_json_timed(method, url, **kwargs)
    finally:
        if flask.has_request_context():
            flask.g.ng_idp_seconds = idp_seconds() + (
                time.monotonic() - started)


_LOCAL = threading.local()


def _session() -> requests.Session:
    """A session per thread: connections to identity providers are kept
    alive between logins. It keeps no cookies: nothing of one login's
    exchange with an IdP can reach another's."""
    session = getattr(_LOCAL, 'session', None)
    if session is None:
        session = requests.Session()
        session.cookies.set_policy(
            http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        _LOCAL.session = session
    return session


def _request_json_timed(method: str, url: str, **kwargs) -> dict:
    limit = CONF.ng_federation.max_response_bytes
    try:
        with _session().request(
                method, url, timeout=CONF.ng_federation.http_timeout,
                allow_redirects=False, stream=True,
                headers={'Accept': 'application/json'}, **kwargs) as resp:
            body = b''
            for chunk in resp.iter_content(65536):
                body += chunk
                if len(body) > limit:
                    raise MetadataError('%s sent more than %d bytes' % (
                        url, limit))
            status = resp.status_code
    except requests.RequestException as exc:
        raise MetadataError('%s %s failed: %s' % (method, url, exc))
    try:
        document = jsonutils.loads(body)
    except ValueError:
        document = None
    if status != 200:
        error = document.get('error') if isinstance(document, dict) else None
        if isinstance(error, str):
            raise OAuthError('%s answered %d (%s)' % (url, status, error),
                             error)
        raise MetadataError('%s answered %d' % (url, status))
    if not isinstance(document, dict):
        raise MetadataError('%s did not send a JSON object' % url)
    return document


def _cached(url: str, refresh: bool = False) -> dict:
    now = time.monotonic()
    with _LOCK:
        hit = _CACHE.get(url)
        failed = _FAILURES.get(url)
    if hit and not refresh and hit[0] > now:
        return hit[1]
    if failed and failed[0] > now:
        raise MetadataError('%s (not fetched again for %d s)' % (
            failed[2], failed[0] - now + 1))
    try:
        document = fetch_json(url)
    except MetadataError as exc:
        backoff = min(max(2 * failed[1] if failed else 0,
                          FAILURE_BACKOFF_MIN), FAILURE_BACKOFF_MAX)
        with _LOCK:
            _FAILURES[url] = (now + backoff, backoff, str(exc))
        raise
    with _LOCK:
        _FAILURES.pop(url, None)
        _CACHE[url] = (now + CONF.ng_federation.metadata_cache_ttl,
                       document)
    return document


def forget():
    """Drop every cached document and failure (tests, and after an IdP
    changes)."""
    with _LOCK:
        _CACHE.clear()
        _LAST_REFRESH.clear()
        _FAILURES.clear()


def discovery(idp: records.IdentityProvider) -> dict:
    """The IdP's OpenID Connect discovery document, its issuer checked:
    the URL's issuer (OpenID Connect Discovery 1.0 section 4.3) and the
    IdP's bound_issuer.

    Raises:
        IssuerMismatch: the document names another issuer.
        MetadataError: no discovery URL, or the fetch failed.
    """
    url = idp.oidc_discovery_url
    if not url:
        raise MetadataError('identity provider %s has no discovery URL' %
                            idp.id)
    document = _cached(discovery_document_url(url))
    issuer = document.get('issuer')
    if not isinstance(issuer, str):
        raise MetadataError('discovery document without issuer')
    expected = _issuer_of_url(url)
    if expected is not None and issuer.rstrip('/') != expected:
        raise IssuerMismatch('discovery issuer %s is not the issuer of %s' %
                             (issuer, url))
    if idp.bound_issuer and issuer != idp.bound_issuer:
        raise IssuerMismatch('discovery issuer %s is not the bound issuer '
                             '%s' % (issuer, idp.bound_issuer))
    return document


def issuer(idp: records.IdentityProvider) -> str:
    """The issuer tokens of this IdP must carry."""
    return idp.bound_issuer or discovery(idp)['issuer']


def _jwks_url(idp: records.IdentityProvider) -> ty.Optional[str]:
    if idp.jwks_url:
        return idp.jwks_url
    if idp.oidc_discovery_url:
        return discovery(idp).get('jwks_uri')
    return None


def signing_keys(idp: records.IdentityProvider, refresh: bool = False
                 ) -> list[jose.VerificationKey]:
    """Keys that may sign the IdP's tokens: static ones and its JWKS.

    Args:
        refresh: fetch the JWKS again (after an unknown kid), at most once
            per [ng_federation] jwks_min_refresh_interval.
    """
    keys = [jose.key_from_text(text)
            for text in idp.jwt_validation_pubkeys or ()]
    url = _jwks_url(idp)
    if url:
        if refresh:
            now = time.monotonic()
            with _LOCK:
                last = _LAST_REFRESH.get(url)
                # (monotonic time starts near 0 at boot: never-refreshed
                # must not look like refreshed at time 0)
                refresh = last is None or (
                    now - last >=
                    CONF.ng_federation.jwks_min_refresh_interval)
                if refresh:
                    _LAST_REFRESH[url] = now
        keys += jose.keys_from_jwks(_cached(url, refresh=refresh))
    if not keys:
        raise MetadataError('identity provider %s has no signing keys' %
                            idp.id)
    return keys


def verify_token(idp: records.IdentityProvider, token: str,
                 audiences: ty.Optional[ty.Collection[str]],
                 leeway: int = jose.DEFAULT_LEEWAY) -> jose.VerifiedJWT:
    """Verify a JWT of this IdP, re-fetching its JWKS once on a new kid.

    A token that cannot be a JWT is refused before anything is fetched.
    """
    limit = CONF.ng_federation.max_token_bytes
    jose.parse_unverified(token, max_bytes=limit)
    iss = issuer(idp)
    try:
        return jose.verify_jwt(token, keys=signing_keys(idp), issuer=iss,
                               audiences=audiences, leeway=leeway,
                               max_bytes=limit)
    except jose.UnknownKey:
        return jose.verify_jwt(token, keys=signing_keys(idp, refresh=True),
                               issuer=iss, audiences=audiences,
                               leeway=leeway, max_bytes=limit)
