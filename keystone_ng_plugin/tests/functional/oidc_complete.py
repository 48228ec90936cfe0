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
"""Helper process: finish an OIDC login against a deployment's database.

Usage: python -m keystone_ng_plugin.tests.functional.oidc_complete
           CONFIG_FILE STATE CODE
Prints the mapped identity as JSON, or "refused: <reason>" (exit 3).
Until the callback endpoint exists, this drives the same code in a
process configured like a keystone node.
"""

import dataclasses
import json
import sys

from keystone.common import sql as ks_sql
import keystone.conf
from keystone import exception
from keystone.server import backends

from keystone_ng_plugin.federation import oidc


def main(argv):
    config_file, state, code = argv
    keystone.conf.configure()
    ks_sql.initialize()
    keystone.conf.CONF(args=[], project='keystone',
                       default_config_files=[config_file])
    backends.load_backends()
    try:
        login = oidc.complete_authorization(state, code)
    except (exception.Unauthorized, exception.Forbidden) as exc:
        print('refused: %s' % exc)
        return 3
    print(json.dumps(dataclasses.asdict(login.identity)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
