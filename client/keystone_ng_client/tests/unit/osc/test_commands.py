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
"""The openstack ng commands without a server: entry points, parsers,
URLs."""

from importlib import metadata
from unittest import mock

from keystone_ng_client.osc import plugin
from keystone_ng_client.osc.v1 import common


def test_every_command_builds_its_parser():
    """Each `openstack ng` entry point loads, has a help line, and parses
    its own --help-free minimum (what the reference and the CLI show)."""
    commands = [ep for ep in metadata.entry_points(
        group='openstack.identity_ng.v1')]
    assert len(commands) == 43
    for ep in commands:
        assert ep.name.startswith('ng_')
        cls = ep.load()
        assert (cls.__doc__ or '').strip(), ep.name
        parser = cls(mock.Mock(), None).get_parser(
            'openstack ' + ep.name.replace('_', ' '))
        assert parser.format_help()


def test_a_name_is_one_path_segment():
    assert common.seg('../v3/users?x=1#y') == '..%2Fv3%2Fusers%3Fx%3D1%23y'


def test_lists_follow_their_pages():
    pages = {
        'http://k/v4/k8s_auth/instances': {
            'instances': [{'id': 'a'}], 'links': {'next': 'http://k/p2'}},
        'http://k/p2': {'instances': [{'id': 'b'}],
                        'links': {'next': 'http://k/p3'}},
        'http://k/p3': {'instances': [], 'links': {'next': None}},
    }
    session = mock.Mock()
    session.request.side_effect = lambda url, method, **kw: mock.Mock(
        json=lambda: pages[url])
    session.get.side_effect = lambda url, **kw: mock.Mock(
        json=lambda: pages[url])
    client = plugin.Client(session, 'http://k')
    assert [i['id'] for i in client.get_all(
        '/k8s_auth/instances', 'instances')] == ['a', 'b']
