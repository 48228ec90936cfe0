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
"""The client distribution (client/) against the real server.

Every ``openstack ng`` command and the three keystoneauth plugins run
through the real ``openstack`` executable of .venv-client: a clean
virtualenv with keystone-ng-client and python-openstackclient from PyPI,
and no keystone. Their JSON output is parsed and checked.

Stand-ins, named as such: the FIDO2 security key is
keystone_ng_client.tests.softctap (a software CTAP2 device behind
python-fido2's device interface), and GitHub Actions' token request
endpoint is a local HTTP server of this module. The OpenID provider
(npm oidc-provider) and the browser (headless Chromium) are real.
"""

import configparser
import contextlib
import http.server
import json
import os
import subprocess
import sys
import textwrap
import threading
import types
import urllib.parse
import uuid

import pytest
import requests

import keystone_ng_plugin_tests
from keystone_ng_plugin_tests.functional import conftest
from keystone_ng_plugin_tests.functional import databases
from keystone_ng_plugin_tests import json_http
from keystone_ng_plugin_tests import jwtissuer

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CLIENT_VENV = os.environ.get('NG_CLIENT_VENV',
                             os.path.join(TOP, '.venv-client'))
OPENSTACK = os.path.join(CLIENT_VENV, 'bin', 'openstack')
PYTHON = os.path.join(CLIENT_VENV, 'bin', 'python')
SOFTCTAP = 'keystone_ng_client.tests.softctap:device'
GROUP = 'ng'

# The client's behaviour does not depend on keystone's database: once, on
# SQLite (conftest deselects the others before starting them).
pytestmark = pytest.mark.client_only


@pytest.fixture(scope='module', autouse=True)
def client_venv():
    if not os.path.exists(OPENSTACK):
        if os.environ.get('CI'):
            pytest.fail('CI needs %s (tools/setup-env.sh test)' % OPENSTACK)
        pytest.skip('no client virtualenv at %s' % CLIENT_VENV)


class CLI:
    """``openstack`` of the client venv against one keystone, with the
    auth options given (OS_* variables of this process are dropped)."""

    def __init__(self, dep, tmp_path, **auth):
        self.dep = dep
        self.auth_url = 'http://localhost:%d/v3' % dep.port
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(('OS_', 'ACTIONS_'))}
        self.env.update(PYTHONWARNINGS='ignore', OS_AUTH_URL=self.auth_url,
                        OS_IDENTITY_API_VERSION='3',
                        NG_SOFTCTAP_FILE=str(tmp_path / 'softctap.json'))
        self.env.update({'OS_' + k.upper(): v for k, v in auth.items()})

    def cloud(self, tmp_path, auth_type, **auth) -> 'CLI':
        """The same login from a clouds.yaml (OS_CLOUD) instead of OS_*
        variables: auth_type and auth options as a user writes them."""
        path = tmp_path / ('clouds-%s.yaml' % uuid.uuid4().hex[:8])
        path.write_text(json.dumps({'clouds': {'ng': {
            'auth_type': auth_type, 'identity_api_version': '3',
            'auth': dict(auth_url=self.auth_url, **auth)}}}))
        other = CLI(self.dep, tmp_path)
        other.env = {k: v for k, v in self.env.items()
                     if not k.startswith('OS_')}
        other.env.update(OS_CLIENT_CONFIG_FILE=str(path), OS_CLOUD='ng')
        return other

    def run(self, *args, env=None, timeout=180):
        return subprocess.run(
            [OPENSTACK, *args], capture_output=True, text=True,
            env=dict(self.env, **(env or {})), timeout=timeout)

    def ok(self, *args, **kwargs):
        r = self.run(*args, **kwargs)
        assert r.returncode == 0, (args, r.stdout, r.stderr)
        return r.stdout

    def json(self, *args, **kwargs):
        return json.loads(self.ok(*args, '-f', 'json', **kwargs))

    def fails(self, *args, **kwargs):
        """A clear CLI error: non-zero exit, a message, no traceback."""
        r = self.run(*args, **kwargs)
        assert r.returncode != 0, (args, r.stdout)
        assert 'Traceback' not in r.stderr, r.stderr
        return r.stderr


