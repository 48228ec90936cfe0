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
"""Strings that must never reach keystone's database.

A NUL cannot be stored by PostgreSQL (a 500), and an unpaired surrogate
cannot be encoded as UTF-8 (stored by some backends, it breaks every later
read). Requests are checked at the edge (:mod:`keystone_ng_plugin.server
.edge`); what identity providers assert (JWT and ID token claims,
introspection answers) is checked by :mod:`keystone_ng_plugin.common.jose`
and the v3 bearer support. Pure: no keystone imports.
"""

import re
import typing as ty

BAD_CHAR = re.compile('[\x00\ud800-\udfff]')


class TooDeep(ValueError):
    """A JSON document nested beyond the allowed depth."""


def is_hostile(text: str) -> bool:
    """Whether a string holds a NUL or an unpaired surrogate."""
    return BAD_CHAR.search(text) is not None


def find_hostile(document: ty.Any,
                 max_depth: ty.Optional[int] = None) -> ty.Optional[str]:
    """Where a JSON-like document holds a hostile string (key or value).

    Returns:
        'a JSON key' or 'a JSON string', or None when clean.
    Raises:
        TooDeep: objects and arrays nest deeper than ``max_depth``.
    """
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if is_hostile(value):
                return 'a JSON string'
        elif isinstance(value, (dict, list)):
            if max_depth is not None and depth > max_depth:
                raise TooDeep('nested more than %d deep' % max_depth)
            if isinstance(value, dict):
                for key, item in value.items():
                    if isinstance(key, str) and is_hostile(key):
                        return 'a JSON key'
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)
    return None
