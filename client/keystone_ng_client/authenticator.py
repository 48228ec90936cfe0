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
"""A FIDO2 authenticator for a terminal, through python-fido2.

A security key over USB HID (or a PC/SC reader), CTAP2 or U2F, with the PIN
asked on the terminal and touches prompted there. keystone tells which
origins its relying party accepts; the one put in clientDataJSON must be
valid for the relying party ID (as a browser checks), and keystone's own
host must be inside that ID, so that a server elsewhere cannot get this
key's assertions for another site.
"""

import base64
import collections.abc
import getpass
import importlib
import sys

from fido2 import client as fido2_client
from fido2 import rpid

from keystone_ng_client import endpoint
from keystone_ng_client import errors

USB = 'usb'
PCSC = 'pcsc'


class NoAuthenticator(errors.LoginError):
    pass


def open_device(spec: str | None = None):
    """The first authenticator of spec: "usb" (the default), "pcsc",
    or "package.module:factory" naming a callable that returns a
    fido2.ctap.CtapDevice (or None)."""
    spec = spec or USB
    if spec == USB:
        from fido2.hid import CtapHidDevice
        devices = list(CtapHidDevice.list_devices())
    elif spec == PCSC:
        try:
            from fido2.pcsc import CtapPcscDevice
        except ImportError:
            raise errors.LoginError(
                'fido2_device=pcsc needs pyscard (pip install pyscard)')
        devices = list(CtapPcscDevice.list_devices())
    elif ':' in spec:
        module, _, name = spec.partition(':')
        try:
            factory = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            raise errors.LoginError('fido2_device %s: %s' % (spec, exc))
        found = factory()
        devices = [found] if found is not None else []
    else:
        raise errors.LoginError(
            'fido2_device must be usb, pcsc or module:factory, not %r' % spec)
    if not devices:
        raise NoAuthenticator(
            'No FIDO2 authenticator found (%s): plug in your security key '
            'and try again' % spec)
    return devices[0]


class ConsoleInteraction(fido2_client.UserInteraction):
    """Prompts on stderr; the PIN read from the terminal without echo."""

    def prompt_up(self):
        print('Touch your security key.', file=sys.stderr, flush=True)

    def request_pin(self, permissions, rp_id):
        if not sys.stdin.isatty():
            return None
        return getpass.getpass('PIN of your security key: ')

    def request_uv(self, permissions, rp_id):
        print('User verification on your security key.', file=sys.stderr,
              flush=True)
        return True


def pick_origin(rp_id: str, offered, keystone_url: str,
                override: str | None = None) -> str:
    """The origin to sign for: override if the user set one, else the
    first origin keystone offers that is valid for rp_id (and only if
    keystone itself is inside rp_id)."""
    if override:
        candidates = [override.rstrip('/')]
    else:
        host = endpoint.hostname(keystone_url)
        if not rp_id or not (host == rp_id or host.endswith('.' + rp_id)):
            raise errors.LoginError(
                'keystone at %s asks for a passkey of relying party %r, '
                'which it is not part of; set passkey_origin if this is '
                'intended' % (host, rp_id))
        candidates = list(offered or [])
    for origin in candidates:
        if rpid.verify_rp_id(rp_id, origin):
            return origin
    raise errors.LoginError(
        'none of the origins %s is valid for relying party %r'
        % (', '.join(candidates) or '(none)', rp_id))


def to_json(value):
    """python-fido2's response objects as plain JSON (base64url bytes)."""
    if isinstance(value, collections.abc.Mapping):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (bytes, bytearray)):
        return base64.urlsafe_b64encode(value).rstrip(b'=').decode('ascii')
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def _client(device, origin):
    return fido2_client.Fido2Client(
        device, fido2_client.DefaultClientDataCollector(origin),
        user_interaction=ConsoleInteraction())


def _refused(exc) -> errors.LoginError:
    if isinstance(exc, fido2_client.PinRequiredError):
        return errors.LoginError(
            'the security key needs its PIN: run the command in a terminal '
            'to be asked for it')
    return errors.LoginError('the security key refused: %s' % (
        getattr(exc, 'cause', None) or exc))


def get_assertion(device, origin: str, options: dict) -> dict:
    """navigator.credentials.get() with a key: the AuthenticationResponse
    JSON for keystone."""
    try:
        selection = _client(device, origin).get_assertion(options)
        return to_json(selection.get_response(0))
    except fido2_client.ClientError as exc:
        raise _refused(exc)


def make_credential(device, origin: str, options: dict) -> dict:
    """navigator.credentials.create() with a key: the RegistrationResponse
    JSON for keystone."""
    try:
        return to_json(_client(device, origin).make_credential(options))
    except fido2_client.ClientError as exc:
        raise _refused(exc)
