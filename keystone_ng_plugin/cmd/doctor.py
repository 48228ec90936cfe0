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
"""The plugin's checks for ``keystone-ng-manage doctor``.

keystone's doctor runs every ``symptom_*`` function of its modules and
prints the docstring of each that returns true; this is one more such
module. Checks that read the database answer false when it cannot be read
(keystone's own database checks report that).
"""

import ipaddress
import os
import urllib.parse

from keystone.common import sql as ks_sql
import keystone.conf
from oslo_config import cfg
import sqlalchemy as sa

from keystone_ng_plugin.cmd import rollback
from keystone_ng_plugin.db import migration

CONF = keystone.conf.CONF
# cache backends that live in one process: invalidations stay in it
PROCESS_LOCAL_CACHES = ('dogpile.cache.memory', 'dogpile.cache.memory_pickle',
                        'oslo_cache.dict')


def _count(query: str) -> int:
    try:
        with ks_sql.session_for_read() as session:
            return session.execute(sa.text(query)).scalar() or 0
    except Exception:  # unreadable database or missing tables
        return 0


def _restricted_provider() -> bool:
    return rollback.ours('keystone.token.provider', CONF.token.provider)


def symptom_token_restrictions_without_the_ngfernet_provider():
    """Token restrictions exist but `[token] provider` is not `ngfernet`.

    Restricted tokens (restrictions, service accounts, JWT logins bound to
    a restriction) can only be issued and validated by the plugin's token
    provider: set `keystone.conf [token] provider = ngfernet` (keystone's
    fernet provider plus restricted tokens, same keys).
    """
    return not _restricted_provider() and _count(
        'SELECT COUNT(*) FROM ng_token_restriction') > 0


def symptom_renewable_restrictions_without_the_ngrestricted_method():
    """Restrictions allow renewal or rescoping but `[auth] token` is not
    `ngrestricted`.

    keystone's own token method refuses restricted tokens, so
    `allow_renew` and `allow_rescope` have no effect (clients that
    re-authenticate with the token method, `openstack --os-auth-type
    token`, fail): set `keystone.conf [auth] token = ngrestricted`.
    """
    try:
        driver = CONF.auth.get('token') or 'default'
    except cfg.NoSuchOptError:
        driver = 'default'
    return _restricted_provider() and not rollback.ours(
        'keystone.auth.token', driver) and _count(
        'SELECT COUNT(*) FROM ng_token_restriction '
        'WHERE allow_renew OR allow_rescope') > 0


def _relying_party_id():
    if CONF.passkey.relying_party_id:
        return CONF.passkey.relying_party_id
    if CONF.public_endpoint:
        return urllib.parse.urlsplit(CONF.public_endpoint).hostname
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip('[]'))
        return True
    except ValueError:
        return False


def _passkeys_enabled() -> bool:
    return 'passkey' in CONF.auth.methods


def symptom_passkey_relying_party_id_unset():
    """`[passkey] relying_party_id` is not set (nor `[DEFAULT]
    public_endpoint`).

    The relying party ID is then taken from each request's host name: a
    keystone reached under several names, or by IP address, gives passkey
    pages that browsers refuse, and passkeys registered under one name do
    not work under another. Set `keystone.conf [passkey] relying_party_id`
    to the DNS name users reach keystone at (it cannot change later without
    invalidating every passkey), and `[passkey] origins`.
    """
    return _passkeys_enabled() and _relying_party_id() is None


def symptom_passkey_relying_party_id_is_an_ip_address():
    """The passkey relying party ID is an IP address.

    Browsers accept WebAuthn only for a DNS name (and `localhost`): no
    passkey can be registered or used. Set `keystone.conf [passkey]
    relying_party_id` to the DNS name users reach keystone at.
    """
    rp_id = _relying_party_id()
    return _passkeys_enabled() and bool(rp_id) and _is_ip(rp_id)


def _bad_origin(origin: str, rp_id: str) -> bool:
    parts = urllib.parse.urlsplit(origin)
    host = (parts.hostname or '').lower()
    rp_id = rp_id.lower()
    if host != rp_id and not host.endswith('.' + rp_id):
        return True
    return parts.scheme != 'https' and not (
        parts.scheme == 'http' and host == 'localhost')


def symptom_passkey_origins_do_not_match_the_relying_party_id():
    """A `[passkey] origins` entry is not the relying party ID or one of its
    subdomains, or is not https.

    Browsers refuse a ceremony whose page origin is outside the relying
    party ID, and plain http except for `localhost`: passkey logins from
    that origin always fail. Each origin must be
    `https://<relying_party_id or a subdomain>[:port]`.
    """
    rp_id = _relying_party_id()
    return _passkeys_enabled() and bool(rp_id) and any(
        _bad_origin(origin, rp_id) for origin in CONF.passkey.origins)


def _credential_keys() -> list:
    repository = CONF.credential.key_repository
    try:
        return [name for name in os.listdir(repository) if name.isdigit()]
    except OSError:
        return []


