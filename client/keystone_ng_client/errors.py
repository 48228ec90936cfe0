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
"""Errors as the openstack CLI shows keystone's: one line, no traceback."""

from keystoneauth1 import exceptions


class LoginError(exceptions.AuthorizationFailure):
    """A v4 login that could not be done; the message says why."""


def server_message(exc: exceptions.HttpError) -> str:
    """keystone's error message of a failed call, with its HTTP status."""
    message = exc.message or exc.details or type(exc).__name__
    return '%s (HTTP %s)' % (message, exc.http_status)
