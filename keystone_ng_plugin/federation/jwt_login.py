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
"""JWT login: a workload exchanges its platform's JWT for a keystone token.

A CI job (GitHub Actions, GitLab CI), a Kubernetes pod (projected service
account token), a SPIFFE workload (JWT-SVID) or an OAuth2 client presents a
JWT its platform signed. It is verified against the identity provider's
keys (asymmetric algorithms only; ``iss``; ``aud`` against the mapping's
``bound_audiences``, which ``jwt`` mappings must have; ``exp``/``nbf``/
``iat`` with leeway; size cap), the mapping's bindings are checked, and the
principal is the mapping's service account (always with its restriction)
or a shadow user of the IdP's subject. Every refusal is a 401 without a
token; the reason goes to keystone's log and audit trail.
"""

import typing as ty

from keystone_ng_plugin.federation import errors
from keystone_ng_plugin.federation import flow


def authenticate(idp_id: str, bearer: ty.Optional[str],
                 mapping_name: ty.Optional[str] = None):
    """A keystone token for a verified workload JWT (a TokenModel).

    Raises:
        NotFound: no such identity provider.
        Unauthorized: anything refused (IdP, mapping, service account
            disabled; the JWT; the bindings; no role on the project).
        IdentityProviderUnavailable: the IdP's keys cannot be fetched.
    """
    with flow.attempt(flow.JWT_LOGIN, idp_id) as current:
        idp = flow.enabled_idp(idp_id)
        if not bearer:
            raise errors.LoginRefused('no bearer token')
        mapping = flow.select_mapping(idp, 'jwt', mapping_name)
        claims = flow.verified_claims(
            idp, bearer, mapping.bound_audiences or ['\0none'])
        identity = flow.map_identity(idp, mapping, claims)
        return flow.issue(current, idp, mapping, identity)
