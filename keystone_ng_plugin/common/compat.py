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
"""The keystone internals the plugin relies on, checked in one place.

Keystone 30 has no hooks for most of what the plugin adds (blueprints,
policy rules, manage commands), so the integration uses a few names that are
not keystone's public API. :func:`check` verifies each of them; the unit
tests call it, and so does the app factory, so that a keystone upgrade that
moves one of them fails loudly instead of misbehaving.

The private names the plugin calls at request time are reached through the
functions below (:func:`mark_enforced`, :func:`handle_keystone_exception`,
:func:`best_match_language`, :func:`schema_validator`), so that this
module is the only one that names them. The modules :func:`check` inspects
are imported as it checks them, so that a missing one is reported with the
rest instead of failing the plugin's import.
"""

from importlib import metadata
import inspect
import typing as ty

import flask

from keystone.api.validation import validators
from keystone.common.rbac_enforcer import enforcer as ks_enforcer
from keystone.server.flask import application as ks_application

SUPPORTED_SERIES = '30.'


def mark_enforced():
    """Tell keystone's enforcer that this request's authorization has been
    decided (keystone asserts after every request that it was)."""
    setattr(flask.g, ks_enforcer._ENFORCEMENT_CHECK_ATTR, True)


def handle_keystone_exception(error):
    """Keystone's own rendering of one of its errors (a Flask response)."""
    return ks_application._handle_keystone_exception(error)


def best_match_language():
    """The language keystone translates this request's messages to."""
    return ks_application._best_match_language()


def schema_validator(schema: dict):
    """Keystone's JSON-schema validator (its formats and messages)."""
    return validators._SchemaValidator(schema)


class IncompatibleKeystone(RuntimeError):
    """The installed keystone lacks an internal the plugin relies on."""


def _requirements() -> ty.Iterator[tuple[str, bool]]:
    import keystone.api.discovery as discovery
    from keystone.api import validation
    from keystone.cmd import cli
    from keystone.conf import constants
    from keystone.common.rbac_enforcer import enforcer
    from keystone.server.flask import common as flask_common
    from keystone.server.flask import core as flask_core
    from keystone.server.flask.request_processing import json_body

    yield ('keystone.server.flask.core.initialize_application',
           callable(getattr(flask_core, 'initialize_application', None)))
    yield ('keystone.server.flask.core._get_config_files',
           callable(getattr(flask_core, '_get_config_files', None)))
    yield ('keystone json_body.json_body_before_request',
           callable(getattr(json_body, 'json_body_before_request', None)))
    yield ('keystone enforcer._POSSIBLE_TARGET_ACTIONS is a frozenset',
           isinstance(getattr(enforcer, '_POSSIBLE_TARGET_ACTIONS', None),
                      frozenset))
    yield ('keystone RBACEnforcer.register_rules',
           callable(getattr(enforcer.RBACEnforcer, 'register_rules', None)))
    yield ('keystone RBACEnforcer._enforce and _get_oslo_req_context',
           callable(getattr(enforcer.RBACEnforcer, '_enforce', None)) and
           callable(getattr(enforcer.RBACEnforcer, '_get_oslo_req_context',
                            None)))
    yield ('keystone RBACEnforcer private enforcer slot',
           hasattr(enforcer.RBACEnforcer, '_RBACEnforcer__ENFORCER'))
    yield ('keystone discovery.get_versions (endpoint Discovery.get_versions)',
           callable(getattr(discovery, 'get_versions', None)))
    yield ('keystone discovery.v3_mime_type_best_match',
           callable(getattr(discovery, 'v3_mime_type_best_match', None)))
    yield ('keystone APIBase._build_bp_url_prefix',
           hasattr(flask_common.APIBase, '_build_bp_url_prefix'))
    yield ('keystone flask common.base_url',
           callable(getattr(flask_common, 'base_url', None)))
    yield ('keystone api.validation decorators',
           all(callable(getattr(validation, name, None)) for name in (
               'request_body_schema', 'request_query_schema',
               'response_body_schema')))
    yield ('keystone enforcer._ENFORCEMENT_CHECK_ATTR',
           isinstance(getattr(ks_enforcer, '_ENFORCEMENT_CHECK_ATTR', None),
                      str))
    yield ('keystone application._handle_keystone_exception and '
           '_best_match_language',
           callable(getattr(ks_application, '_handle_keystone_exception',
                            None)) and
           callable(getattr(ks_application, '_best_match_language', None)))
    yield ('keystone validators._SchemaValidator',
           callable(getattr(validators, '_SchemaValidator', None)))
    yield ('keystone conf.constants._DEFAULT_AUTH_METHODS',
           isinstance(getattr(constants, '_DEFAULT_AUTH_METHODS', None),
                      list))
    yield from _token_requirements()
    from keystone.api._shared import authentication
    from keystone.api import auth as auth_api
    yield ('keystone WebSSO helpers (_get_sso_origin_host, '
           '_render_template_response, federated_authenticate_for_token)',
           callable(getattr(auth_api, '_get_sso_origin_host', None)) and
           callable(getattr(getattr(auth_api, '_AuthFederationWebSSOBase',
                                    None), '_render_template_response',
                            None)) and
           callable(getattr(authentication,
                            'federated_authenticate_for_token', None)))
    from keystone.federation.backends import base as federation_base
    from keystone.federation import core as federation_core
    yield ('keystone federation Manager.delete_idp, update_protocol and '
           'delete_protocol; get_idp, update_idp, get_protocol and '
           'list_protocols forwarded to the driver',
           all(callable(getattr(federation_core.Manager, name, None))
               for name in ('delete_idp', 'update_protocol',
                            'delete_protocol'))
           and all(callable(getattr(federation_base.FederationDriverBase,
                                    name, None))
                   for name in ('get_idp', 'update_idp', 'get_protocol',
                                'list_protocols')))
    from keystone.auth.plugins import mapped
    from keystone.identity import core as identity_core
    yield ('keystone identity Manager.shadow_federated_user(idp_id, '
           'protocol_id, user, group_ids), called by mapped auth',
           list(inspect.signature(
               identity_core.Manager.shadow_federated_user).parameters) ==
           ['self', 'idp_id', 'protocol_id', 'user', 'group_ids'] and
           'shadow_federated_user(' in inspect.getsource(
               mapped.handle_unscoped_token))
    from keystone.server.flask.request_processing.middleware import (
        auth_context)
    yield ('keystone AuthContextMiddleware.process_request wrapped by '
           'middleware_exceptions (functools.wraps)',
           callable(getattr(auth_context, 'middleware_exceptions', None)) and
           callable(getattr(auth_context.AuthContextMiddleware
                            .process_request, '__wrapped__', None)))
    from keystone import notifications
    send = getattr(notifications, '_send_audit_notification', None)
    yield ('keystone notifications._create_cadf_payload, '
           '_send_audit_notification (with attachments), '
           'build_audit_initiator and SAML_AUDIT_TYPE',
           callable(getattr(notifications, '_create_cadf_payload', None))
           and callable(send)
           and 'attachments' in inspect.signature(send).parameters
           and callable(getattr(notifications, 'build_audit_initiator',
                                None))
           and isinstance(getattr(notifications, 'SAML_AUDIT_TYPE', None),
                          str))
    yield ('keystone cmd.cli.CMDS list with DbSync/DbVersion/BaseApp',
           isinstance(getattr(cli, 'CMDS', None), list)
           and all(hasattr(cli, name)
                   for name in ('DbSync', 'DbVersion', 'BaseApp', 'main')))