def _admin_cli(dep, tmp_path):
    return CLI(dep, tmp_path, username='admin',
               password=dep.admin_password, user_domain_id='default',
               project_name='admin', project_domain_id='default')


def test_the_client_venv_has_no_keystone():
    r = subprocess.run([PYTHON, '-c', 'import keystone'],
                       capture_output=True, text=True)
    assert r.returncode != 0 and 'ModuleNotFoundError' in r.stderr


def _declared_commands() -> list:
    """The commands client/setup.cfg declares, as the CLI spells them."""
    parser = configparser.ConfigParser()
    parser.read(os.path.join(keystone_ng_plugin_tests.TOP, 'client',
                             'setup.cfg'))
    section = parser['entry_points']['openstack.identity_ng.v1']
    return [line.split('=')[0].strip().replace('_', ' ')
            for line in section.strip().splitlines()]


def test_the_group_name_shadows_no_installed_command():
    """Our commands against every command the installed openstack CLI
    and its plugins define: none of ours is one of theirs, none of theirs
    is under our group."""
    script = textwrap.dedent('''
        import json
        from importlib import metadata
        ours, theirs = [], []
        commands = [ep for dist in metadata.distributions()
                    for ep in dist.entry_points
                    if ep.group.startswith('openstack.') and
                    ep.group != 'openstack.cli.extension']
        for ep in commands:
            (ours if ep.value.startswith('keystone_ng_client.')
             else theirs).append(ep.name.replace('_', ' '))
        print(json.dumps({'ours': ours, 'theirs': theirs}))
    ''')
    out = json.loads(subprocess.run([PYTHON, '-c', script], check=True,
                                    capture_output=True,
                                    text=True).stdout)
    ours, theirs = set(out['ours']), set(out['theirs'])
    assert len(theirs) > 500 and 'identity provider create' in theirs
    assert ours == set(_declared_commands())
    assert all(name.split()[0] == GROUP for name in ours)
    assert not ours & theirs
    assert not [t for t in theirs if t.split()[0] == GROUP]


def _ids(items):
    return {item['id'] for item in items}


