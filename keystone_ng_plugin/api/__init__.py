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
"""The plugin's HTTP APIs: the modules of the ``keystone_ng_plugin.api``
entry-point namespace (one per resource family, each with an ``APIs``
tuple). The application (``server/app.py``) registers them; the version
resource reads them for the OpenAPI and JSON-Home documents.
"""

import stevedore

NAMESPACE = 'keystone_ng_plugin.api'


def _raise_load_failure(manager, entrypoint, exc):
    raise exc


def load_api_modules():
    """The API modules registered in the ``keystone_ng_plugin.api`` namespace.

    Returns:
        The modules, sorted by entry point name; each has an ``APIs`` tuple
        of :class:`keystone_ng_plugin.common.api.V4APIBase` subclasses.
    """
    manager = stevedore.ExtensionManager(
        NAMESPACE, invoke_on_load=False,
        on_load_failure_callback=_raise_load_failure)
    return [ext.plugin for ext in sorted(manager, key=lambda e: e.name)]


def api_classes():
    """Every V4 API class the plugin serves, in registration order."""
    return [api for module in load_api_modules() for api in module.APIs]
