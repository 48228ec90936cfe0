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
"""Helper process for the cross-process ceremony test (not a test itself).

Usage: python -m keystone_ng_plugin_tests.functional.ceremony_race
           CONFIG_FILE start KIND
       python -m ... CONFIG_FILE consume KIND HANDLE AT_EPOCH THREADS
``consume`` waits until AT_EPOCH, then THREADS threads each try to consume
HANDLE at once; it prints one line per thread: won or lost.
"""

import sys
import threading
import time

from keystone.common import sql as ks_sql
import keystone.conf

from keystone_ng_plugin.common import ceremony


def main(argv):
    config_file, action, kind = argv[:3]
    conf = keystone.conf.CONF
    keystone.conf.configure()
    ks_sql.initialize()
    conf(args=[], project='keystone', default_config_files=[config_file])
    if action == 'start':
        print(ceremony.start(kind, {'n': 1}, ttl=120))
        return
    handle, at, threads = argv[3], float(argv[4]), int(argv[5])
    results = []
    # Warm the engine so every thread races on the DELETE, not on connect.
    ceremony.consume(kind, 'warm-up')
    time.sleep(max(0.0, at - time.time()))

    def attempt():
        results.append('won' if ceremony.consume(kind, handle) else 'lost')

    workers = [threading.Thread(target=attempt) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print('\n'.join(results))


if __name__ == '__main__':
    main(sys.argv[1:])