def test_every_management_command(keystone, tmp_path):
    cli = _admin_cli(keystone, tmp_path)
    suffix = uuid.uuid4().hex[:8]

    # Service accounts.
    account = cli.json('ng', 'service', 'account', 'create',
                       'sa-' + suffix, '--domain', 'Default',
                       '--description', 'ci runner')
    assert account['domain_id'] == 'default' and account['enabled']
    assert account['id'] in _ids(cli.json(
        'ng', 'service', 'account', 'list', '--domain', 'default'))
    long = cli.json('ng', 'service', 'account', 'list', '--long')
    assert 'created_at' in long[0]
    assert cli.json('ng', 'service', 'account', 'show',
                    'sa-' + suffix)['id'] == account['id']
    changed = cli.json('ng', 'service', 'account', 'set', account['id'],
                       '--description', 'deploys')
    assert changed['description'] == 'deploys'
    cli.ok('role', 'add', '--user', account['id'], '--project', 'admin',
           'member')

    # Token restrictions, and the tokens they give.
    restriction = cli.json(
        'ng', 'token', 'restriction', 'create', '--domain', 'default',
        '--project', 'admin', '--role', 'member', '--user', account['id'],
        '--max-ttl', '600', '--description', 'deploy')
    assert restriction['roles'] and restriction['max_ttl'] == 600
    assert restriction['id'] in _ids(cli.json(
        'ng', 'token', 'restriction', 'list', '--domain', 'default'))
    shown = cli.json('ng', 'token', 'restriction', 'show',
                     restriction['id'])
    assert shown['user_id'] == account['id']
    assert cli.json('ng', 'token', 'restriction', 'set', restriction['id'],
                    '--allow-renew')['allow_renew'] is True
    reader = cli.json('ng', 'token', 'restriction', 'create', '--domain',
                      'default', '--role', 'reader')
    mine = cli.json('ng', 'token', 'restriction', 'issue', reader['id'])
    assert mine['roles'] == ['reader'] and 'restricted' in mine['methods']
    sa_token = cli.json('ng', 'service', 'account', 'token', 'issue',
                        account['id'], '--restriction', restriction['id'],
                        '--ttl', '300')
    assert sa_token['user_id'] == account['id']
    assert sa_token['roles'] == ['member', 'reader'] and sa_token['id']

    # v4 identity providers and mappings.
    issuer = jwtissuer.JWTIssuer(issuer='https://ci.example/' + suffix)
    pem = tmp_path / 'issuer.pem'
    pem.write_text(issuer.pem)
    idp = cli.json('ng', 'identity', 'provider', 'create', 'ci-' + suffix,
                   '--domain', 'default', '--bound-issuer', issuer.issuer,
                   '--jwt-public-key-file', str(pem),
                   '--default-mapping', 'deploy')
    assert idp['bound_issuer'] == issuer.issuer
    assert 'oidc_client_secret' not in idp
    assert idp['id'] in _ids(cli.json('ng', 'identity', 'provider',
                                      'list'))
    assert cli.json('ng', 'identity', 'provider', 'show',
                    'ci-' + suffix)['id'] == idp['id']
    assert cli.json('ng', 'identity', 'provider', 'set', idp['id'],
                    '--oidc-scope', 'openid')['oidc_scopes'] == ['openid']
    mapping = cli.json(
        'ng', 'mapping', 'create', 'deploy', '--identity-provider',
        idp['id'], '--type', 'jwt', '--user-id-claim', 'sub',
        '--user-name-claim', 'sub', '--bound-audience', 'keystone',
        '--service-account', account['id'], '--token-restriction',
        restriction['id'], '--domain', 'default')
    assert mapping['type'] == 'jwt'
    assert mapping['id'] in _ids(cli.json(
        'ng', 'mapping', 'list', '--identity-provider', idp['id']))
    assert cli.json('ng', 'mapping', 'show',
                    mapping['id'])['service_account_id'] == account['id']
    assert cli.json('ng', 'mapping', 'set', mapping['id'],
                    '--bound-subject', 'repo:deploy')[
        'bound_subject'] == 'repo:deploy'

    # OAuth2 clients of the default domain's provider.
    client = cli.json('ng', 'oauth2', 'client', 'create', 'cli-' + suffix,
                      '--domain', 'default', '--grant-type',
                      'client_credentials', '--service-account',
                      account['id'], '--allowed-scope', 'openstack')
    assert client['client_secret'] and client['confidential']
    listed = cli.json('ng', 'oauth2', 'client', 'list', '--domain',
                      'default')
    assert 'cli-' + suffix in {c['provider_id'] for c in listed}
    assert all('client_secret' not in c for c in listed)
    shown = cli.json('ng', 'oauth2', 'client', 'show', '--domain',
                     'default', 'cli-' + suffix)
    assert 'client_secret' not in shown
    assert cli.json('ng', 'oauth2', 'client', 'set', '--domain', 'default',
                    'cli-' + suffix, '--name', 'Deployer')['name'] == \
        'Deployer'
    rotated = cli.json('ng', 'oauth2', 'client', 'rotate', 'secret',
                       '--domain', 'default', 'cli-' + suffix)
    assert rotated['client_secret'] not in ('', client['client_secret'])
    cli.ok('ng', 'oauth2', 'client', 'delete', '--domain', 'default',
           'cli-' + suffix)

    # Errors as the CLI shows keystone's: the message, no traceback.
    error = cli.fails('ng', 'mapping', 'create', 'bad', '--identity-provider',
                      idp['id'], '--type', 'jwt', '--user-id-claim', 'sub',
                      '--user-name-claim', 'sub')
    assert '(HTTP 400)' in error, error
    error = cli.fails('ng', 'service', 'account', 'show', 'nobody-here')
    assert "No service account with a name or ID of 'nobody-here'" in error
    # A name is one path segment, never a way to another URL.
    error = cli.fails('ng', 'service', 'account', 'show', '../../v3/users')
    assert "name or ID of '../../v3/users' exists" in error, error

    # Deletes, each checked.
    cli.ok('ng', 'mapping', 'delete', mapping['id'])
    cli.ok('ng', 'identity', 'provider', 'delete', idp['id'])
    cli.ok('ng', 'token', 'restriction', 'delete', restriction['id'],
           reader['id'])
    cli.ok('ng', 'service', 'account', 'delete', account['id'])
    assert cli.fails('ng', 'service', 'account', 'delete', account['id'])
    assert account['id'] not in _ids(cli.json('ng', 'service', 'account',
                                              'list'))


