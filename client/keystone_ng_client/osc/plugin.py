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
"""The openstack CLI plugin (entry point openstack.cli.extension): the
"ng" commands, on keystone's v4 API through the CLI's keystoneauth
session."""

from osc_lib import utils

from keystone_ng_client import endpoint

DEFAULT_API_VERSION = '1'
API_VERSION_OPTION = 'os_identity_ng_api_version'
API_NAME = 'identity_ng'
API_VERSIONS = {'1': 'keystone_ng_client.osc.plugin.Client'}


class Client:
    """keystone's v4 API with the CLI's session: JSON in and out; errors
    raised as keystoneauth's HttpError, which the CLI prints as it prints
    keystone's (message, status, request ID)."""

    def __init__(self, session, root, auth_url=None):
        self.session = session
        self.root = root
        #: What the user configured (the catalog's URL may differ): the
        #: passkey origin checks are against it.
        self.auth_url = auth_url or root

    def request(self, method, path, **kwargs):
        kwargs.setdefault('headers', {}).setdefault(
            'Accept', 'application/json')
        return self.session.request(self.root + '/v4' + path, method,
                                    **kwargs)

    def get(self, path, **kwargs):
        return self.request('GET', path, **kwargs).json()

    def get_all(self, path, plural, params=None, max_pages=1000):
        """Every item of a list, following its pages (links.next)."""
        answer = self.get(path, params=params)
        items = list(answer[plural])
        seen = set()
        following = (answer.get('links') or {}).get('next')
        while following and following not in seen and \
                len(seen) < max_pages:
            seen.add(following)
            answer = self.session.get(
                following, headers={'Accept': 'application/json'}).json()
            items += answer[plural]
            following = (answer.get('links') or {}).get('next')
        return items

    def post(self, path, body=None, **kwargs):
        return self.request('POST', path, json=body, **kwargs)

    def delete(self, path):
        self.request('DELETE', path)


def make_client(instance):
    """The v4 client of the CLI's cloud: keystone's identity endpoint
    (interface and region as asked), else the auth URL."""
    try:
        url = instance.get_endpoint_for_service_type(
            'identity', region_name=instance.region_name,
            interface=instance.interface)
    except Exception:
        url = None
    url = url or instance.auth.auth_url
    return Client(instance.session, endpoint.root(url),
                  instance.auth.auth_url)


def build_option_parser(parser):
    parser.add_argument(
        '--os-identity-ng-api-version', metavar='<version>',
        default=utils.env('OS_IDENTITY_NG_API_VERSION'),
        help='keystone-ng API version, default=%s '
             '(Env: OS_IDENTITY_NG_API_VERSION)' % DEFAULT_API_VERSION)
    return parser
