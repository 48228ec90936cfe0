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
"""The contract, checked by a fuzzer: Schemathesis (its own virtualenv,
tools/fuzz-requirements.txt) against a live server on PostgreSQL, with an
admin token, every operation and check, its stateful phase following the
document's links, for a bounded time. Zero failures: no 5xx, every status
and body as documented, undeclared methods 405 with an exact Allow. And no
traceback in keystone's log: client errors log one line.

It has a deployment of its own (a fresh database): what the fuzzer creates
and deletes must not change what the other functional tests see.
"""

import os
import re
import subprocess

import pytest

from keystone_ng_plugin_tests.functional import conftest
from keystone_ng_plugin_tests import rally_task

SCHEMATHESIS = os.path.join(rally_task.TOP, '.venv-fuzz', 'bin',
                            'schemathesis')
CONFIG = os.path.join(rally_task.TOP, 'tools', 'schemathesis.toml')
MAX_SECONDS = int(os.environ.get('NG_FUZZ_SECONDS', '150'))


@pytest.fixture(scope='module')
def fuzz_keystone(request):
    if not os.path.exists(SCHEMATHESIS):
        if os.environ.get('CI'):
            pytest.fail('CI needs %s (tools/setup-env.sh test)' %
                        SCHEMATHESIS)
        pytest.skip('schemathesis is not installed')
    with conftest.fresh_deployment('postgresql', request.session) as dep:
        yield dep


def _fixed_parameters(admin) -> dict:
    """Real objects for the path parameters, so that operations reach
    their logic instead of answering 404 to invented IDs."""
    idp = admin.request('POST', '/v4/federation/identity_providers',
                        status=201, json={'identity_provider': {
                            'name': 'fuzz', 'domain_id': 'default'}}
                        ).json()['identity_provider']
    mapping = admin.request('POST', '/v4/federation/mappings', status=201,
                            json={'mapping': {
                                'name': 'fuzz', 'idp_id': idp['id'],
                                'user_id_claim': 'sub',
                                'user_name_claim': 'sub'}}).json()['mapping']
    account = admin.request('POST', '/v4/service_accounts', status=201,
                            json={'service_account': {
                                'name': 'fuzz', 'domain_id': 'default'}}
                            ).json()['service_account']
    restriction = admin.request('POST', '/v4/tokens/restrictions',
                                status=201, json={'restriction': {
                                    'domain_id': 'default',
                                    'roles': [{'name': 'reader'}]}}
                                ).json()['restriction']
    return {'user_id': admin.user_id, 'idp_id': idp['id'],
            'mapping_id': mapping['id'],
            'service_account_id': account['id'],
            'restriction_id': restriction['id']}


def test_schemathesis_finds_nothing(fuzz_keystone, tmp_path):
    admin = conftest.Admin(fuzz_keystone)
    config = tmp_path / 'schemathesis.toml'
    with open(CONFIG) as f:
        text = f.read()
    text += '\n[parameters]\n' + ''.join(
        '%s = "%s"\n' % item for item in _fixed_parameters(admin).items())
    config.write_text(text)
    access_log = fuzz_keystone.path('logs', 'access.log')
    requests_before = _lines(access_log)
    cmd = [SCHEMATHESIS, '--config-file', str(config), 'run',
           fuzz_keystone.base_url + '/v4/openapi.json',
           '-H', 'X-Auth-Token: ' + admin.token, '--checks', 'all',
           '--max-time', str(MAX_SECONDS), '--workers', '2', '--no-color']
    result = subprocess.run(cmd, capture_output=True, text=True,
                            cwd=str(tmp_path), timeout=MAX_SECONDS + 300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-20000:]
    generated = re.search(r'(\d+) generated', output)
    sent = _lines(access_log) - requests_before
    print('\nschemathesis: %s test cases, %d requests in %d s' % (
        generated.group(1) if generated else '?', sent, MAX_SECONDS))
    assert sent > 1000
    with open(fuzz_keystone.path('logs', 'keystone.log')) as f:
        log = f.read()
    assert 'Traceback' not in log, log[log.find('Traceback') - 2000:][:6000]


def _lines(path: str) -> int:
    try:
        with open(path) as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0
