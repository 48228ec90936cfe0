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
"""Passkeys: registration, login and management (the logic).

Ceremony state lives in the plugin's ceremony table, keyed by the challenge
itself, with an expiry, and is consumed before anything is verified, so any
node can finish a ceremony another node started and no answer is accepted
twice. Verification is py_webauthn's; this module decides what to verify
against (relying party, origins, user, sign count) and what to store.
"""

import base64
import dataclasses
import secrets
import typing as ty
import uuid

import flask
from oslo_log import log
import webauthn
from webauthn.helpers import exceptions as wa_exceptions
from webauthn.helpers import structs

from keystone.common import cache
from keystone.common import provider_api
from keystone import exception
from keystone import notifications

from keystone_ng_plugin.common import ceremony
from keystone_ng_plugin.common import settings
from keystone_ng_plugin.common import sql
import keystone_ng_plugin.conf
from keystone_ng_plugin.passkey.backends import base as backend_base
from keystone_ng_plugin.passkey.backends import sql as backend_sql
from keystone_ng_plugin.passkey import credential_json
from keystone_ng_plugin.passkey import decoy
from keystone_ng_plugin.passkey import relying_party

CONF = keystone_ng_plugin.conf.CONF
LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs

REGISTER = 'passkey.register'
LOGIN = 'passkey.login'
CHALLENGE_BYTES = 32
DECOY_KEY_SETTING = 'passkey.fake_credential_hmac_key'

# Public keys and credential lists only: never sign counts or challenges.
MEMOIZE = cache.get_memoization_decorator(group='passkey')

# How a login ceremony was started. A login challenge is sealed state
# (ceremony.seal): a known user's and a decoy's have the same length, so
# their modes do too (and the seal gives the subject a fixed width).
MODE_USER = 'user'                 # for a known user with passkeys
MODE_DISCOVERABLE = 'discoverable'  # usernameless: any of our passkeys
MODE_DECOY = 'fake'                # unknown user / no passkeys: never works


@dataclasses.dataclass(frozen=True)
class LoginResult:
    """A verified passkey login."""

    user_id: str
    passkey_id: str
    credential_id: str
    scope: ty.Optional[dict]
    # what the authenticator said: the user verified (PIN, biometrics),
    # the credential synced to other devices (a software-secured key)
    user_verified: bool = False
    backed_up: bool = False


def user_handle(user_id: str) -> bytes:
    """The WebAuthn user handle of a keystone user (its ID, <= 64 bytes)."""
    return user_id.encode('utf-8')


def _b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + '=' * (-len(value) % 4))


def _refuse(reason: str, **details):
    # Clients only learn "401"; the log says why (never the credential).
    LOG.warning('Passkey refused: %s %s', reason, details or '')
    raise exception.Unauthorized(reason)


def _malformed(exc: credential_json.MalformedCredential):
    raise exception.ValidationError(
        message='Malformed WebAuthn credential: %s' % exc)


