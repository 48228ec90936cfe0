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
"""Kubernetes login instances (clusters) and their roles: the records.

An instance is a cluster keystone asks about tokens: its API server
(https), the CA its certificate is pinned to, and the reviewer's own token
(``token_reviewer_jwt``, encrypted with keystone's credential keys, never
returned). A role says which of the cluster's service accounts may log in
(namespaces and names, exact or globs, never empty), for which audience,
and as whom: the user of its token restriction (a service account), or a
shadow user of the service account in the instance's domain, scoped to the
role's project.

Each instance has a keystone v3 identity provider of the same ID (in the
instance's domain, with the plugin's v3 protocols) that its shadow users
belong to, as for the plugin's identity providers: v3 shows them as
federated users, and deleting the instance deletes them.

How a login uses these records is :mod:`keystone_ng_plugin.k8s_auth.login`.
"""

import hashlib
import typing as ty
import uuid

from cryptography import x509
from oslo_log import log

from keystone.common import provider_api
from keystone.common import sql as ks_sql
from keystone import exception
from keystone import notifications

import keystone_ng_plugin.conf
from keystone_ng_plugin.common import cache
from keystone_ng_plugin.common import jose
from keystone_ng_plugin.federation import core as federation
from keystone_ng_plugin.federation import login as federation_login
from keystone_ng_plugin.k8s_auth.backends import sql as backend_sql
from keystone_ng_plugin.k8s_auth import tokenreview
from keystone_ng_plugin.restriction import core as restriction

CONF = keystone_ng_plugin.conf.CONF
LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
SECRET_FIELDS = ('token_reviewer_jwt', 'token_reviewer_jwt_key_hash')
ALIAS_SOURCES = ('serviceaccount_uid', 'serviceaccount_name')
_INSTANCES = cache.ValidationCache('k8s_auth_instance')
_ROLES = cache.ValidationCache('k8s_auth_role')


def _invalid(message):
    raise exception.ValidationError(message=message)


def instance_view(ref: dict) -> dict:
    """The API view of an instance: never the reviewer's token, only
    whether there is one."""
    out = {k: v for k, v in ref.items() if k not in SECRET_FIELDS}
    out['token_reviewer_jwt_set'] = bool(ref.get('token_reviewer_jwt'))
    return out


def instance_target(ref: dict) -> dict:
    return {'instance': {k: ref.get(k)
                         for k in ('id', 'domain_id', 'name')}}


def role_view(ref: dict) -> dict:
    return dict(ref)


def _role_key(instance_id: str, name: str) -> str:
    """A cache key for a role by name (any characters, fixed length)."""
    return hashlib.sha256(('%s\0%s' % (instance_id, name)).encode(
        'utf-8', 'surrogatepass')).hexdigest()


def check_ca_cert(pem: str):
    """400 unless the PEM holds at least one X.509 certificate."""
    try:
        x509.load_pem_x509_certificates(pem.encode('utf-8'))
    except ValueError:
        _invalid('ca_cert is not a PEM certificate (or bundle)')