def _reauth(cli, between=None, expire=False, **options):
    """keystoneauth with a plugin in the client venv: a token, then an
    authenticated call once keystone no longer takes that token, which
    keystoneauth answers by logging in again with the plugin.
    ``between(token)`` runs in the meantime (a revocation: keystone
    answers 401 and keystoneauth retries after a new login); with
    ``expire`` the call waits until the token has expired (keystoneauth
    sees it expire and logs in first). Returns the two tokens."""
    script = textwrap.dedent('''
        import datetime, json, sys, time
        from keystoneauth1 import loading, session
        options = json.loads(sys.argv[1])
        name = options.pop('auth_type')
        auth = loading.get_plugin_loader(name).load_from_options(**options)
        s = session.Session(auth=auth)
        first = s.get_token()
        expires = auth.get_access(s).expires
        print(json.dumps({'first': first}), flush=True)
        if sys.stdin.readline().strip() == 'expire':
            now = datetime.datetime.now(datetime.timezone.utc)
            wait = (expires - now).total_seconds()
            if wait > 60:
                sys.exit('the token lives %d s more: too long to wait' % wait)
            time.sleep(max(0, wait) + 1)
        r = s.get(options['auth_url'] + '/auth/projects')
        print(json.dumps({'second': s.get_token(),
                          'status': r.status_code}), flush=True)
    ''')
    options['auth_url'] = cli.auth_url
    proc = subprocess.Popen(
        [PYTHON, '-c', script, json.dumps(options)], text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=cli.env)
    try:
        first = json.loads(proc.stdout.readline() or '{}').get('first')
        assert first, proc.stderr.read()
        if between:
            between(first)
        proc.stdin.write('expire\n' if expire else 'now\n')
        proc.stdin.flush()
        answer = json.loads(proc.stdout.readline() or '{}')
        assert answer.get('status') == 200, (answer, proc.stderr.read())
    finally:
        proc.kill()
        proc.wait()
    assert answer['second'] != first
    return first, answer['second']


def _revoker(admin):
    def revoke(token):
        admin.request('DELETE', '/auth/tokens', status=204,
                      headers={'X-Subject-Token': token})
    return revoke


def _passkey_user(dep, tmp_path):
    """A member of the admin project, made with the CLI, who registers a
    passkey on the stand-in key with ``openstack ng passkey create``;
    returns the user, the user's password CLI and the passkey."""
    name, password = 'pk-' + uuid.uuid4().hex[:8], uuid.uuid4().hex
    admin_cli = _admin_cli(dep, tmp_path)
    user = admin_cli.json('user', 'create', name, '--domain', 'default',
                          '--password', password)
    admin_cli.ok('role', 'add', '--user', user['id'], '--project', 'admin',
                 'member')
    cli = CLI(dep, tmp_path, username=name, password=password,
              user_domain_id='default', project_name='admin',
              project_domain_id='default')
    passkey = cli.json('ng', 'passkey', 'create', '--description',
                       'soft key', '--fido2-device', SOFTCTAP)
    return user, cli, passkey