class Manager:
    """Everything about passkeys that is not HTTP."""

    def __init__(self, driver: ty.Optional[
            backend_base.PasskeyDriverBase] = None):
        self.driver = driver or backend_sql.Passkey()

    # Settings.
    @staticmethod
    def _user_verification() -> structs.UserVerificationRequirement:
        return structs.UserVerificationRequirement(
            CONF.passkey.user_verification)

    @staticmethod
    def _uv_required() -> bool:
        return CONF.passkey.user_verification == 'required'

    @staticmethod
    def _decoy_key() -> bytes:
        key = CONF.passkey.fake_credential_hmac_key or settings.get_or_create(
            DECOY_KEY_SETTING)
        return key.encode('utf-8')

    @staticmethod
    def _new_challenge() -> tuple[bytes, str]:
        raw = secrets.token_bytes(CHALLENGE_BYTES)
        return raw, webauthn.helpers.bytes_to_base64url(raw)

    # Registration.
    def registration_options(self, user: dict,
                             description: ty.Optional[str] = None) -> dict:
        """Start registering a passkey for a keystone user.

        Args:
            user: the keystone user (a dict from identity_api).
            description: a name for the passkey, used if finish has none.
        Returns:
            PublicKeyCredentialCreationOptionsJSON.
        """
        rp = relying_party.current()
        raw, challenge = self._new_challenge()
        existing = self.driver.list_for_user(user['id'])
        options = webauthn.generate_registration_options(
            rp_id=rp.id, rp_name=rp.name, user_name=user['name'],
            user_id=user_handle(user['id']),
            user_display_name=user['name'], challenge=raw,
            timeout=CONF.passkey.timeout_ms,
            attestation=structs.AttestationConveyancePreference(
                CONF.passkey.attestation),
            authenticator_selection=structs.AuthenticatorSelectionCriteria(
                resident_key=structs.ResidentKeyRequirement(
                    CONF.passkey.resident_key),
                user_verification=self._user_verification()),
            exclude_credentials=[
                structs.PublicKeyCredentialDescriptor(
                    id=_b64decode(p.credential_id))
                for p in existing])
        ceremony.start(REGISTER, {'description': description},
                       ttl=CONF.passkey.challenge_ttl, subject=user['id'],
                       handle=challenge)
        return credential_json.options_json(options)

    def register(self, user_id: str, body: dict,
                 description: ty.Optional[str] = None
                 ) -> backend_base.Passkey:
        """Finish a registration: verify the attestation, store the passkey.

        Raises:
            ValidationError: malformed credential (the challenge survives).
            Unauthorized: unknown, expired, used or foreign challenge, or
                the attestation does not verify.
            Forbidden: the authenticator model is not allowed.
            Conflict: the credential is registered already.
        """
        try:
            parsed = credential_json.parse_registration(body)
        except credential_json.MalformedCredential as exc:
            _malformed(exc)
        started = ceremony.consume(REGISTER, parsed.challenge)
        if started is None:
            _refuse('unknown, expired or used registration challenge')
        if started.subject != user_id:
            _refuse('registration challenge of another user',
                    user_id=user_id)
        rp = relying_party.current()
        try:
            verified = webauthn.verify_registration_response(
                credential=parsed.credential,
                expected_challenge=_b64decode(parsed.challenge),
                expected_rp_id=rp.id, expected_origin=list(rp.origins),
                require_user_verification=self._uv_required())
        except wa_exceptions.InvalidRegistrationResponse as exc:
            _refuse('registration does not verify: %s' % exc,
                    user_id=user_id)
        if verified.credential_id != parsed.credential.raw_id:
            _refuse('credential ID is not the attested one', user_id=user_id)
        allowed = [a.lower() for a in CONF.passkey.allowed_aaguids]
        if allowed and verified.aaguid.lower() not in allowed:
            LOG.warning('Passkey registration refused: AAGUID %s not in '
                        '[passkey] allowed_aaguids', verified.aaguid)
            raise exception.Forbidden(
                message='This authenticator model is not allowed.')
        flags = verified.credential_device_type
        passkey = backend_base.Passkey(
            id=uuid.uuid4().hex, user_id=user_id,
            credential_id=webauthn.helpers.bytes_to_base64url(
                verified.credential_id),
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count, aaguid=verified.aaguid,
            transports=parsed.transports,
            attestation_format=getattr(verified.fmt, 'value', verified.fmt),
            backup_eligible=(
                flags == structs.CredentialDeviceType.MULTI_DEVICE),
            backed_up=verified.credential_backed_up,
            user_verified=verified.user_verified,
            description=description or started.data.get('description'),
            created_at=sql.utcnow(), last_used_at=None)
        try:
            created = self.driver.create(passkey)
        except backend_base.DuplicateCredential:
            raise exception.Conflict(
                type='passkey',
                details='this credential is registered already')
        self._forget(user_id, [created.credential_id])
        return created

    # Login.
    def _user_id_by_name(self, user_name: str,
                         domain: dict) -> tuple[str, ty.Optional[str]]:
        """(identifier, user ID or None); never raises for unknown users."""
        try:
            if domain.get('id'):
                domain_id = PROVIDERS.resource_api.get_domain(
                    domain['id'])['id']
            else:
                domain_id = PROVIDERS.resource_api.get_domain_by_name(
                    domain['name'])['id']
            identifier = '%s@%s' % (user_name, domain_id)
            return identifier, PROVIDERS.identity_api.get_user_by_name(
                user_name, domain_id)['id']
        except (exception.UserNotFound, exception.DomainNotFound):
            return '%s@%s' % (user_name, domain.get('id') or
                              'name:%s' % domain.get('name')), None

    def authentication_options(self, *, user_id: ty.Optional[str] = None,
                               user_name: ty.Optional[str] = None,
                               domain: ty.Optional[dict] = None,
                               scope: ty.Optional[dict] = None) -> dict:
        """Start a login: by user ID, by name and domain, or usernameless.

        Unknown users and users without passkeys get decoy credentials that
        are stable per identifier and look like real ones.

        Returns:
            PublicKeyCredentialRequestOptionsJSON.
        """
        return self._authentication_options(user_id, user_name, domain,
                                            scope)

    def _authentication_options(self, user_id, user_name, domain, scope):
        rp = relying_party.current()
        subject = None
        if user_id or user_name:
            # By ID there is nothing to look up in keystone: the passkeys
            # say it all, and whether the user exists or is enabled is only
            # checked (identically) at finish.
            identifier = user_id
            if not user_id:
                identifier, user_id = self._user_id_by_name(user_name,
                                                            domain or {})
            # Same queries whether or not the user exists.
            allow = self._allow_list((user_id or identifier)[:64])
            if allow:
                mode, subject = MODE_USER, user_id
            else:
                # Keyed by the user when it exists, however it was named.
                mode = MODE_DECOY
                allow = decoy.decoy_credentials(self._decoy_key(),
                                                user_id or identifier)
        else:
            mode, allow = MODE_DISCOVERABLE, []
        # The challenge is the sealed ceremony: nothing is written until
        # finish spends it (ceremony.seal: any node can finish, once).
        challenge = ceremony.seal(LOGIN, {'mode': mode, 'scope': scope},
                                  ttl=CONF.passkey.challenge_ttl,
                                  subject=subject)
        options = credential_json.options_json(
            webauthn.generate_authentication_options(
                rp_id=rp.id, challenge=_b64decode(challenge),
                timeout=CONF.passkey.timeout_ms,
                user_verification=self._user_verification()))
        options['allowCredentials'] = allow
        return options

    @MEMOIZE
    def _allow_list(self, user_id: str) -> list:
        """allowCredentials of a user (cached: the list rarely changes)."""
        return [{'id': p.credential_id, 'type': 'public-key',
                 'transports': list(p.transports)}
                for p in self.driver.list_for_user(user_id)]

    @MEMOIZE
    def _login_credential(self, credential_id: str) -> ty.Optional[dict]:
        """What verification needs of a passkey (cached: immutable).

        The database stays authoritative: the sign count update that ends
        every login fails for a passkey deleted meanwhile.
        """
        passkey = self.driver.get_by_credential_id(credential_id)
        if passkey is None:
            return None
        return {'id': passkey.id, 'user_id': passkey.user_id,
                'public_key': webauthn.helpers.bytes_to_base64url(
                    passkey.public_key)}

    def _forget(self, user_id: str, credential_ids: ty.Iterable[str]):
        self._allow_list.invalidate(self, user_id)
        for credential_id in credential_ids:
            self._login_credential.invalidate(self, credential_id)

    @staticmethod
    def remember_verified(result: LoginResult):
        """Hand a login verified by /v4/auth/passkey/finish to the auth
        method that keystone runs next in the same request."""
        flask.g.ng_passkey_verified = result

    @staticmethod
    def take_verified(body: dict) -> ty.Optional[LoginResult]:
        """The login this request verified already for this credential."""
        result = getattr(flask.g, 'ng_passkey_verified', None)
        if result is None:
            return None
        flask.g.ng_passkey_verified = None
        credential_id = credential_json.normalize(body).get('id')
        if credential_id != result.credential_id:
            return None
        return result

    def authenticate(self, body: dict,
                     expected_user_id: ty.Optional[str] = None
                     ) -> LoginResult:
        """Finish a login: verify the assertion against a stored passkey.

        Args:
            body: AuthenticationResponseJSON.
            expected_user_id: the user the client says it is, if any.
        Raises:
            ValidationError: malformed credential (the challenge survives).
            Unauthorized: anything else that is wrong.
        """
        try:
            parsed = credential_json.parse_authentication(body)
        except credential_json.MalformedCredential as exc:
            _malformed(exc)
        # One transaction: the challenge is spent before anything is
        # verified, and stays spent (committed) when verification fails.
        refusal = None
        with sql.session_for_write():
            started = ceremony.open_once(LOGIN, parsed.challenge)
            if started is None:
                _refuse('unknown, expired or used login challenge')
            try:
                passkey, verified = self._verify_assertion(
                    parsed, started, expected_user_id)
            except exception.Unauthorized as exc:
                refusal = exc
        if refusal is not None:
            raise refusal
        return LoginResult(user_id=passkey['user_id'],
                           passkey_id=passkey['id'],
                           credential_id=parsed.credential.id,
                           scope=started.data.get('scope'),
                           user_verified=verified.user_verified,
                           backed_up=verified.credential_backed_up)

    def _verify_assertion(self, parsed, started, expected_user_id
                          ) -> tuple[dict, ty.Any]:
        passkey = self._login_credential(parsed.credential.id)
        if passkey is None:
            _refuse('unknown credential')
        passkey_id, owner = passkey['id'], passkey['user_id']
        mode = started.data.get('mode')
        if mode == MODE_USER and owner != started.subject:
            _refuse('credential of another user than the challenge',
                    passkey_id=passkey_id)
        if mode not in (MODE_USER, MODE_DISCOVERABLE):
            _refuse('decoy challenge', passkey_id=passkey_id)
        handle = parsed.user_handle
        if mode == MODE_DISCOVERABLE and handle is None:
            _refuse('usernameless login without a user handle')
        if handle is not None and handle != user_handle(owner):
            _refuse('user handle does not match the credential',
                    passkey_id=passkey_id)
        if expected_user_id and expected_user_id != owner:
            _refuse('credential of another user', passkey_id=passkey_id)
        rp = relying_party.current()
        try:
            # The sign count is checked by the database update below, once
            # the signature is known to be good.
            verified = webauthn.verify_authentication_response(
                credential=parsed.credential,
                expected_challenge=_b64decode(parsed.challenge),
                expected_rp_id=rp.id, expected_origin=list(rp.origins),
                credential_public_key=_b64decode(passkey['public_key']),
                credential_current_sign_count=0,
                require_user_verification=self._uv_required())
        except wa_exceptions.InvalidAuthenticationResponse as exc:
            _refuse('assertion does not verify: %s' % exc,
                    passkey_id=passkey_id)
        if not self.driver.record_use(
                passkey_id, new_sign_count=verified.new_sign_count,
                backed_up=verified.credential_backed_up,
                used_at=sql.utcnow()):
            stored = self.driver.get(passkey_id)
            if stored is None:
                _refuse('passkey deleted', passkey_id=passkey_id)
            LOG.warning('Passkey %s of user %s presented sign count %d, not '
                        'above the stored %d: possibly a cloned '
                        'authenticator (or a concurrent use); login '
                        'refused.', passkey_id, owner,
                        verified.new_sign_count, stored.sign_count)
            raise exception.Unauthorized('sign count regression')
        return passkey, verified

    # Management.
    def list_passkeys(self, user_id: str, limit: ty.Optional[int] = None,
                      marker: ty.Optional[str] = None
                      ) -> list[backend_base.Passkey]:
        """The user's passkeys, oldest first: all, or a page of ``limit``
        after the passkey ``marker`` (400 when that is not one of the
        user's)."""
        if limit is None:
            return self.driver.list_for_user(user_id)
        found = self.driver.page_for_user(user_id, limit, marker)
        if found is None:
            raise exception.ValidationError(
                message='marker %s is not a passkey of the user' % marker)
        return found

    def get_passkey(self, user_id: str,
                    passkey_id: str) -> backend_base.Passkey:
        passkey = self.driver.get(passkey_id)
        if passkey is None or passkey.user_id != user_id:
            raise exception.NotFound(target='passkey %s' % passkey_id)
        return passkey

    def rename_passkey(self, user_id: str, passkey_id: str,
                       description: ty.Optional[str]
                       ) -> backend_base.Passkey:
        self.get_passkey(user_id, passkey_id)
        return self.driver.update_description(passkey_id, description)

    def delete_passkey(self, user_id: str, passkey_id: str):
        passkey = self.get_passkey(user_id, passkey_id)
        self.driver.delete(passkey_id)
        self._forget(user_id, [passkey.credential_id])

    def on_user_deleted(self, service, resource_type, operation, payload):
        """keystone callback: a deleted user's passkeys go with it."""
        user_id = payload['resource_info']
        credential_ids = [p.credential_id
                          for p in self.driver.list_for_user(user_id)]
        count = self.driver.delete_for_user(user_id)
        self._forget(user_id, credential_ids)
        if count:
            LOG.info('Deleted %d passkey(s) of deleted user %s', count,
                     user_id)


_MANAGER: ty.Optional[Manager] = None


def get_manager() -> Manager:
    """The process-wide manager (stateless: storage is the database)."""
    global _MANAGER
    if _MANAGER is None:
        _MANAGER = Manager()
    return _MANAGER


def register_callbacks():
    """Subscribe to keystone's user deletion notifications (idempotent)."""
    notifications.register_event_callback(
        notifications.ACTIONS.deleted, 'user',
        _on_user_deleted)


def _on_user_deleted(service, resource_type, operation, payload):
    get_manager().on_user_deleted(service, resource_type, operation, payload)
