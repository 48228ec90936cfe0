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
"""v4k8s: a keystone token for a pod's service account token, which
keystone checks with the cluster (TokenReview).

The token is read from a file at every login (the kubelet rotates
projected tokens) and goes to /v4/k8s_auth/instances/{id}/auth with the
role named. The role decides the token's scope; a scope asked for here is
then reached with keystone's token method."""

from keystone_ng_client.auth import jwt

# Where a pod finds its own service account token (without keystone's
# audience: prefer a projected token with one, see the docs).
DEFAULT_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token'


class Kubernetes(jwt.Jwt):
    name = 'v4k8s'

    def __init__(self, auth_url, kubernetes_instance, kubernetes_role,
                 jwt_file=None, **kwargs):
        super().__init__(auth_url, None,
                         jwt_file=jwt_file or DEFAULT_TOKEN_FILE, **kwargs)
        self.instance = kubernetes_instance
        self.role = kubernetes_role

    def login(self, session):
        resp = self.post(session, '/k8s_auth/instances/%s/auth'
                         % self.instance,
                         json={'jwt': self.current_jwt(),
                               'role_name': self.role})
        return self.rescope(session, self.token_of(resp))
