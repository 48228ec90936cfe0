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
"""Why a federated login stops: typed, so that each endpoint maps each
kind to its HTTP status once (:class:`keystone_ng_plugin.federation.flow
.Endpoint`). A leaf module: the pipeline's steps raise these, the endpoints
translate them.
"""


class LoginError(Exception):
    """A federated login that cannot go on; ``reason`` is for the log and
    the audit trail, never for the client."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class LoginRefused(LoginError):
    """The credential, the identity or the account is refused (401 on
    every endpoint)."""


class IdpDisabled(LoginError):
    """The identity provider is disabled (403 where a person can be told,
    401 where a workload logs in)."""


class NoMapping(LoginError):
    """No enabled mapping of the right type for this login (400 where the
    request named it, 401 where a workload logs in)."""


class IdpUnavailable(LoginError):
    """The identity provider cannot be reached or misbehaves (502)."""
