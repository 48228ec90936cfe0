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
"""The federation records: identity providers and mappings, typed.

Built by the SQL backends (:mod:`keystone_ng_plugin.federation.backends`)
and read by everything else as attributes. JSON list columns are tuples,
so a record (cached for logins, shared by requests) cannot be changed in
place; :meth:`to_dict` gives the plain form the API and policy rules see.
"""

import dataclasses
import typing as ty

_Strings = ty.Optional[tuple[str, ...]]


def _freeze(value):
    return tuple(value) if isinstance(value, list) else value


def _thaw(value):
    return list(value) if isinstance(value, tuple) else value


class _Record:
    """What both records share: built from and turned into plain dicts."""

    @classmethod
    def from_dict(cls, values: dict):
        """A record from stored values (unknown keys are an error, missing
        ones take their defaults)."""
        return cls(**{k: _freeze(v) for k, v in values.items()})

    def to_dict(self) -> dict:
        """The plain form, lists as lists."""
        return {f.name: _thaw(getattr(self, f.name))
                for f in dataclasses.fields(self)}

    def replace(self, **changes):
        """A copy with some fields changed."""
        return dataclasses.replace(
            self, **{k: _freeze(v) for k, v in changes.items()})


@dataclasses.dataclass(frozen=True)
class IdentityProvider(_Record):
    """An identity provider of the plugin (ng_identity_provider)."""

    id: str
    name: str = ''
    domain_id: ty.Optional[str] = None
    enabled: bool = True
    oidc_discovery_url: ty.Optional[str] = None
    oidc_client_id: ty.Optional[str] = None
    # encrypted with keystone's credential keys; never in an API view
    oidc_client_secret: ty.Optional[str] = None
    oidc_client_secret_key_hash: ty.Optional[str] = None
    oidc_response_mode: ty.Optional[str] = None
    oidc_response_types: _Strings = None
    jwks_url: ty.Optional[str] = None
    jwt_validation_pubkeys: _Strings = None
    bound_issuer: ty.Optional[str] = None
    default_mapping_name: ty.Optional[str] = None
    oidc_scopes: _Strings = None
    allowed_redirect_uris: _Strings = None
    provider_config: ty.Optional[dict] = None


@dataclasses.dataclass(frozen=True)
class Mapping(_Record):
    """A federation mapping (ng_federation_mapping): how a verified
    identity of an IdP becomes a keystone principal and token."""

    id: str
    idp_id: str
    name: str = ''
    domain_id: ty.Optional[str] = None
    type: str = 'oidc'
    enabled: bool = True
    user_id_claim: str = 'sub'
    user_name_claim: str = 'sub'
    domain_id_claim: ty.Optional[str] = None
    groups_claim: ty.Optional[str] = None
    bound_subject: ty.Optional[str] = None
    token_project_id: ty.Optional[str] = None
    token_restriction_id: ty.Optional[str] = None
    service_account_id: ty.Optional[str] = None
    allowed_redirect_uris: _Strings = None
    bound_audiences: _Strings = None
    bound_claims: ty.Optional[dict] = None
    oidc_scopes: _Strings = None