def test_v4passkey_login(keystone, admin, tmp_path):
    user, cli, passkey = _passkey_user(keystone, tmp_path)
    assert passkey['aaguid'] == str(uuid.UUID(bytes=b'ng-softctap-test'))
    assert passkey['user_id'] == user['id'] and passkey['user_verified']
    assert [p['id'] for p in cli.json('ng', 'passkey', 'list')] == [
        passkey['id']]
    assert cli.json('ng', 'passkey', 'show', passkey['id'])[
        'description'] == 'soft key'
    assert cli.json('ng', 'passkey', 'set', passkey['id'], '--description',
                    'desk key')['description'] == 'desk key'
    # The admin manages another user's passkeys with --user.
    admin_cli = _admin_cli(keystone, tmp_path)
    assert [p['id'] for p in admin_cli.json(
        'ng', 'passkey', 'list', '--user', user['name'], '--user-domain',
        'Default', '--long')] == [passkey['id']]

    key = CLI(keystone, tmp_path, auth_type='v4passkey',
              fido2_device=SOFTCTAP)
    by_id = key.json('token', 'issue', '--os-user-id', user['id'],
                     '--os-project-name', 'admin',
                     '--os-project-domain-id', 'default')
    assert by_id['user_id'] == user['id'] and by_id['project_id']
    by_name = key.json('token', 'issue', '--os-username', user['name'],
                       '--os-user-domain-name', 'Default')
    assert by_name['user_id'] == user['id']
    assert 'project_id' not in by_name
    usernameless = key.json('token', 'issue')
    assert usernameless['user_id'] == user['id']
    from_clouds_yaml = key.cloud(
        tmp_path, 'v4passkey', username=user['name'],
        user_domain_name='Default', project_name='admin',
        project_domain_name='Default', fido2_device=SOFTCTAP).json(
            'token', 'issue')
    assert from_clouds_yaml['user_id'] == user['id']
    assert from_clouds_yaml['project_id'] == by_id['project_id']
    # The catalog and scope work as with a password login.
    projects = key.json('project', 'list', '--my-projects',
                        '--os-user-id', user['id'], '--os-project-name',
                        'admin', '--os-project-domain-id', 'default')
    assert 'admin' in {p['Name'] for p in projects}

    _reauth(key, _revoker(admin), auth_type='v4passkey',
            user_id=user['id'], fido2_device=SOFTCTAP)

    error = key.fails('token', 'issue', '--os-user-id', user['id'],
                      '--os-fido2-device', 'usb')
    assert 'No FIDO2 authenticator found (usb)' in error, error
    cli.ok('ng', 'passkey', 'delete', passkey['id'])
    assert cli.json('ng', 'passkey', 'list') == []
    error = key.fails('token', 'issue', '--os-user-id', user['id'])
    assert 'the security key refused' in error, error


class _GitHubStandIn(json_http.Handler):
    """STAND-IN for GitHub Actions' OIDC token request endpoint: the
    bearer must be the runner's request token; the JWT's audience is the
    one asked for."""

    def do_GET(self):
        server = self.server
        query = dict(urllib.parse.parse_qsl(
            urllib.parse.urlsplit(self.path).query))
        if self.headers.get('Authorization') != 'bearer ' + server.secret:
            self.send_error(401)
            return
        server.audiences.append(query.get('audience'))
        jwt = server.issuer.sign(server.issuer.claims(
            audience=query.get('audience'), subject='repo:deploy'))
        self.send_json({'value': jwt})


