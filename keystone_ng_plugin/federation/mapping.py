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
"""Federation mappings: how a verified OIDC/JWT identity becomes a user.

The typed model of the contract. Rules kept here, whatever the caller:
a mapping of a domain-owned IdP belongs to that domain; a ``jwt`` mapping
must bind its audience (``bound_audiences``), since a token the issuer made
for any other service would match otherwise; a mapping can only point at a
project, token restriction or service account of its own domain; a
service account is always logged in with a restriction.
"""

import typing as ty
import uuid

from oslo_log import log

from keystone.common import provider_api
from keystone import exception
from keystone import notifications

from keystone_ng_plugin.common.cache import MEMOIZE
from keystone_ng_plugin.federation.backends import mapping_sql
from keystone_ng_plugin.federation import core
from keystone_ng_plugin.federation import records
from keystone_ng_plugin.restriction import core as restriction
from keystone_ng_plugin.service_account import core as accounts

LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
IMMUTABLE = ('idp_id', 'domain_id', 'type')


def view(ref: records.Mapping) -> dict:
    """The API view of a mapping."""
    return ref.to_dict()


def policy_target(ref: ty.Union[records.Mapping, dict]) -> dict:
    """What policy rules see of a mapping (or of one being created: a
    mapping of a domain-owned IdP belongs to the IdP's domain)."""
    target = ref.to_dict() if isinstance(ref, records.Mapping) else dict(ref)
    if not target.get('domain_id') and target.get('idp_id'):
        try:
            target['domain_id'] = core.get_manager().get(
                target['idp_id']).domain_id
        except exception.NotFound:
            pass  # create answers 400 for it after policy
    target['visibility'] = 'domain' if target.get('domain_id') else 'global'
    return {'mapping': target}


def _invalid(message: str):
    raise exception.ValidationError(message=message)


