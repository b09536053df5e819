"""The errors of the crypto kernel: each says what failed and where, never a secret value."""

from __future__ import annotations


class CryptoError(Exception):
    """Base class of every error raised by bastion.kernel.crypto."""


class KeyProviderError(CryptoError):
    """The root key provider is missing, misconfigured or cannot do what was asked."""


class IntegrityError(CryptoError):
    """A ciphertext failed authentication: it was altered, truncated, or moved to another row or field.

    Raised instead of ever returning wrong data.
    """


class UnknownKeyError(CryptoError):
    """A ciphertext names a key version that this installation does not have."""
