"""Root key providers: where the key that wraps every other key comes from.

The keyring never sees a root key: it asks the provider to ``wrap`` and ``unwrap`` data keys.
Local providers do that with AES-256-GCM in process; an external KMS (AWS KMS, Google Cloud
KMS, HashiCorp Vault Transit, an HSM) implements the same :class:`KeyProvider` protocol with its
own encrypt/decrypt calls, so its root key never leaves it.

- :class:`FileKeyProvider` (default): a JSON key file in the data folder, mode 0600, generated
  on first start in development and test; production requires it to exist (``bastion keys
  init`` creates it) unless another provider is chosen.
- :class:`EnvKeyProvider`: ``BASTION_ROOT_KEY`` (or ``BASTION_ROOT_KEY_FILE``): one base64 key
  (version 1), or versioned keys ``"2:<base64>,1:<base64>"``; the highest version is current.

Select one with ``BASTION_KEY_PROVIDER`` = ``file``, ``env`` or the dotted path of a class.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import json
import os
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bastion.kernel.crypto.errors import IntegrityError, KeyProviderError, UnknownKeyError

ROOT_KEY_BYTES = 32
NONCE_BYTES = 12
KEY_FILE_FORMAT = 1
RELOAD_INTERVAL_S = 1.0


@dataclass(frozen=True)
class RootKeyVersion:
    """What may be shown about a root key version: its number and when it was made (never the key)."""

    version: int
    created_at: dt.datetime | None


@runtime_checkable
class KeyProvider(Protocol):
    """The interface a root key provider implements (the documented KMS interface).

    ``context`` is associated data that ``unwrap`` must be given again unchanged (the keyring
    passes the key's purpose, owner and root version); a KMS maps it to its "encryption
    context". ``unwrap`` raises :class:`IntegrityError` when the wrapped key or the context was
    changed, and :class:`UnknownKeyError` for a version it does not hold.
    """

    name: str

    def current_version(self) -> int:
        """The version that new wraps use."""
        ...

    def versions(self) -> list[RootKeyVersion]:
        """Every version still held (old ones can unwrap, only the current one wraps)."""
        ...

    def wrap(self, version: int, key: bytes, context: bytes) -> bytes:
        """Encrypt ``key`` under root key ``version``, bound to ``context``."""
        ...

    def unwrap(self, version: int, wrapped: bytes, context: bytes) -> bytes:
        """Decrypt what :meth:`wrap` returned."""
        ...

    def create_version(self) -> int:
        """Make a new current version and return it; raise KeyProviderError if this provider cannot."""
        ...

    # Optional: ``wrap_many(version, items) -> list[bytes]``, :meth:`wrap` for many ``(key,
    # context)`` pairs at once (a batch of new people: an import's). The keyring uses it when a
    # provider has it (one request to a KMS instead of one per key) and calls ``wrap`` otherwise.


def decode_key(text: str, *, source: str) -> bytes:
    """A 32-byte key from standard or URL-safe base64, or a KeyProviderError naming ``source``."""
    cleaned = text.strip()
    try:
        raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), altchars=b"-_" if "-" in cleaned or "_" in cleaned else None)
    except (binascii.Error, ValueError) as exc:
        raise KeyProviderError(f"{source} is not valid base64") from exc
    if len(raw) != ROOT_KEY_BYTES:
        raise KeyProviderError(f"{source} must decode to {ROOT_KEY_BYTES} bytes (AES-256), got {len(raw)}")
    return raw


def new_key_text() -> str:
    """A fresh random 256-bit key as base64 (what ``BASTION_ROOT_KEY`` expects)."""
    return base64.b64encode(secrets.token_bytes(ROOT_KEY_BYTES)).decode()


class LocalKeyProvider:
    """Wrap and unwrap with AES-256-GCM in process; subclasses say where the keys come from."""

    name = "local"
    can_create_versions = False  # optional attribute of a provider: False when create_version always refuses

    def __init__(self) -> None:
        self._keys: dict[int, tuple[bytes, dt.datetime | None]] = {}
        self._aeads: dict[tuple[int, bytes], AESGCM] = {}
        self._lock = threading.Lock()

    def _load(self) -> dict[int, tuple[bytes, dt.datetime | None]]:
        raise NotImplementedError

    def _refresh(self, *, force: bool = False) -> None:
        """Subclasses that can change underneath (a key file) reload here."""
        if force or not self._keys:
            self._keys = self._load()

    def _aead(self, version: int) -> AESGCM:
        self._refresh()
        if version not in self._keys:
            self._refresh(force=True)  # another process may have rotated
        try:
            key = self._keys[version][0]
        except KeyError:
            raise UnknownKeyError(f"root key version {version} is not held by the {self.name} key provider") from None
        aead = self._aeads.get((version, key))
        if aead is None:
            aead = self._aeads[(version, key)] = AESGCM(key)
        return aead

    def current_version(self) -> int:
        self._refresh()
        if not self._keys:
            raise KeyProviderError(f"the {self.name} key provider holds no root key")
        return max(self._keys)

    def versions(self) -> list[RootKeyVersion]:
        self._refresh()
        return [RootKeyVersion(version, created) for version, (_key, created) in sorted(self._keys.items())]

    def wrap(self, version: int, key: bytes, context: bytes) -> bytes:
        return self.wrap_many(version, [(key, context)])[0]

    def wrap_many(self, version: int, items: Sequence[tuple[bytes, bytes]]) -> list[bytes]:
        """:meth:`wrap` of each ``(key, context)``: a fresh nonce each, drawn with one system call for all."""
        aead = self._aead(version)
        nonces = os.urandom(NONCE_BYTES * len(items))
        wrapped = []
        for start, (key, context) in zip(range(0, len(nonces), NONCE_BYTES), items, strict=True):
            nonce = nonces[start : start + NONCE_BYTES]
            wrapped.append(nonce + aead.encrypt(nonce, key, context))
        return wrapped

    def unwrap(self, version: int, wrapped: bytes, context: bytes) -> bytes:
        if len(wrapped) < NONCE_BYTES + 16:
            raise IntegrityError("a wrapped key is truncated")
        try:
            return self._aead(version).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], context)
        except InvalidTag:
            raise IntegrityError("a wrapped key failed its integrity check (altered, or moved to another owner)") from None

    def create_version(self) -> int:
        raise KeyProviderError(f"the {self.name} key provider cannot create root keys")


class EnvKeyProvider(LocalKeyProvider):
    """Root keys from ``BASTION_ROOT_KEY``: ``<base64>`` or ``"<version>:<base64>,..."``."""

    name = "env"

    def __init__(self, value: str | None, *, variable: str = "BASTION_ROOT_KEY") -> None:
        super().__init__()
        if not value:
            raise KeyProviderError(f"{variable} (or {variable}_FILE) is not set")
        self._value = value
        self._variable = variable
        self._keys = self._load()

    def _load(self) -> dict[int, tuple[bytes, dt.datetime | None]]:
        keys: dict[int, tuple[bytes, dt.datetime | None]] = {}
        for item in self._value.split(","):
            version_text, _sep, key_text = item.strip().rpartition(":")
            try:
                version = int(version_text) if version_text else 1
            except ValueError:
                raise KeyProviderError(f"{self._variable}: {version_text!r} is not a key version number") from None
            if version < 1 or version in keys:
                raise KeyProviderError(f"{self._variable}: version {version} is out of range or given twice")
            keys[version] = (decode_key(key_text, source=f"{self._variable} version {version}"), None)
        return keys

    def create_version(self) -> int:
        raise KeyProviderError(
            f"root keys come from {self._variable}: add version {self.current_version() + 1} "
            f'("{self.current_version() + 1}:<new key>,<the keys you have>"), restart every server, '
            "then run `bastion keys rotate` again to rewrap the data keys"
        )


class FileKeyProvider(LocalKeyProvider):
    """Root keys in a JSON file (mode 0600): ``{"format": 1, "keys": [{"version", "created_at", "key"}]}``.

    Reloaded when the file changes, so a ``bastion keys rotate`` run by another process is seen
    by running servers within a second. Writes are atomic (a temporary file renamed over it).
    """

    name = "file"
    can_create_versions = True

    def __init__(self, path: Path, *, create: bool) -> None:
        super().__init__()
        self.path = path
        self._stamp: tuple[float, int] | None = None
        self._checked = 0.0
        if create and not path.exists():
            self._write({1: (secrets.token_bytes(ROOT_KEY_BYTES), dt.datetime.now(dt.UTC))}, exclusive=True)
        if not path.exists():
            raise KeyProviderError(
                f"the root key file {path} does not exist: create it with `bastion keys init`, "
                "or set BASTION_ROOT_KEY (with BASTION_KEY_PROVIDER=env)"
            )
        self._refresh(force=True)

    def _refresh(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and self._keys and now - self._checked < RELOAD_INTERVAL_S:
            return
        self._checked = now
        try:
            stat = self.path.stat()
        except OSError as exc:
            raise KeyProviderError(f"the root key file {self.path} cannot be read: {exc.strerror}") from exc
        stamp = (stat.st_mtime, stat.st_size)
        if force or stamp != self._stamp:
            with self._lock:
                self._keys, self._stamp = self._load(), stamp

    def _load(self) -> dict[int, tuple[bytes, dt.datetime | None]]:
        if self.path.stat().st_mode & 0o077:
            raise KeyProviderError(f"the root key file {self.path} must not be readable by others (chmod 600)")
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            entries = document["keys"]
            if document.get("format") != KEY_FILE_FORMAT:
                raise KeyProviderError(f"the root key file {self.path} has an unknown format")
            return {
                int(entry["version"]): (
                    decode_key(entry["key"], source=f"{self.path} version {entry['version']}"),
                    dt.datetime.fromisoformat(entry["created_at"]) if entry.get("created_at") else None,
                )
                for entry in entries
            }
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KeyProviderError(f"the root key file {self.path} cannot be read: {exc}") from exc

    def _write(self, keys: dict[int, tuple[bytes, dt.datetime | None]], *, exclusive: bool = False) -> None:
        document = {
            "format": KEY_FILE_FORMAT,
            "keys": [
                {"version": v, "created_at": created.isoformat() if created else None, "key": base64.b64encode(k).decode()}
                for v, (k, created) in sorted(keys.items())
            ],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            if exclusive:
                # Appears complete or not at all; if another process made one first, theirs is kept.
                with contextlib.suppress(FileExistsError):
                    os.link(temporary, self.path)
            else:
                os.replace(temporary, self.path)
        finally:
            temporary.unlink(missing_ok=True)

    def create_version(self) -> int:
        with self._lock:
            keys = self._load()
            version = max(keys, default=0) + 1
            keys[version] = (secrets.token_bytes(ROOT_KEY_BYTES), dt.datetime.now(dt.UTC))
            self._write(keys)
        self._refresh(force=True)
        return version


_provider: KeyProvider | None = None
_provider_lock = threading.Lock()


def build_provider(kind: str, *, key_file: Path, env_value: str | None, create: bool) -> KeyProvider:
    """The provider named by ``BASTION_KEY_PROVIDER``: ``file``, ``env`` or a dotted class path."""
    if kind == "file":
        return FileKeyProvider(key_file, create=create)
    if kind == "env":
        return EnvKeyProvider(env_value)
    from django.utils.module_loading import import_string

    try:
        provider_class = import_string(kind)
    except ImportError as exc:
        raise KeyProviderError(f"BASTION_KEY_PROVIDER={kind!r} is neither file, env nor an importable class") from exc
    provider = provider_class()
    if not isinstance(provider, KeyProvider):
        raise KeyProviderError(f"{kind} does not implement bastion.kernel.crypto.provider.KeyProvider")
    return provider


def get_provider() -> KeyProvider:
    """The process's root key provider, built once from the settings."""
    global _provider
    if _provider is None:
        from django.conf import settings

        from bastion.kernel.env import read_secret

        with _provider_lock:
            if _provider is None:
                _provider = build_provider(
                    settings.BASTION_KEY_PROVIDER,
                    key_file=Path(settings.BASTION_KEY_FILE),
                    env_value=read_secret("BASTION_ROOT_KEY"),
                    create=not settings.PRODUCTION,
                )
    return _provider


def set_provider(provider: KeyProvider | None) -> None:
    """Replace the process's provider (tests and benchmarks; None rebuilds it from the settings)."""
    global _provider
    _provider = provider
