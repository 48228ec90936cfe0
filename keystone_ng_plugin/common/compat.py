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
"""

import typing as ty

SUPPORTED_SERIES = '30.'


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
    yield ('keystone conf.constants._DEFAULT_AUTH_METHODS',
           isinstance(getattr(constants, '_DEFAULT_AUTH_METHODS', None),
                      list))
    yield ('keystone cmd.cli.CMDS list with DbSync/DbVersion/BaseApp',
           isinstance(getattr(cli, 'CMDS', None), list)
           and all(hasattr(cli, name)
                   for name in ('DbSync', 'DbVersion', 'BaseApp', 'main')))


def keystone_version() -> str:
    from importlib import metadata
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
