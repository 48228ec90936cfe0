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
"""A memcached of the test run's own (Debian's memcached, bindep): what a
deployment's workers and nodes share keystone's cache through."""

import os
import shutil
import socket
import subprocess
import time

from keystone_ng_plugin.server import deployment


def available() -> bool:
    return shutil.which('memcached') is not None


class Memcached:

    def __init__(self):
        self.port = deployment.free_port()
        cmd = ['memcached', '-p', str(self.port), '-U', '0', '-l',
               '127.0.0.1', '-m', '64', '-t', '1']
        if os.geteuid() == 0:
            cmd += ['-u', 'root']
        self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('memcached did not start')
            try:
                socket.create_connection(('127.0.0.1', self.port),
                                         timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError('memcached did not answer')

    @property
    def servers(self) -> str:
        return '127.0.0.1:%d' % self.port

    def cache_config(self) -> dict:
        """keystone.conf [cache] on this memcached."""
        return {'enabled': 'true', 'backend': 'dogpile.cache.pymemcache',
                'memcache_servers': self.servers}

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