@contextlib.contextmanager
def _github(issuer):
    server = http.server.HTTPServer(('127.0.0.1', 0), _GitHubStandIn)
    server.issuer, server.secret, server.audiences = (
        issuer, uuid.uuid4().hex, [])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _jwt_workload(dep, tmp_path):
    """A service account, its restriction, a v4 identity provider that
    trusts a test issuer's key and a jwt mapping to the account, all made
    with the CLI; and a file holding a JWT of that issuer."""
    cli = _admin_cli(dep, tmp_path)
    suffix = uuid.uuid4().hex[:8]
    account = cli.json('ng', 'service', 'account', 'create',
                       'deployer-' + suffix, '--domain', 'default')
    cli.ok('role', 'add', '--user', account['id'], '--project', 'admin',
           'member')
    restriction = cli.json(
        'ng', 'token', 'restriction', 'create', '--domain', 'default',
        '--project', 'admin', '--role', 'member', '--user', account['id'])
    issuer = jwtissuer.JWTIssuer(issuer='https://ci.example/' + suffix)
    pem = tmp_path / 'issuer.pem'
    pem.write_text(issuer.pem)
    idp = cli.json('ng', 'identity', 'provider', 'create', 'ci-' + suffix,
                   '--domain', 'default', '--bound-issuer', issuer.issuer,
                   '--jwt-public-key-file', str(pem))
    cli.json('ng', 'mapping', 'create', 'deploy', '--identity-provider',
             idp['id'], '--type', 'jwt', '--user-id-claim', 'sub',
             '--user-name-claim', 'sub', '--bound-audience', 'keystone',
             '--bound-subject', 'repo:deploy', '--service-account',
             account['id'], '--token-restriction', restriction['id'])
    jwt_file = tmp_path / 'token'
    jwt_file.write_text(issuer.sign(issuer.claims(subject='repo:deploy')))
    return types.SimpleNamespace(cli=cli, account=account, idp=idp,
                                 issuer=issuer, jwt_file=jwt_file)


def test_v4jwt_login(keystone, admin, tmp_path):
    workload = _jwt_workload(keystone, tmp_path)
    cli, account, idp, issuer, jwt_file = (
        workload.cli, workload.account, workload.idp, workload.issuer,
        workload.jwt_file)
    # What the environment holds for a password login is no error.
    job = CLI(keystone, tmp_path, auth_type='v4jwt',
              identity_provider=idp['id'], mapping_name='deploy',
              user_domain_id='default', password='not this login\'s')

    from_file = job.json('token', 'issue', '--os-jwt-file', str(jwt_file))
    assert from_file['user_id'] == account['id'] and from_file['project_id']
    from_env = job.json('token', 'issue', '--os-jwt-env', 'CI_JOB_JWT',
                        env={'CI_JOB_JWT': jwt_file.read_text()})
    assert from_env['user_id'] == account['id']
    from_clouds_yaml = job.cloud(
        tmp_path, 'v4jwt', identity_provider=idp['id'],
        mapping_name='deploy', jwt_file=str(jwt_file)).json('token', 'issue')
    assert from_clouds_yaml['user_id'] == account['id']
    with _github(issuer) as github:
        url = 'http://127.0.0.1:%d/token?api-version=2.0' % (
            github.server_port)
        from_github = job.json(
            'token', 'issue', '--os-jwt-audience', 'keystone',
            env={'ACTIONS_ID_TOKEN_REQUEST_URL': url,
                 'ACTIONS_ID_TOKEN_REQUEST_TOKEN': github.secret})
        assert from_github['user_id'] == account['id']
        assert github.audiences == ['keystone']
        error = job.fails('token', 'issue', env={
            'ACTIONS_ID_TOKEN_REQUEST_URL': url,
            'ACTIONS_ID_TOKEN_REQUEST_TOKEN': 'wrong'})
        assert 'GitHub Actions gave no OIDC token' in error, error
    # A scope asked for is reached with keystone's token method (here the
    # restriction fixes the project: the same one).
    scoped = job.json('token', 'issue', '--os-jwt-file', str(jwt_file),
                      '--os-project-name', 'admin',
                      '--os-project-domain-id', 'default')
    assert scoped['project_id'] == from_file['project_id']

    # The file is read again at every login (projected tokens rotate).
    def rotate_and_revoke(token):
        jwt_file.write_text(issuer.sign(issuer.claims(
            subject='repo:deploy', jti='second')))
        _revoker(admin)(token)
    _reauth(job, rotate_and_revoke, auth_type='v4jwt',
            identity_provider=idp['id'], mapping_name='deploy',
            jwt_file=str(jwt_file))

    error = job.fails('token', 'issue', '--os-jwt-file', str(jwt_file),
                      '--os-mapping-name', 'no-such-mapping')
    assert 'v4jwt login failed' in error and '(HTTP 4' in error, error
    expired = tmp_path / 'expired'
    expired.write_text(issuer.sign(issuer.claims(
        subject='repo:deploy', lifetime=-60, iat=1, nbf=1)))
    error = job.fails('token', 'issue', '--os-jwt-file', str(expired))
    assert 'expired at' in error, error
    error = job.fails('token', 'issue', '--os-jwt-file',
                      str(tmp_path / 'missing'))
    assert 'cannot read' in error, error
    cli.ok('ng', 'identity', 'provider', 'delete', idp['id'])
    cli.ok('ng', 'service', 'account', 'delete', account['id'])


