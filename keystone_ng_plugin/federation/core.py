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
"""Identity providers: the plugin's records and keystone's v3 view of them.

Each IdP of the plugin has a keystone v3 ``identity_provider`` with the same
ID (its issuer as remote ID, its name as description) and the v3 protocols
``oidc`` and ``jwt``, so that the v3 API, the openstack CLI and keystone's
own federation code (shadow users) see it. All are written in one
transaction. The OIDC client secret is stored encrypted with
keystone's credential keys and never returned.
"""

import typing as ty
import uuid

from oslo_log import log

from keystone.common import provider_api
from keystone.common import sql as ks_sql
from keystone import exception
from keystone import notifications

from keystone_ng_plugin.common.cache import MEMOIZE
from keystone_ng_plugin.common import protocols
from keystone_ng_plugin.federation.backends import sql as backend_sql
from keystone_ng_plugin.federation import login
from keystone_ng_plugin.federation import metadata
from keystone_ng_plugin.federation import records

LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
SECRET_FIELDS = ('oidc_client_secret', 'oidc_client_secret_key_hash')
# The keystone v3 mapping of the v3 protocols every plugin IdP gets.
V3_MAPPING_ID = 'keystone-ng-v4'
# The keystone in-process event (register_event_callback) sent when an
# identity provider is deleted, for the records that refer to one.
RESOURCE_TYPE = 'ng_identity_provider'


def view(ref: ty.Union[records.IdentityProvider, dict]) -> dict:
    """The API view of an IdP (or of an IdP being created): never the
    secret."""
    if isinstance(ref, records.IdentityProvider):
        ref = ref.to_dict()
    return {k: v for k, v in ref.items() if k not in SECRET_FIELDS}


def policy_target(ref: ty.Union[records.IdentityProvider, dict]) -> dict:
    """What policy rules see of an IdP (no secret; global or not)."""
    target = view(ref)
    target['visibility'] = 'domain' if target.get('domain_id') else 'global'
    return {'identity_provider': target}


# What keystone's federation manager writes on the domain it generates for
# an identity provider without one (followed by the IdP's ID).
AUTO_DOMAIN_DESCRIPTION = 'Auto generated federated domain for Identity ' \
    'Provider: '
URL_FIELDS = ('oidc_discovery_url', 'jwks_url')
URL_LIST_FIELDS = ('allowed_redirect_uris',)


def check_urls(ref: dict):
    """400 for an IdP's or mapping's URL that does not parse (the schema's
    pattern only says it is printable ASCII after http(s)://)."""
    urls = [ref.get(name) for name in URL_FIELDS]
    for name in URL_LIST_FIELDS:
        urls += ref.get(name) or []
    for url in urls:
        if url is None:
            continue
        try:
            metadata.parse_url(url)
        except ValueError as exc:
            raise exception.ValidationError(
                message='%r is not a usable URL: %s' % (url, exc))


