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
"""The OpenID provider's share of the application (called by
server/app.py)."""

from keystone import notifications

from keystone_ng_plugin.oauth2 import clients
from keystone_ng_plugin.oauth2 import keys
from keystone_ng_plugin.oauth2 import state
from keystone_ng_plugin.restriction import core as restriction


def _on_domain_deleted(service, resource_type, operation, payload):
    keys.on_domain_deleted(payload['resource_info'])
    clients.on_domain_deleted(payload['resource_info'])
    state.forget_domain(payload['resource_info'])


def _on_user_deleted(service, resource_type, operation, payload):
    clients.on_user_deleted(payload['resource_info'])
    state.forget_user(payload['resource_info'])


def _on_restriction_deleted(service, resource_type, operation, payload):
    clients.on_restriction_deleted(payload['resource_info'])


def setup(app):
    """Follow keystone's deletions: a domain's keys, clients and flow
    state go with it, a user's sessions, consents and refresh tokens with
    the user, a service account's clients with the account; a deleted
    token restriction is unset on the clients it restricted."""
    notifications.register_event_callback(
        notifications.ACTIONS.deleted, 'domain', _on_domain_deleted)
    notifications.register_event_callback(
        notifications.ACTIONS.deleted, 'user', _on_user_deleted)
    notifications.register_event_callback(
        notifications.ACTIONS.deleted, restriction.RESOURCE_TYPE,
        _on_restriction_deleted)