def _oidc_idp(dep, tmp_path, provider):
    """A v4 identity provider for the test OpenID provider (in a domain
    of its own) and its default oidc mapping, made with the CLI."""
    cli = _admin_cli(dep, tmp_path)
    suffix = uuid.uuid4().hex[:8]
    domain = cli.json('domain', 'create', 'fed-' + suffix)
    idp = cli.json(
        'ng', 'identity', 'provider', 'create', 'peer-' + suffix,
        '--domain', domain['id'], '--discovery-url', provider.discovery_url,
        '--client-id', 'keystone', '--client-secret', 'keystone-secret',
        '--bound-issuer', provider.issuer, '--oidc-scope', 'openid',
        '--oidc-scope', 'profile', '--redirect-uri',
        conftest.OIDC_REDIRECT_URI, '--default-mapping', 'default')
    cli.json('ng', 'mapping', 'create', 'default', '--identity-provider',
             idp['id'], '--user-id-claim', 'sub', '--user-name-claim',
             'preferred_username')
    return idp


def _browser_cli(dep, tmp_path, idp):
    """v4oidc with headless Chromium as the system browser ($BROWSER):
    it signs in at the provider as alice and follows the redirect to the
    plugin's listener."""
    cli = CLI(dep, tmp_path, auth_type='v4oidc', identity_provider=idp['id'],
              redirect_uri=conftest.OIDC_REDIRECT_URI)
    cli.env.update({
        'BROWSER': '%s -m keystone_ng_plugin_tests.functional.'
                   'websso_browser %%s' % sys.executable,
        'NG_BROWSER_DONE_URL': conftest.OIDC_REDIRECT_URI + '**',
        'PYTHONPATH': TOP})
    return cli


def test_v4oidc_login_in_a_browser(keystone, admin, oidc_provider,
                                   tmp_path):
    idp = _oidc_idp(keystone, tmp_path, oidc_provider)
    cli = _browser_cli(keystone, tmp_path, idp)
    token = cli.json('token', 'issue', timeout=240)
    user = admin.get('/users/%s' % token['user_id']).json()['user']
    assert user['name'] == 'alice' and user['domain_id'] == idp['domain_id']
    # With a role on a project, a scoped login.
    admin_cli = _admin_cli(keystone, tmp_path)
    admin_cli.ok('role', 'add', '--user', token['user_id'], '--project',
                 'admin', 'member')
    scoped = cli.json('token', 'issue', '--os-project-name', 'admin',
                      '--os-project-domain-id', 'default', timeout=240)
    assert scoped['project_id'] == admin.project_id
    from_clouds_yaml = cli.cloud(
        tmp_path, 'v4oidc', identity_provider=idp['id'],
        redirect_uri=conftest.OIDC_REDIRECT_URI, project_name='admin',
        project_domain_name='Default')
    from_clouds_yaml.env.update({k: v for k, v in cli.env.items()
                                 if k in ('BROWSER', 'NG_BROWSER_DONE_URL',
                                          'PYTHONPATH')})
    assert from_clouds_yaml.json('token', 'issue', timeout=240)[
        'project_id'] == admin.project_id
    _reauth(cli, _revoker(admin), auth_type='v4oidc',
            identity_provider=idp['id'],
            redirect_uri=conftest.OIDC_REDIRECT_URI)
    error = cli.fails('token', 'issue', '--os-redirect-uri',
                      'http://example.com:8790/callback')
    assert 'loopback' in error, error
    admin_cli.ok('ng', 'identity', 'provider', 'delete', idp['id'])


