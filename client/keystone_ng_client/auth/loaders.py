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
"""keystoneauth loaders (entry point keystoneauth1.plugin): the options of
v4passkey, v4jwt, v4k8s and v4oidc, from clouds.yaml, OS_* variables or --os-*.
Each has keystone's v3 scope options (project, domain, system)."""

from keystoneauth1 import loading
from keystoneauth1.loading import identity

from keystone_ng_client.auth import jwt
from keystone_ng_client.auth import k8s
from keystone_ng_client.auth import oidc
from keystone_ng_client.auth import passkey


class _V4Loader(identity.BaseV3Loader):

    def get_options(self):
        return [o for o in super().get_options() if o.dest != 'trust_id']

    def load_from_options(self, **kwargs):
        """Only this plugin's options: the openstack CLI also passes what
        the environment holds for other logins (OS_USER_DOMAIN_ID and
        OS_PASSWORD of a password login, say), which are not errors."""
        known = {o.dest for o in self.get_options()}
        return super().load_from_options(
            **{k: v for k, v in kwargs.items() if k in known})


class V4Passkey(_V4Loader):
    """A passkey on a FIDO2 security key (USB; PIN and touch asked on the
    terminal)."""

    plugin_class = passkey.Passkey

    def get_options(self):
        return super().get_options() + [
            loading.Opt('user-id', help='User ID (else name and domain, '
                                        'else usernameless)'),
            loading.Opt('username', help='User name',
                        deprecated=[loading.Opt('user-name')]),
            loading.Opt('user-domain-id', help="User's domain ID"),
            loading.Opt('user-domain-name', help="User's domain name"),
            loading.Opt('fido2-device', default='usb',
                        help='usb (default), pcsc, or module:factory of a '
                             'fido2.ctap.CtapDevice'),
            loading.Opt('passkey-origin',
                        help="The origin to sign for (default: the first "
                             "of keystone's that is valid for its relying "
                             "party)"),
        ]


class _FederationLoader(_V4Loader):
    """A login at a v4 identity provider, through one of its mappings."""

    def get_options(self):
        return super().get_options() + [
            loading.Opt('identity-provider', required=True,
                        help='v4 identity provider ID'),
            loading.Opt('mapping-name',
                        help="Mapping (default: the provider's default)"),
        ]


class V4Jwt(_FederationLoader):
    """A JWT of the platform (Kubernetes, GitHub Actions, GitLab CI...)
    exchanged at a v4 identity provider."""

    plugin_class = jwt.Jwt

    def get_options(self):
        return super().get_options() + [
            loading.Opt('jwt-file', help='File holding the JWT, read again '
                                         'at every login'),
            loading.Opt('jwt-env', help='Environment variable holding the '
                                        'JWT'),
            loading.Opt('jwt-audience',
                        help='Audience asked of GitHub Actions (default: '
                             "keystone's URL)"),
        ]


class V4Kubernetes(_V4Loader):
    """A pod's service account token, checked by its cluster
    (TokenReview) through a Kubernetes login instance."""

    plugin_class = k8s.Kubernetes

    def get_options(self):
        return super().get_options() + [
            loading.Opt('kubernetes-instance', required=True,
                        help='Kubernetes login instance ID'),
            loading.Opt('kubernetes-role', required=True,
                        help="The instance's role to log in with"),
            loading.Opt('jwt-file', default=k8s.DEFAULT_TOKEN_FILE,
                        help='File holding the service account token, '
                             'read again at every login (default: %s)'
                             % k8s.DEFAULT_TOKEN_FILE),
        ]


class V4Oidc(_FederationLoader):
    """keystone's OpenID Connect login in the system browser."""

    plugin_class = oidc.Oidc

    def get_options(self):
        return super().get_options() + [
            loading.Opt('redirect-uri', default=oidc.DEFAULT_REDIRECT_URI,
                        help='Loopback redirect URI to listen on'),
            loading.Opt('login-timeout', type=int, default=300,
                        help='Seconds to wait for the browser'),
        ]