class InstanceManager:

    def __init__(self, driver=None):
        self.driver = driver or backend_sql.Instance()

    @staticmethod
    def _values(ref: dict, current: ty.Optional[dict] = None) -> dict:
        values = dict(ref)
        if values.get('host') is not None:
            try:
                values['host'] = tokenreview.check_host(values['host'])
            except ValueError as exc:
                _invalid(str(exc))
        if values.get('ca_cert'):
            check_ca_cert(values['ca_cert'])
        if 'token_reviewer_jwt' in values:
            token = values['token_reviewer_jwt']
            if token is None:
                values['token_reviewer_jwt_key_hash'] = None
            else:
                try:
                    jose.parse_unverified(token)
                except jose.InvalidJWT as exc:
                    _invalid('token_reviewer_jwt is not a service account '
                             'token: %s' % exc)
                blob, key_hash = PROVIDERS.credential_provider_api.encrypt(
                    token)
                values['token_reviewer_jwt'] = blob.decode('ascii')
                values['token_reviewer_jwt_key_hash'] = key_hash
        if current is None:
            try:
                PROVIDERS.resource_api.get_domain(values['domain_id'])
            except exception.DomainNotFound:
                _invalid('domain %s does not exist' % values['domain_id'])
        return values

    def create(self, ref: dict) -> dict:
        values = self._values(dict({'enabled': True,
                                    'disable_local_ca_jwt': False}, **ref))
        instance_id = uuid.uuid4().hex
        with ks_sql.session_for_write():
            created = self.driver.create(instance_id, values)
            # the v3 identity provider its shadow users belong to
            PROVIDERS.federation_api.create_idp(instance_id, {
                'id': instance_id, 'enabled': True, 'remote_ids': [],
                'domain_id': values['domain_id'],
                'description': 'Kubernetes login instance %s' % (
                    values.get('name') or instance_id)})
            federation.IdentityProviderManager.create_v3_protocols(
                instance_id)
        return created

    def get(self, instance_id: str) -> dict:
        return self.driver.get(instance_id)

    def get_for_login(self, instance_id: str) -> dict:
        """The instance as logins read it (cached; writes forget it)."""
        found = _INSTANCES.get_or_create(
            instance_id, lambda: self._read(instance_id))
        return found or self.driver.get(instance_id)

    def _read(self, instance_id: str) -> ty.Optional[dict]:
        try:
            return self.driver.get(instance_id)
        except exception.NotFound:
            return None

    def reviewer_jwt(self, ref: dict) -> ty.Optional[str]:
        """The decrypted reviewer token of an instance record."""
        if not ref.get('token_reviewer_jwt'):
            return None
        return PROVIDERS.credential_provider_api.decrypt(
            ref['token_reviewer_jwt'])

    def list(self, **filters) -> list[dict]:
        return self.driver.list(**filters)

    def page(self, limit: int, marker: ty.Optional[str] = None,
             **filters) -> ty.List[dict]:
        return self.driver.page(limit, marker, **filters)

    def update(self, instance_id: str, changes: dict) -> dict:
        current = self.driver.get(instance_id)
        updated = self.driver.update(instance_id,
                                     self._values(changes, current))
        _INSTANCES.forget(instance_id)
        return updated

    def delete(self, instance_id: str):
        """The instance, its roles, the users its logins made and its v3
        identity provider, in one transaction."""
        roles = get_role_manager()
        with ks_sql.session_for_write():
            self.driver.delete(instance_id)
            for role_id in roles.driver.ids_where(instance_id=instance_id):
                roles.delete(role_id)
            federation_login.delete_shadow_users(instance_id)
            try:
                PROVIDERS.federation_api.delete_idp(instance_id)
            except exception.IdentityProviderNotFound:
                pass
        _INSTANCES.forget(instance_id)

    def on_domain_deleted(self, service, resource_type, operation, payload):
        for ref in self.driver.list(domain_id=payload['resource_info']):
            try:
                self.delete(ref['id'])
            except exception.NotFound:
                pass


