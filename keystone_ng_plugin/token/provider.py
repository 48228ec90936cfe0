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
"""``[token] provider = ngfernet``: fernet tokens that can be restricted.

A subclass of keystone's fernet provider, with the same keys, rotation and
payloads: an unrestricted token is byte for byte an ordinary fernet token
that a stock keystone validates. A restricted token is fernet payload
version 11, the layout of the Rust Keystone-NG (so tokens of either
validate on the other)::

    (11, user_id, methods, restriction_id, expires_at, project_id,
     allow_renew, allow_rescope, audit_ids)

IDs are packed as keystone packs them (UUID hex as 16 bytes, other strings
as they are), methods as keystone's bitmask over ``[auth] methods``,
``expires_at`` as a float timestamp. The allow flags are informational:
the restriction is read from the database at every validation, so that
changing or deleting it applies to tokens already issued.

Keystone's ``TokenModel`` has no room for a restriction, and its ``roles``
property (what token bodies, keystonemiddleware, keystone's policy context
and revocation all read) has no hook: :func:`install_roles_hook` wraps it
once so that a restricted token's roles are narrowed to its restriction.
"""

import collections
import threading
import typing as ty

import flask
import msgpack
from oslo_log import log

from keystone.auth.plugins import core as auth_plugins
from keystone.common import provider_api
from keystone.common import utils as ks_utils
from keystone import exception
from keystone.models import token_model
from keystone.token.providers.fernet import core as fernet
from keystone.token import token_formatters as tf

from keystone_ng_plugin.common import compat
from keystone_ng_plugin.service_account import core as accounts
from keystone_ng_plugin.token import restricted

LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
RESTRICTED_VERSION = 11
_ATTR = '_ng_restriction_id'
_VERDICTS = 'ng_restriction_verdicts'


class RestrictedPayload(tf.BasePayload):
    """Fernet payload 11 (Rust Keystone-NG ``Restricted``)."""

    version = RESTRICTED_VERSION

    @classmethod
    def pack(cls, user_id, methods, restriction_id, expires_at, project_id,
             allow_renew, allow_rescope, audit_ids) -> tuple:
        return (
            cls.attempt_convert_uuid_hex_to_bytes(user_id),
            auth_plugins.convert_method_list_to_integer(methods),
            cls.attempt_convert_uuid_hex_to_bytes(restriction_id),
            cls._convert_time_string_to_float(expires_at),
            cls.attempt_convert_uuid_hex_to_bytes(project_id),
            bool(allow_renew), bool(allow_rescope),
            [cls.random_urlsafe_str_to_bytes(a) for a in audit_ids])

    @classmethod
    def unpack(cls, payload) -> dict:
        (user_id, methods, restriction_id, expires_at, project_id,
         allow_renew, allow_rescope, audit_ids) = payload

        def text(value):
            return cls._convert_or_decode(*value)

        return {
            'user_id': text(user_id),
            'methods': auth_plugins.convert_integer_to_method_list(methods),
            'restriction_id': text(restriction_id),
            'expires_at': cls._convert_float_to_time_string(expires_at),
            'project_id': text(project_id),
            'allow_renew': bool(allow_renew),
            'allow_rescope': bool(allow_rescope),
            'audit_ids': [cls.base64_encode(a) for a in audit_ids],
        }


class _AuditIndex:
    """Which restriction a recently seen token (by audit ID) carries.

    Filled from authenticated token payloads only; keystone mints a token
    model before it sets its ID, so this is how the roles hook finds the
    restriction during that step. Bounded; a miss falls back to decrypting
    the token ID.
    """

    def __init__(self, size=20000):
        self._size = size
        self._lock = threading.Lock()
        self._map: collections.OrderedDict = collections.OrderedDict()

    def put(self, audit_id: str, restriction_id: str):
        with self._lock:
            self._map[audit_id] = restriction_id
            self._map.move_to_end(audit_id)
            while len(self._map) > self._size:
                self._map.popitem(last=False)

    def get(self, audit_id) -> ty.Optional[str]:
        with self._lock:
            return self._map.get(audit_id)


AUDIT_INDEX = _AuditIndex()
_LOCAL = threading.local()