class MappingManager:

    def __init__(self, driver=None):
        self.driver = driver or mapping_sql.Mapping()

    def _check(self, ref: dict):
        core.check_urls(ref)
        if ref['type'] == 'jwt' and not ref.get('bound_audiences'):
            _invalid('a jwt mapping must have bound_audiences (the aud '
                     'its tokens are made for)')
        for field in ('token_restriction_id', 'service_account_id'):
            if ref.get(field) and not ref.get('domain_id'):
                _invalid('%s needs the mapping to have a domain_id' % field)
        restriction_id = ref.get('token_restriction_id')
        if restriction_id:
            found = restriction.get_manager().get_cached(restriction_id)
            if found is None or found['domain_id'] != ref['domain_id']:
                _invalid('token restriction %s is not one of the mapping\'s '
                         'domain' % restriction_id)
            if found['user_id'] and found['user_id'] != ref.get(
                    'service_account_id'):
                _invalid('token restriction %s is for another user' %
                         restriction_id)
        account_id = ref.get('service_account_id')
        if account_id:
            try:
                account = accounts.get_manager().get(account_id)
            except exception.NotFound:
                _invalid('service account %s does not exist' % account_id)
            if account['domain_id'] != ref['domain_id']:
                _invalid('service account %s is not of the mapping\'s '
                         'domain' % account_id)
            if not restriction_id:
                _invalid('a mapping to a service account needs a '
                         'token_restriction_id: its logins are always '
                         'restricted')
        project_id = ref.get('token_project_id')
        if project_id:
            if not ref.get('domain_id'):
                _invalid('token_project_id needs the mapping to have a '
                         'domain_id')
            try:
                project = PROVIDERS.resource_api.get_project(project_id)
            except exception.ProjectNotFound:
                _invalid('project %s does not exist' % project_id)
            if project['domain_id'] != ref['domain_id']:
                _invalid('project %s is not in the mapping\'s domain' %
                         project_id)

    def of_idp_for_login(self, idp_id: str) -> list[records.Mapping]:
        """An IdP's mappings as logins read them (cached; writes
        invalidate them)."""
        return [records.Mapping.from_dict(ref)
                for ref in self._cached_of_idp(idp_id)]

    @MEMOIZE
    def _cached_of_idp(self, idp_id: str) -> list[dict]:
        # keystone's cache stores plain values (msgpack), not records
        return [ref.to_dict() for ref in self.driver.list(idp_id=idp_id)]

    def find_for_login(self, idp_id: str,
                       name: str) -> ty.Optional[records.Mapping]:
        for ref in self.of_idp_for_login(idp_id):
            if ref.name == name:
                return ref
        return None

    def forget(self, idp_id: str):
        self._cached_of_idp.invalidate(self, idp_id)

    def create(self, ref: dict) -> records.Mapping:
        ref = dict(ref)
        ref.setdefault('type', 'oidc')
        ref.setdefault('enabled', True)
        try:
            idp = core.get_manager().get(ref['idp_id'])
        except exception.NotFound:
            _invalid('identity provider %s does not exist' % ref['idp_id'])
        if idp.domain_id:
            if ref.get('domain_id') not in (None, idp.domain_id):
                _invalid("a mapping of a domain's identity provider "
                         'belongs to that domain')
            ref['domain_id'] = idp.domain_id
        elif ref.get('domain_id'):
            try:
                PROVIDERS.resource_api.get_domain(ref['domain_id'])
            except exception.DomainNotFound:
                _invalid('domain %s does not exist' % ref['domain_id'])
        self._check(ref)
        created = self.driver.create(uuid.uuid4().hex, ref)
        self.forget(created.idp_id)
        return created

    def get(self, mapping_id: str) -> records.Mapping:
        return self.driver.get(mapping_id)

    def list(self, **filters) -> list[records.Mapping]:
        return self.driver.list(**filters)

    def page(self, limit: int, marker: ty.Optional[str] = None,
             **filters) -> ty.List[records.Mapping]:
        """At most ``limit`` of them by ID after ``marker`` (keyset
        pagination)."""
        return self.driver.page(limit, marker, **filters)

    def update(self, mapping_id: str, changes: dict) -> records.Mapping:
        merged = dict(self.driver.get(mapping_id).to_dict(), **changes)
        self._check(merged)
        updated = self.driver.update(mapping_id, changes)
        self.forget(updated.idp_id)
        return updated

    def delete(self, mapping_id: str):
        idp_id = self.driver.get(mapping_id).idp_id
        self.driver.delete(mapping_id)
        self.forget(idp_id)

    # -- what a mapping refers to goes ------------------------------------

    def on_idp_deleted(self, service, resource_type, operation, payload):
        """The IdP's mappings go with it (in the IdP's transaction)."""
        idp_id = payload['resource_info']
        self.driver.delete_for_idp(idp_id)
        self.forget(idp_id)

    def _delete_referring(self, field: str, entity_id: str, what: str):
        for ref in self.list(**{field: entity_id}):
            try:
                self.delete(ref.id)
            except exception.NotFound:
                continue
            LOG.info('deleted mapping %s of deleted %s %s', ref.id, what,
                     entity_id)

    def on_user_deleted(self, service, resource_type, operation, payload):
        """A deleted service account (a keystone user): the mappings that
        log in as it."""
        self._delete_referring('service_account_id',
                               payload['resource_info'], 'service account')

    def on_restriction_deleted(self, service, resource_type, operation,
                               payload):
        """A deleted token restriction: the mappings that restrict their
        tokens with it (a login through one could only be refused)."""
        self._delete_referring('token_restriction_id',
                               payload['resource_info'], 'token restriction')


_MANAGER: ty.Optional[MappingManager] = None


def get_manager() -> MappingManager:
    global _MANAGER
    if _MANAGER is None:
        _MANAGER = MappingManager()
    return _MANAGER


def _on_idp_deleted(service, resource_type, operation, payload):
    get_manager().on_idp_deleted(service, resource_type, operation, payload)


def _on_user_deleted(service, resource_type, operation, payload):
    get_manager().on_user_deleted(service, resource_type, operation, payload)


def _on_restriction_deleted(service, resource_type, operation, payload):
    get_manager().on_restriction_deleted(service, resource_type, operation,
                                         payload)


def register_callbacks():
    """Follow the deletions of what mappings refer to: identity providers
    (the plugin's event), keystone users (service accounts) and token
    restrictions (the plugin's event)."""
    deleted = notifications.ACTIONS.deleted
    notifications.register_event_callback(deleted, core.RESOURCE_TYPE,
                                          _on_idp_deleted)
    notifications.register_event_callback(deleted, 'user', _on_user_deleted)
    notifications.register_event_callback(
        deleted, restriction.RESOURCE_TYPE, _on_restriction_deleted)