class RoleManager:

    def __init__(self, driver=None):
        self.driver = driver or backend_sql.Role()

    @staticmethod
    def _values(ref: dict, current: ty.Optional[dict] = None) -> dict:
        values = dict(ref)
        merged = dict(current or {}, **values)
        domain_id = merged['domain_id']
        restriction_id = merged.get('token_restriction_id')
        if values.get('token_restriction_id'):
            found = restriction.get_manager().get_cached(restriction_id)
            if found is None:
                _invalid('token restriction %s does not exist'
                         % restriction_id)
            if found['domain_id'] != domain_id:
                _invalid('token restriction %s is not of the instance\'s '
                         'domain' % restriction_id)
        if values.get('token_project_id'):
            try:
                project = PROVIDERS.resource_api.get_project(
                    values['token_project_id'])
            except exception.ProjectNotFound:
                _invalid('project %s does not exist'
                         % values['token_project_id'])
            if project['domain_id'] != domain_id:
                _invalid('project %s is not in the instance\'s domain'
                         % values['token_project_id'])
        if not restriction_id and not merged.get('token_project_id'):
            _invalid('a role logs in as its token restriction\'s user '
                     '(token_restriction_id) or as a shadow user scoped to '
                     'token_project_id: give one')
        return values

    def create(self, ref: dict) -> dict:
        instance = get_instance_manager().get(ref['instance_id'])
        values = dict({'enabled': True,
                       'alias_name_source': 'serviceaccount_uid',
                       'groups': []}, **ref)
        values['domain_id'] = instance['domain_id']
        return self.driver.create(uuid.uuid4().hex, self._values(values))

    def get(self, role_id: str) -> dict:
        return self.driver.get(role_id)

    def find_for_login(self, instance_id: str,
                       name: str) -> ty.Optional[dict]:
        """The instance's role of this name (cached; writes forget it)."""
        return _ROLES.get_or_create(
            _role_key(instance_id, name),
            lambda: self.driver.find(instance_id, name))

    def list(self, **filters) -> list[dict]:
        return self.driver.list(**filters)

    def page(self, limit: int, marker: ty.Optional[str] = None,
             **filters) -> ty.List[dict]:
        return self.driver.page(limit, marker, **filters)

    def update(self, role_id: str, changes: dict) -> dict:
        current = self.driver.get(role_id)
        updated = self.driver.update(role_id, self._values(changes, current))
        self._forget(current)
        return updated

    def delete(self, role_id: str):
        current = self.driver.get(role_id)
        self.driver.delete(role_id)
        self._forget(current)

    @staticmethod
    def _forget(ref: dict):
        _ROLES.forget(_role_key(ref['instance_id'], ref['name']))

    def on_deleted(self, service, resource_type, operation, payload):
        """A restriction or project a role logs in with went: so does the
        role (it could log nobody in)."""
        column = {'project': 'token_project_id',
                  restriction.RESOURCE_TYPE: 'token_restriction_id'}[
                      resource_type]
        for role_id in self.driver.ids_where(
                **{column: payload['resource_info']}):
            try:
                self.delete(role_id)
            except exception.NotFound:
                pass


_INSTANCE_MANAGER: ty.Optional[InstanceManager] = None
_ROLE_MANAGER: ty.Optional[RoleManager] = None


def get_instance_manager() -> InstanceManager:
    global _INSTANCE_MANAGER
    if _INSTANCE_MANAGER is None:
        _INSTANCE_MANAGER = InstanceManager()
    return _INSTANCE_MANAGER


def get_role_manager() -> RoleManager:
    global _ROLE_MANAGER
    if _ROLE_MANAGER is None:
        _ROLE_MANAGER = RoleManager()
    return _ROLE_MANAGER


def role_target(ref: dict) -> dict:
    """What policy sees of a role: the instance's domain decides."""
    domain_id = ref.get('domain_id') or get_instance_manager().get(
        ref['instance_id'])['domain_id']
    return {'instance': {'id': ref.get('instance_id'),
                         'domain_id': domain_id},
            'role': {'id': ref.get('id'), 'name': ref.get('name'),
                     'domain_id': domain_id}}


def instance_target_by_id(instance_id: str) -> dict:
    return instance_target(get_instance_manager().get(instance_id))


def _on_domain_deleted(*args):
    get_instance_manager().on_domain_deleted(*args)


def _on_deleted(*args):
    get_role_manager().on_deleted(*args)


def register_callbacks():
    """Follow keystone's deletions of domains (instances go), projects and
    token restrictions (the roles using them go)."""
    deleted = notifications.ACTIONS.deleted
    notifications.register_event_callback(deleted, 'domain',
                                          _on_domain_deleted)
    for resource_type in ('project', restriction.RESOURCE_TYPE):
        notifications.register_event_callback(deleted, resource_type,
                                              _on_deleted)
