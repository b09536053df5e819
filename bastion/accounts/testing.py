"""Helpers for tests (imported by tests only): enrol a second factor, compute a TOTP code."""

from __future__ import annotations

import time
from typing import Any

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.mfa.utils import decrypt


def enrol_totp(user: Any) -> str:
    """Give ``user`` a TOTP authenticator (or keep the one they have) and return its base32 secret."""
    existing = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        return str(decrypt(existing.data["secret"]))
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


TOTP_MARGIN_SECONDS = 8.0


def current_totp_code(secret: str) -> str:
    """The code of the current period, with at least :data:`TOTP_MARGIN_SECONDS` of the period left.

    A code is accepted only in its own 30-second period (no tolerance): a test that computed it
    just before a period ended failed when the next step (a request, typing it into the browser)
    came after the boundary. Near the end of a period this waits for the next one.
    """
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < TOTP_MARGIN_SECONDS:
        time.sleep(left + 0.05)
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


class SoftwareSecurityKey:
    """A WebAuthn authenticator in software (P-256, "none" attestation), to drive the real ceremonies in tests.

    ``register(options)`` and ``sign(options)`` take the JSON options the server put on the
    page and return what a browser's ``navigator.credentials`` would, in webauthn-json form.
    """

    def __init__(self, origin: str = "http://testserver", *, resident: bool = True) -> None:
        import secrets as _secrets

        from cryptography.hazmat.primitives.asymmetric import ec

        self.origin = origin
        self.resident = resident
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = _secrets.token_bytes(32)
        self.user_handle: bytes | None = None
        self.counter = 0

    @staticmethod
    def _b64(data: bytes) -> str:
        from fido2.utils import websafe_encode

        return str(websafe_encode(data))

    def _client_data(self, kind: str, challenge: str) -> bytes:
        import json

        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}).encode()

    def register(self, options: dict[str, Any]) -> dict[str, Any]:
        import hashlib

        from fido2.cose import ES256
        from fido2.utils import websafe_decode
        from fido2.webauthn import AttestationObject, AttestedCredentialData, AuthenticatorData

        public_key = options["publicKey"]
        self.user_handle = websafe_decode(public_key["user"]["id"])
        rp_id_hash = hashlib.sha256(public_key["rp"]["id"].encode()).digest()
        cose_key = ES256.from_cryptography_key(self.private_key.public_key())
        credential = AttestedCredentialData.create(b"\0" * 16, self.credential_id, cose_key)
        flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV | AuthenticatorData.FLAG.AT
        auth_data = AuthenticatorData.create(rp_id_hash, flags, self.counter, bytes(credential))
        attestation = AttestationObject.create("none", auth_data, {})
        client_data = self._client_data("webauthn.create", public_key["challenge"])
        return {
            "id": self._b64(self.credential_id),
            "rawId": self._b64(self.credential_id),
            "type": "public-key",
            "response": {"clientDataJSON": self._b64(client_data), "attestationObject": self._b64(bytes(attestation))},
            "clientExtensionResults": {"credProps": {"rk": self.resident}},
        }

    def sign(self, options: dict[str, Any], rp_id: str = "testserver") -> dict[str, Any]:
        import hashlib

        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from fido2.webauthn import AuthenticatorData

        self.counter += 1
        flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV
        auth_data = bytes(AuthenticatorData.create(hashlib.sha256(rp_id.encode()).digest(), flags, self.counter))
        client_data = self._client_data("webauthn.get", options["publicKey"]["challenge"])
        signature = self.private_key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        response = {
            "clientDataJSON": self._b64(client_data),
            "authenticatorData": self._b64(auth_data),
            "signature": self._b64(signature),
        }
        if self.user_handle is not None:
            response["userHandle"] = self._b64(self.user_handle)
        return {
            "id": self._b64(self.credential_id),
            "rawId": self._b64(self.credential_id),
            "type": "public-key",
            "response": response,
            "clientExtensionResults": {},
        }


def step_up(client: Any, user: Any) -> None:
    """Confirm ``user``'s second factor on the MFA reauthentication page (a fresh factor for step-up)."""
    secret = enrol_totp(user)
    # A code computed just before a 30-second boundary is stale when checked just after it:
    # one more try with the code of the new period (never the same code twice: codes are single-use).
    for _attempt in range(2):
        response = client.post("/accounts/2fa/reauthenticate/", {"code": current_totp_code(secret)})
        if response.status_code == 302:
            return
    raise AssertionError(f"the second factor was not accepted: {response.status_code}")
