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
"""The plugins' loaders, as keystoneauth and the openstack CLI use them."""

from keystoneauth1 import loading


def test_plugins_load_from_options_without_a_trust():
    names = {n: loading.get_plugin_loader(n) for n in
             ('v4passkey', 'v4jwt', 'v4k8s', 'v4oidc')}
    for loader in names.values():
        assert 'trust_id' not in [o.dest for o in loader.get_options()]
        assert 'project_name' in [o.dest for o in loader.get_options()]
    # What the environment holds for other logins is no error.
    auth = names['v4jwt'].load_from_options(
        auth_url='http://h/v3', identity_provider='ci', jwt_file='/x',
        project_name='p', project_domain_id='default',
        user_domain_id='default', password='for another login')
    assert auth.scope == {'project': {'name': 'p',
                                      'domain': {'id': 'default'}}}


def test_v4k8s_defaults_to_the_pods_token():
    auth = loading.get_plugin_loader('v4k8s').load_from_options(
        auth_url='http://h/v3', kubernetes_instance='i1',
        kubernetes_role='deployer')
    assert auth.jwt_file == \
        '/var/run/secrets/kubernetes.io/serviceaccount/token'
    assert (auth.instance, auth.role) == ('i1', 'deployer')