@pytest.fixture(scope='module', params=databases.BACKENDS)
def short_lived(request):
    """A deployment whose tokens live 10 seconds."""
    with conftest.fresh_deployment(request.param, request.session,
                                   token={'expiration': '10'}) as dep:
        yield dep


def test_each_plugin_logs_in_again_after_expiry(short_lived, oidc_provider,
                                                tmp_path):
    """A token of each plugin really expires (keystone refuses it), and
    the next call of the same keystoneauth session works: the plugin
    logged in again (a new assertion of the key, the JWT file read again,
    a new browser login)."""
    dep = short_lived
    admin = conftest.Admin(dep)

    def expired(token):
        admin.token = conftest.password_token(dep)
        r = admin.get('/auth/tokens', headers={'X-Subject-Token': token})
        assert r.status_code == 404, r.text

    user, _, _ = _passkey_user(dep, tmp_path)
    key = CLI(dep, tmp_path, auth_type='v4passkey', fido2_device=SOFTCTAP)
    first, _ = _reauth(key, expire=True, auth_type='v4passkey',
                       user_id=user['id'], fido2_device=SOFTCTAP)
    expired(first)

    # A person's JWT (a shadow user; a service account's token would live
    # [service_account] max_token_ttl). The first JWT expires with the
    # token: only the rotated file's JWT can log in again.
    workload = _jwt_workload(dep, tmp_path)
    issuer, jwt_file = workload.issuer, workload.jwt_file
    workload.cli.json('ng', 'mapping', 'create', 'person',
                      '--identity-provider', workload.idp['id'], '--type',
                      'jwt', '--user-id-claim', 'sub', '--user-name-claim',
                      'sub', '--bound-audience', 'keystone')
    jwt_file.write_text(issuer.sign(issuer.claims(subject='repo:deploy',
                                                  lifetime=8)))

    def rotate(token):
        jwt_file.write_text(issuer.sign(issuer.claims(
            subject='repo:deploy', jti='rotated')))
    first, _ = _reauth(CLI(dep, tmp_path), rotate, expire=True,
                       auth_type='v4jwt',
                       identity_provider=workload.idp['id'],
                       mapping_name='person', jwt_file=str(jwt_file))
    expired(first)

    idp = _oidc_idp(dep, tmp_path, oidc_provider)
    first, _ = _reauth(_browser_cli(dep, tmp_path, idp), expire=True,
                       auth_type='v4oidc', identity_provider=idp['id'],
                       redirect_uri=conftest.OIDC_REDIRECT_URI)
    expired(first)


def test_the_origin_keystone_offers_is_checked(keystone, admin, tmp_path):
    """keystone at 127.0.0.1 is not inside its relying party ID
    (localhost): the plugin refuses to sign for it."""
    user = admin.create_user()
    cli = CLI(keystone, tmp_path, auth_type='v4passkey',
              fido2_device=SOFTCTAP,
              auth_url=keystone.auth_url)
    error = cli.fails('token', 'issue', '--os-user-id', user['id'])
    assert "relying party 'localhost'" in error, error
    r = requests.post(keystone.base_url + '/v4/auth/passkey/start',
                      json={'passkey': {'user_id': user['id']}}, timeout=30)
    assert r.json()['origins'] == keystone.passkey_origins
