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

"""Configuration of keystone-ng-plugin.

Importing this package registers every option group of the plugin on
keystone's (oslo.config's global) CONF, each option with a working
default, so that a stock keystone.conf boots unchanged with the plugin
installed.
"""

from oslo_config import cfg

from keystone_ng_plugin.conf import k8s_auth
from keystone_ng_plugin.conf import keystone_ng
from keystone_ng_plugin.conf import ng_federation
from keystone_ng_plugin.conf import oauth2
from keystone_ng_plugin.conf import passkey
from keystone_ng_plugin.conf import service_account
from keystone_ng_plugin.conf import token_restriction

CONF = cfg.CONF

GROUP_MODULES = [keystone_ng, passkey, ng_federation, token_restriction,
                 service_account, oauth2, k8s_auth]


def register_opts(conf=CONF):
    for module in GROUP_MODULES:
        module.register_opts(conf)


register_opts()
