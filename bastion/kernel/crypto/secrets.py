"""Secrets the application keeps for itself (TOTP seeds, later SMTP and webhook secrets), sealed as text.

Each purpose ("allauth.mfa") gets its own key, derived with HKDF-SHA256 from one random
app-secrets key that is stored wrapped by the root key in the key store (so a root-key rotation
rewraps it and leaves the sealed secrets alone). A sealed secret reads
``bst1.<key version>.<base64url(nonce | ciphertext | tag)>``; the purpose is bound as associated
data, so a secret sealed for one purpose does not open for another.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bastion.kernel.crypto import keyring
from bastion.kernel.crypto.errors import IntegrityError

PREFIX = "bst1."
APP_SECRETS_PURPOSE = "app-secrets"
KEY_VERSION = 1
_AD = b"bastion/app-secret/v1"


@functools.lru_cache(maxsize=32)
def _derive(master: bytes, purpose: str) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_AD + b"\x00" + purpose.encode())
    return AESGCM(hkdf.derive(master))


def _aead(purpose: str) -> AESGCM:
    master, _bits = keyring.service_key(APP_SECRETS_PURPOSE)
    return _derive(master, purpose)


def is_sealed(text: str) -> bool:
    return text.startswith(PREFIX)


def seal_secret(purpose: str, secret: str) -> str:
    """``secret`` sealed for ``purpose``, as ASCII text safe to store in a JSON or text column."""
    nonce = os.urandom(12)
    body = _aead(purpose).encrypt(nonce, secret.encode(), _AD + b"\x00" + purpose.encode())
    return f"{PREFIX}{KEY_VERSION}.{base64.urlsafe_b64encode(nonce + body).decode().rstrip('=')}"


def open_secret(purpose: str, sealed: str) -> str:
    """The secret in ``sealed``; IntegrityError if it was altered or sealed for another purpose."""
    try:
        _prefix, version, payload = sealed.split(".", 2)
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (ValueError, binascii.Error) as exc:
        raise IntegrityError(f"a sealed {purpose} secret is malformed") from exc
    if version != str(KEY_VERSION) or len(raw) < 12 + 16:
        raise IntegrityError(f"a sealed {purpose} secret has an unknown version or is truncated")
    try:
        return _aead(purpose).decrypt(raw[:12], raw[12:], _AD + b"\x00" + purpose.encode()).decode()
    except InvalidTag:
        raise IntegrityError(f"a sealed {purpose} secret failed its integrity check") from None