def _token_requirements() -> ty.Iterator[tuple[str, bool]]:
    """What restricted tokens rely on (keystone_ng_plugin.token)."""
    from keystone.api._shared import delegation
    from keystone.auth.plugins import token as token_method
    from keystone.models import token_model
    from keystone.token.providers.fernet import core as fernet
    from keystone.token import token_formatters as tf

    yield ('keystone TokenModel.roles is a class property',
           isinstance(token_model.TokenModel.__dict__.get('roles'),
                      property))
    yield ('keystone TokenModel.mint checks roles of scoped tokens',
           all(callable(getattr(token_model.TokenModel, name, None))
               for name in ('mint', '_validate_project_scope')))
    yield ('keystone fernet Provider.generate_id_and_issued_at',
           callable(getattr(fernet.Provider, 'generate_id_and_issued_at',
                            None)))
    yield ('keystone fernet TokenFormatter pack/unpack/validate_token',
           all(callable(getattr(tf.TokenFormatter, name, None)) for name in
               ('pack', 'unpack', 'validate_token', 'creation_time')))
    yield ('keystone fernet payload version 11 is free',
           all(cls.version != 11 for cls in tf._PAYLOAD_CLASSES))
    yield ('keystone fernet BasePayload conversion helpers',
           all(callable(getattr(tf.BasePayload, name, None)) for name in (
               'attempt_convert_uuid_hex_to_bytes', '_convert_or_decode',
               '_convert_time_string_to_float',
               '_convert_float_to_time_string',
               'random_urlsafe_str_to_bytes', 'base64_encode')))
    yield ('keystone delegation guard treats "restricted" as delegated',
           callable(getattr(delegation, 'is_delegated_method', None)) and
           'restricted' not in delegation.primary_auth_methods())
    from keystone.assignment import core as assignment_core
    yield ('keystone assignment MEMOIZE_COMPUTED_ASSIGNMENTS',
           callable(getattr(assignment_core, 'MEMOIZE_COMPUTED_ASSIGNMENTS',
                            None)))
    yield ('keystone token auth method Token._get_token_ref',
           callable(getattr(token_method.Token, '_get_token_ref', None)))


def keystone_version() -> str:
    return metadata.version('keystone')


def problems() -> list[str]:
    """What is missing or different; empty when all is as expected."""
    found = []
    version = keystone_version()
    if not version.startswith(SUPPORTED_SERIES):
        found.append('keystone %s is not in the supported %sx series' % (
            version, SUPPORTED_SERIES))
    found.extend(name for name, ok in _requirements() if not ok)
    return found


def check():
    """Raise :class:`IncompatibleKeystone` if any internal moved."""
    missing = problems()
    if missing:
        raise IncompatibleKeystone(
            'keystone-ng-plugin does not support this keystone: %s' %
            '; '.join(missing))