def symptom_identity_provider_secrets_without_credential_keys():
    """Identity providers hold client secrets but keystone's credential key
    repository has no keys.

    The plugin encrypts OIDC client secrets with keystone's credential keys
    (`keystone.conf [credential] key_repository`): without them the secrets
    cannot be read and those logins fail. Copy the repository from the node
    that created the secrets (every node needs the same keys), or run
    `keystone-manage credential_setup` on a new deployment.
    """
    return not _credential_keys() and _count(
        'SELECT COUNT(*) FROM ng_identity_provider '
        'WHERE oidc_client_secret IS NOT NULL') > 0


def symptom_cache_local_to_one_process():
    """keystone's cache backend lives in one process.

    With `keystone.conf [cache] backend` set to an in-memory backend, each
    keystone worker (and node) keeps its own cache: a deleted restriction,
    a disabled identity provider or a revoked token is forgotten only by
    the worker that made the change, and the others keep serving it until
    it expires. With more than one worker, use a shared backend
    (`dogpile.cache.pymemcache` or `oslo_cache.memcache_pool` with
    memcached, or redis).
    """
    return CONF.cache.enabled and CONF.cache.backend in PROCESS_LOCAL_CACHES


def symptom_proxy_headers_without_trusted_proxies():
    """Proxy headers are parsed but `[keystone_ng] trusted_proxies` is
    empty.

    keystone is behind a proxy (`[oslo_middleware]
    enable_proxy_headers_parsing`), yet the plugin's throttling does not
    know it: every client then shares the proxy's address, so one client
    can exhaust the anonymous endpoints (passkey, OIDC and JWT logins) for
    all. List the proxies' addresses or networks in `keystone.conf
    [keystone_ng] trusted_proxies`.
    """
    try:
        parsing = CONF.oslo_middleware.enable_proxy_headers_parsing
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        # oslo.middleware's options not registered
        parsing = False
    return bool(parsing) and not CONF.keystone_ng.trusted_proxies


def symptom_service_accounts_with_passwords_or_credentials():
    """Service accounts hold a password, credentials or application
    credentials.

    A service account logs in only through workload login (JWT, restricted
    tokens) and never holds a secret of its own; the plugin refuses to
    create one. Rows like these were written around it (directly in the
    database, or through keystone's API before the account was marked):
    delete them (`openstack credential delete`, `openstack application
    credential delete`, or reset the user's password to none).
    """
    return _count(
        'SELECT COUNT(*) FROM ng_service_account sa '
        'JOIN local_user lu ON lu.user_id = sa.id '
        'JOIN password p ON p.local_user_id = lu.id '
        'WHERE p.password_hash IS NOT NULL') + _count(
        'SELECT COUNT(*) FROM credential c JOIN ng_service_account sa '
        'ON sa.id = c.user_id') + _count(
        'SELECT COUNT(*) FROM application_credential ac '
        'JOIN ng_service_account sa ON sa.id = ac.user_id') > 0


def symptom_oauth2_clients_without_signing_keys():
    """A domain has OpenID provider clients but no signing key.

    Its token endpoint answers 503 and its JWKS 404 until the domain has
    keys: run `keystone-ng-manage oauth2_key_rotate --domain <domain_id>`
    (once; later rotations without --domain rotate every domain with
    keys).
    """
    return _count(
        'SELECT COUNT(*) FROM ng_oauth2_client c '
        'WHERE c.deleted_at IS NULL AND NOT EXISTS ('
        'SELECT 1 FROM ng_oauth2_signing_key k '
        "WHERE k.domain_id = c.domain_id AND k.state = 'primary')") > 0


def _rows(query: str) -> list:
    try:
        with ks_sql.session_for_read() as session:
            return list(session.execute(sa.text(query)))
    except Exception:  # unreadable database or missing tables
        return []


def symptom_oauth2_openstack_login_protocol_not_enabled():
    """Logins with the OpenID provider's tokens are set up but refused.

    `keystone-ng-manage oauth2_openstack_login` made a v3 identity provider
    oauth2-<domain_id> whose protocol is missing from [auth] methods or
    [ng_federation] v3_oidc_protocols: keystoneauth's v3oidc* logins with
    the provider's access tokens fail. Add the protocol (usually openid)
    to both.
    """
    protocols = {row[0] for row in _rows(
        "SELECT id FROM federation_protocol WHERE idp_id LIKE 'oauth2-%'")}
    enabled = set(CONF.auth.methods) & set(
        CONF.ng_federation.v3_oidc_protocols)
    return bool(protocols - enabled)


def symptom_plugin_tables_not_up_to_date():
    """The plugin's tables are missing or not up to date.

    Run `keystone-ng-manage --config-file <keystone.conf> db_sync` (it
    syncs keystone's tables and then the plugin's).
    """
    try:
        return not migration.is_current()
    except Exception:  # keystone's database checks report an unreachable one
        return False
