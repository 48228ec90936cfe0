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
"""The plugin's console commands.

Importing keystone's command line (through oslo.service) warns that
eventlet is deprecated, on every run of every command: noise in an
operator's terminal about a library the operator cannot change. Hidden
here, before any command module imports keystone, as the dev server hides
it (``deployment.QUIET_WARNINGS``); other warnings still show.
"""

import warnings

warnings.filterwarnings('ignore',
                        module=r'oslo_service\.backend\._eventlet(\..*)?$')