class IdentityProviderManager:

    def __init__(self, driver=None):
        self.driver = driver or backend_sql.IdentityProvider()

    @staticmethod
    def _encrypt(values: dict) -> dict:
        values = dict(values)
        if 'oidc_client_secret' in values:
            secret = values['oidc_client_secret']
            if secret is None:
                values['oidc_client_secret_key_hash'] = None
            else:
                blob, key_hash = PROVIDERS.credential_provider_api.encrypt(
                    secret)
                values['oidc_client_secret'] = blob.decode('ascii')
                values['oidc_client_secret_key_hash'] = key_hash
        return values

    def client_secret(self, idp_id: str) -> ty.Optional[str]:
        """The decrypted OIDC client secret (for talking to the IdP).

        Read from the cached IdP record, which holds it encrypted with
        keystone's credential keys (as the database does); decrypted here.
        """
        blob = self.get_for_login(idp_id).oidc_client_secret
        if blob is None:
            return None
        return PROVIDERS.credential_provider_api.decrypt(blob)

    @staticmethod
    def _assert_remote_id_free(remote_id: ty.Optional[str], idp_id: str):
        if not remote_id:
            return
        try:
            owner = PROVIDERS.federation_api.get_idp_from_remote_id(
                remote_id)
        except exception.IdentityProviderNotFound:
            return
        if owner['idp_id'] != idp_id:
            raise exception.Conflict(
                type='identity_provider',
                details='issuer %s belongs to identity provider %s' % (
                    remote_id, owner['idp_id']))

    def create(self, ref: dict) -> records.IdentityProvider:
        """Create an IdP and its keystone v3 counterpart."""
        check_urls(ref)
        domain_id = ref.get('domain_id')
        if domain_id:
            try:
                PROVIDERS.resource_api.get_domain(domain_id)
            except exception.DomainNotFound:
                raise exception.ValidationError(
                    message='domain %s does not exist' % domain_id)
        values = self._encrypt(dict(ref, enabled=ref.get('enabled', True)))
        idp_id = uuid.uuid4().hex
        self._assert_remote_id_free(values.get('bound_issuer'), idp_id)
        v3 = {'id': idp_id, 'enabled': values['enabled'],
              'description': values['name'],
              'remote_ids': ([values['bound_issuer']]
                             if values.get('bound_issuer') else []),
              # keystone makes a domain for an IdP without one.
              'domain_id': domain_id}
        with ks_sql.session_for_write():
            created = self.driver.create(idp_id, values)
            PROVIDERS.federation_api.create_idp(idp_id, v3)
            self.create_v3_protocols(idp_id)
        return created

    @staticmethod
    def create_v3_protocols(idp_id: str):
        """keystone v3 protocols ``oidc`` and ``jwt`` for the IdP.

        Shadow users of /v4 logins point at them (federated_user has a
        foreign key to the protocol). They use a shared v3 mapping without
        rules, so keystone's own v3 auth through them maps nobody.
        """
        try:
            PROVIDERS.federation_api.get_mapping(V3_MAPPING_ID)
        except exception.MappingNotFound:
            try:
                PROVIDERS.federation_api.create_mapping(
                    V3_MAPPING_ID, {'rules': [], 'schema_version': '1.0'})
            except exception.Conflict:
                pass
        for protocol in protocols.ALL:
            PROVIDERS.federation_api.create_protocol(
                idp_id, protocol, {'mapping_id': V3_MAPPING_ID})

    def get(self, idp_id: str) -> records.IdentityProvider:
        return self.driver.get(idp_id)

    def get_for_login(self, idp_id: str) -> records.IdentityProvider:
        """The IdP as logins read it (cached; writes invalidate it)."""
        return records.IdentityProvider.from_dict(self._cached(idp_id))

    @MEMOIZE
    def _cached(self, idp_id: str) -> dict:
        # keystone's cache stores plain values (msgpack), not records
        return self.driver.get(idp_id).to_dict()

    def forget(self, idp_id: str):
        self._cached.invalidate(self, idp_id)

    def list(self, **filters) -> list[records.IdentityProvider]:
        return self.driver.list(**filters)

    def page(self, limit: int, marker: ty.Optional[str] = None,
             **filters) -> ty.List[records.IdentityProvider]:
        """At most ``limit`` of them by ID after ``marker`` (keyset
        pagination)."""
        return self.driver.page(limit, marker, **filters)

    def update(self, idp_id: str,
               changes: dict) -> records.IdentityProvider:
        check_urls(changes)
        values = self._encrypt(changes)
        if 'bound_issuer' in values:
            self._assert_remote_id_free(values['bound_issuer'], idp_id)
        with ks_sql.session_for_write():
            updated = self.driver.update(idp_id, values)
            v3 = {}
            if 'name' in values:
                v3['description'] = values['name']
            if 'enabled' in values:
                v3['enabled'] = values['enabled']
            if 'bound_issuer' in values:
                v3['remote_ids'] = ([values['bound_issuer']]
                                    if values['bound_issuer'] else [])
            if v3:
                try:
                    PROVIDERS.federation_api.update_idp(idp_id, v3)
                except exception.IdentityProviderNotFound:
                    LOG.warning('keystone v3 identity provider %s is gone; '
                                'not re-created', idp_id)
        self.forget(idp_id)
        return updated

    @staticmethod
    def _auto_domain(idp_id: str) -> ty.Optional[str]:
        """The domain keystone generated for a global IdP, if it did."""
        try:
            domain_id = PROVIDERS.federation_api.get_idp(idp_id)['domain_id']
            domain = PROVIDERS.resource_api.get_domain(domain_id)
        except (exception.IdentityProviderNotFound,
                exception.DomainNotFound):
            return None
        if domain.get('description') != AUTO_DOMAIN_DESCRIPTION + idp_id:
            return None
        return domain_id

    @staticmethod
    def _retire_domain(domain_id: str, idp_id: str):
        """Delete the generated domain of a deleted global IdP (with the
        groups its logins made), or, when an administrator has put projects
        in it, disable it and keep it (deleting it would delete them)."""
        PROVIDERS.resource_api.update_domain(domain_id, {'enabled': False})
        if PROVIDERS.resource_api.list_projects_in_domain(domain_id):
            LOG.warning('identity provider %s deleted: its generated domain '
                        '%s holds projects, so it is disabled, not deleted',
                        idp_id, domain_id)
            return
        PROVIDERS.resource_api.delete_domain(domain_id)

    def delete(self, idp_id: str):
        """Delete the IdP, its v3 counterpart (protocols included), the
        users its logins made and, for a global IdP, the domain keystone
        generated for it. What refers to the IdP (its mappings) follows
        the deletion event, in the same transaction."""
        auto_domain = self._auto_domain(idp_id)
        with ks_sql.session_for_write():
            self.driver.delete(idp_id)
            notifications.notify_event_callbacks(
                notifications.SERVICE, RESOURCE_TYPE,
                notifications.ACTIONS.deleted, {'resource_info': idp_id})
            login.delete_shadow_users(idp_id)
            try:
                PROVIDERS.federation_api.delete_idp(idp_id)
            except exception.IdentityProviderNotFound:
                pass
        if auto_domain:
            self._retire_domain(auto_domain, idp_id)
        self.forget(idp_id)


_MANAGER: ty.Optional[IdentityProviderManager] = None


def get_manager() -> IdentityProviderManager:
    global _MANAGER
    if _MANAGER is None:
        _MANAGER = IdentityProviderManager()
    return _MANAGER