class TokenFormatter(tf.TokenFormatter):
    """keystone's formatter plus payload 11."""

    def unpack(self, token):
        # validate_token below already decrypted this token once.
        memo = getattr(_LOCAL, 'unpacked', None)
        if memo is not None and memo[0] == token:
            _LOCAL.unpacked = None
            return memo[1]
        return super().unpack(token)

    @staticmethod
    def _unpackb(serialized):
        try:
            return msgpack.unpackb(serialized)
        except UnicodeDecodeError:
            return msgpack.unpackb(serialized, raw=True)

    def create_restricted(self, token, restriction_ref: dict) -> str:
        payload = RestrictedPayload.pack(
            token.user_id, token.methods, restriction_ref['id'],
            token.expires_at, token.project_id,
            restriction_ref['allow_renew'], restriction_ref['allow_rescope'],
            token.audit_ids)
        return self.pack(msgpack.packb((RESTRICTED_VERSION,) + payload))

    def restricted_payload(self, token: str) -> ty.Optional[dict]:
        """The payload 11 of a token, or None for any other version."""
        versioned = self._unpackb(self.unpack(token))
        if versioned[0] != RESTRICTED_VERSION:
            return None
        return RestrictedPayload.unpack(versioned[1:])

    def validate_token(self, token):
        serialized = self.unpack(token)
        versioned = self._unpackb(serialized)
        if versioned[0] != RESTRICTED_VERSION:
            _LOCAL.unpacked = (token, serialized)
            try:
                return super().validate_token(token)
            finally:
                _LOCAL.unpacked = None
        try:
            payload = RestrictedPayload.unpack(versioned[1:])
        except (TypeError, ValueError) as exc:
            raise exception.ValidationError(
                'malformed restricted token payload: %s' % exc)
        methods = [m for m in payload['methods'] if m != restricted.MARKER]
        methods.append(restricted.MARKER)
        AUDIT_INDEX.put(payload['audit_ids'][0], payload['restriction_id'])
        issued_at = ks_utils.isotime(at=self.creation_time(token),
                                     subsecond=True)
        return (payload['user_id'], methods, payload['audit_ids'], None,
                None, payload['project_id'], None, None, None, None, None,
                None, None, issued_at, payload['expires_at'])


class Provider(fernet.Provider):
    """keystone's fernet provider, plus restricted tokens."""

    # what keystone_ng_plugin.restriction.core.tokens_available() reads
    issues_restricted_tokens = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        compat.check()
        self.token_formatter = TokenFormatter()
        install_roles_hook()

    def generate_id_and_issued_at(self, token):
        want = restricted.take_pending()
        if want is None:
            refuse_unrestricted_service_account(token)
            return super().generate_id_and_issued_at(token)
        ref = restricted.check_new_token(want, token)
        token.methods = [m for m in token.methods
                         if m != restricted.MARKER] + [restricted.MARKER]
        setattr(token, _ATTR, ref['id'])
        # keystone checks the new token's roles next (mint): they are this
        # restriction's, read a moment ago in this request.
        _remember_verdict(token, restricted.allowed_role_ids(ref))
        AUDIT_INDEX.put(token.audit_id, ref['id'])
        token_id = self.token_formatter.create_restricted(token, ref)
        issued_at = ks_utils.isotime(
            at=self.token_formatter.creation_time(token_id), subsecond=True)
        return token_id, issued_at


def refuse_unrestricted_service_account(token):
    """A service account only ever gets restricted tokens: never by
    password, passkey, TOTP, application credential or a v3 mapping, even
    if such a credential exists (set while the plugin was not installed,
    or by a direct database edit). Every token keystone issues comes
    through here, so this is where a login as one is refused."""
    if accounts.get_manager().is_service_account(token.user_id):
        LOG.warning('Refused an unrestricted token (methods %s) for '
                    'service account %s', token.methods, token.user_id)
        raise exception.Unauthorized(
            'service account %s only gets restricted tokens' %
            token.user_id)


def restriction_id(token) -> ty.Optional[str]:
    """The restriction a restricted TokenModel carries."""
    found = token.__dict__.get(_ATTR) or AUDIT_INDEX.get(token.audit_id)
    if found is None and getattr(token, 'id', None):
        driver = PROVIDERS.token_provider_api.driver
        if isinstance(driver, Provider):
            try:
                payload = driver.token_formatter.restricted_payload(token.id)
            except Exception:
                payload = None
            found = payload and payload['restriction_id']
    if found:
        setattr(token, _ATTR, found)
    return found


_ORIGINAL_ROLES: ty.Optional[property] = None


def _verdicts() -> ty.Optional[dict]:
    """This request's restriction verdicts, by token object (None outside
    a request: no memo)."""
    if not flask.has_app_context():
        return None
    return flask.g.setdefault(_VERDICTS, {})


def _remember_verdict(token, role_ids: frozenset):
    verdicts = _verdicts()
    if verdicts is not None:
        # the token is held too, so that its id() is not reused
        verdicts[id(token)] = (token, role_ids)


def _narrowed_roles(self):
    roles = _ORIGINAL_ROLES.fget(self)
    if not restricted.is_restricted(self):
        return roles
    # keystone reads roles several times per request: the restriction's
    # verdict is remembered for this request only, never on the token
    # object, which keystone's token cache keeps across requests (a
    # restriction changed or deleted applies to the very next request).
    verdicts = _verdicts()
    found = verdicts.get(id(self)) if verdicts is not None else None
    if found is None or found[0] is not self:
        role_ids = restricted.check_token(restriction_id(self), self)
        _remember_verdict(self, role_ids)
    else:
        role_ids = found[1]
    return [role for role in roles if role['id'] in role_ids]


def install_roles_hook():
    """Narrow TokenModel.roles for restricted tokens (once per process)."""
    global _ORIGINAL_ROLES
    if _ORIGINAL_ROLES is not None:
        return
    original = token_model.TokenModel.__dict__['roles']
    _ORIGINAL_ROLES = original
    token_model.TokenModel.roles = property(_narrowed_roles,
                                            doc=original.__doc__)
    LOG.debug('restricted tokens: TokenModel.roles narrowed by restriction')
