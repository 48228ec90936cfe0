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
"""The WSGI application: keystone's own app plus the plugin's APIs.

Keystone 30 registers a hard-coded tuple of APIs and has no blueprint hook,
so the plugin ships its own entry point: :func:`create_app` builds keystone's
application exactly as ``keystone.wsgi.api`` does and then :func:`install`
adds what the plugin serves. Nothing of keystone is changed for a process
that runs keystone's own entry point.
"""

import contextlib
import sys

from oslo_log import log

from keystone.server.flask import core as flask_core

from keystone_ng_plugin import api as apis
from keystone_ng_plugin.common import compat
from keystone_ng_plugin.common import discovery
from keystone_ng_plugin.common import errors
from keystone_ng_plugin.common import json_body
from keystone_ng_plugin.common import policy
from keystone_ng_plugin.common import throttle
from keystone_ng_plugin import conf  # noqa: F401  (registers options)
from keystone_ng_plugin.federation import subsystem as federation
from keystone_ng_plugin.k8s_auth import subsystem as k8s_auth
from keystone_ng_plugin.oauth2 import subsystem as oauth2
from keystone_ng_plugin.passkey import subsystem as passkey
from keystone_ng_plugin.restriction import subsystem as restriction
from keystone_ng_plugin.server import edge
from keystone_ng_plugin.service_account import subsystem as service_account
from keystone_ng_plugin.token import subsystem as token

LOG = log.getLogger(__name__)
# Each subsystem's setup(app), in this order (the composition root: the
# only place that knows them all).
SUBSYSTEMS = (token, restriction, service_account, passkey, federation,
              oauth2, k8s_auth)


def install(app):
    """Add the plugin to a keystone Flask application (idempotent per app).

    Args:
        app: the Flask application built by keystone's
            ``application_factory``.
    Returns:
        The same application.
    """
    if app.extensions.get('keystone_ng_plugin'):
        return app
    compat.check()
    policy.install()
    for module in apis.load_api_modules():
        for api in module.APIs:
            api.instantiate_and_register_to_app(app)
    json_body.install(app)
    throttle.install(app)
    for subsystem in SUBSYSTEMS:
        subsystem.setup(app)
    discovery.install(app)
    errors.install(app)
    edge.install(app)
    app.extensions['keystone_ng_plugin'] = True
    return app


@contextlib.contextmanager
def argv_hidden_from_oslo_config():
    """Hide the WSGI server's command line from oslo.config.

    keystone.server.configure() lets oslo.config parse sys.argv, so
    ``gunicorn --bind ... module:app`` makes every worker exit with an
    argparse error.
    """
    saved = sys.argv
    sys.argv = saved[:1]
    try:
        yield
    finally:
        sys.argv = saved


def create_app(name='public', config_files=None):
    """Build keystone's WSGI application with the plugin installed."""
    if config_files is None:
        config_files = flask_core._get_config_files()
    with argv_hidden_from_oslo_config():
        app = flask_core.initialize_application(
            name=name, config_files=config_files)
    # initialize_application returns the Flask application itself, with
    # keystone's middleware applied to its wsgi_app.
    return install(app)
