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
"""Run Tempest's identity tests against Keystone served by the plugin.

Starts a fresh deployment (keystone_ng_plugin.wsgi:application under
gunicorn, SQLite, one sync worker) on a free port, writes a Keystone-only
tempest.conf and runs ``tempest.api.identity`` and
``keystone_tempest_plugin.tests.api``. Exits non-zero on any failure.

Usage: python tools/run_tempest.py TEMPEST_BIN [WORK_DIR]
"""

import os
import shutil
import subprocess
import sys
import tempfile

from keystone_ng_plugin.server import deployment

REGEX = r'^(tempest\.api\.identity|keystone_tempest_plugin\.tests\.api)\.'
ADMIN_PASSWORD = 'tempest-admin-secret'

TEMPEST_CONF = """[DEFAULT]
log_dir = {work}/logs
log_file = tempest.log

[oslo_concurrency]
lock_path = {work}/lock

[auth]
use_dynamic_credentials = true
admin_username = admin
admin_password = {password}
admin_project_name = admin
admin_domain_name = Default
admin_system = all

[identity]
uri_v3 = {auth_url}
auth_version = v3
region = RegionOne
v3_endpoint_type = public
admin_role = admin
default_domain_id = default

[identity-feature-enabled]
trust = true
application_credentials = true
access_rules = true
project_tags = true
security_compliance = false
domain_specific_drivers = false
federation = false
external_idp = false

[enforce_scope]
keystone = true

[service_available]
nova = false
neutron = false
glance = false
cinder = false
swift = false
horizon = false
placement = false
keystone = true

[validation]
run_validation = false
"""


def main(argv):
    tempest = os.path.abspath(argv[1])
    work = os.path.abspath(argv[2]) if len(argv) > 2 else tempfile.mkdtemp(
        prefix='ng-tempest-')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, 'logs'))
    dep = deployment.Deployment(
        state_dir=os.path.join(work, 'keystone'), workers=1,
        port=deployment.free_port(), admin_password=ADMIN_PASSWORD,
        extra_config={'identity': {'password_hash_rounds': '4'}})
    dep.setup()
    dep.start()
    try:
        env = dict(os.environ, HOME=work, PYTHONWARNINGS='ignore')
        subprocess.run([tempest, 'init', 'ws'], cwd=work, env=env,
                       check=True, capture_output=True)
        ws = os.path.join(work, 'ws')
        with open(os.path.join(ws, 'etc', 'tempest.conf'), 'w') as f:
            f.write(TEMPEST_CONF.format(work=ws, password=ADMIN_PASSWORD,
                                        auth_url=dep.auth_url))
        print('tempest against %s (state in %s)' % (dep.base_url, work),
              flush=True)
        result = subprocess.run(
            [tempest, 'run', '--regex', REGEX, '--concurrency', '2'],
            cwd=ws, env=env)
        return result.returncode
    finally:
        dep.stop()


if __name__ == '__main__':
    sys.exit(main(sys.argv))
