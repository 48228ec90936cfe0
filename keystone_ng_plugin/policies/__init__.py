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
"""Default policy rules of keystone-ng-plugin.

Rules are named ``identity:ng:<resource>:<action>`` and written with
keystone's personas (see :mod:`keystone_ng_plugin.policies.base`). One module
per resource; each adds its ``list_rules()`` here.
"""

import itertools

from keystone_ng_plugin.policies import federation
from keystone_ng_plugin.policies import k8s_auth
from keystone_ng_plugin.policies import oauth2
from keystone_ng_plugin.policies import passkey
from keystone_ng_plugin.policies import restriction
from keystone_ng_plugin.policies import service_account

_MODULES: list = [passkey, federation, restriction, service_account,
                  oauth2, k8s_auth]


def list_rules():
    """Every default rule of the plugin (``oslo.policy.policies``)."""
    return list(itertools.chain.from_iterable(
        module.list_rules() for module in _MODULES))
