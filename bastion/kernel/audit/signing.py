"""The audit signing key: Ed25519, used for checkpoints and archives only (never for data).

Production: ``BASTION_AUDIT_SIGNING_KEY`` or ``BASTION_AUDIT_SIGNING_KEY_FILE`` (a PKCS#8 PEM,
created with ``bastion auditlog keygen``). Development and tests: a key generated on first use
in the data folder (``audit_signing_key.pem``, mode 0600). The public key is what auditors
keep to check checkpoints and exports with the stand-alone verifier.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def new_private_key_pem() -> bytes:
    """A fresh Ed25519 private key as unencrypted PKCS#8 PEM."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load(pem: bytes, origin: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"{origin} is not a PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{origin} must be an Ed25519 key, not {type(key).__name__}")
    return key


def _generated_key(path: Path) -> tuple[Ed25519PrivateKey, bool]:
    """The development key at ``path``, created (0600) on first use; ``True`` if created now."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _load(path.read_bytes(), str(path)), False
    pem = new_private_key_pem()
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return _load(pem, str(path)), True


@lru_cache(maxsize=1)
def private_key() -> Ed25519PrivateKey:
    """The configured signing key (generated in the data folder outside production)."""
    if settings.AUDIT_SIGNING_KEY:
        return _load(settings.AUDIT_SIGNING_KEY.encode("ascii"), "BASTION_AUDIT_SIGNING_KEY")
    key, created = _generated_key(Path(settings.AUDIT_SIGNING_KEY_PATH))
    if created:
        _record_key_created(key)
    return key


def _record_key_created(key: Ed25519PrivateKey) -> None:
    from django.db import transaction

    from bastion.kernel.audit.kinds import EventKind
    from bastion.kernel.audit.writer import Target, record_event

    with transaction.atomic():
        record_event(EventKind.KEY_CREATED, target=Target("kernel.audit_signing_key", key_id(key.public_key())))


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_key_pem(key: Ed25519PublicKey | None = None) -> str:
    key = key or public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def key_id(key: Ed25519PublicKey | None = None) -> str:
    """The first 8 bytes (hex) of SHA-256 of the raw public key: names the key in checkpoints."""
    raw = (key or public_key()).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(message: bytes) -> str:
    return base64.b64encode(private_key().sign(message)).decode("ascii")


def verify(message: bytes, signature: str, key: Ed25519PublicKey | None = None) -> bool:
    try:
        (key or public_key()).verify(base64.b64decode(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True
