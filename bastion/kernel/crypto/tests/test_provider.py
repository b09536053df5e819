"""Root key providers: the key file (0600, generated outside production, reloaded after a rotation) and the environment."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bastion.kernel.crypto.errors import IntegrityError, KeyProviderError, UnknownKeyError
from bastion.kernel.crypto.provider import EnvKeyProvider, FileKeyProvider, KeyProvider, RootKeyVersion, build_provider

KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.b64encode(b"b" * 32).decode()


def test_key_file_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "root_keys.json"
    provider = FileKeyProvider(path, create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert provider.current_version() == 1
    wrapped = provider.wrap(1, b"k" * 32, b"ctx")
    again = FileKeyProvider(path, create=True)  # does not replace the existing key
    assert again.unwrap(1, wrapped, b"ctx") == b"k" * 32
    assert isinstance(provider, KeyProvider)


def test_key_file_must_exist_when_it_may_not_be_created(tmp_path: Path) -> None:
    with pytest.raises(KeyProviderError, match="bastion keys init"):
        FileKeyProvider(tmp_path / "missing.json", create=False)


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "root_keys.json"
    FileKeyProvider(path, create=True)
    os.chmod(path, 0o644)
    with pytest.raises(KeyProviderError, match="chmod 600"):
        FileKeyProvider(path, create=False)


def test_a_new_version_is_seen_by_another_process_and_old_ones_still_unwrap(tmp_path: Path) -> None:
    path = tmp_path / "root_keys.json"
    server, operator = FileKeyProvider(path, create=True), FileKeyProvider(path, create=False)
    old = server.wrap(1, b"k" * 32, b"ctx")
    assert operator.create_version() == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    new = operator.wrap(2, b"n" * 32, b"ctx")
    assert server.unwrap(2, new, b"ctx") == b"n" * 32  # an unknown version makes the server reload
    assert server.unwrap(1, old, b"ctx") == b"k" * 32
    assert [info.version for info in server.versions()] == [1, 2]


def test_wrapped_keys_are_bound_to_their_context_and_version(tmp_path: Path) -> None:
    provider = FileKeyProvider(tmp_path / "k.json", create=True)
    wrapped = provider.wrap(1, b"k" * 32, b"person-1")
    with pytest.raises(IntegrityError):
        provider.unwrap(1, wrapped, b"person-2")
    with pytest.raises(IntegrityError):
        provider.unwrap(1, wrapped[:-1] + bytes([wrapped[-1] ^ 1]), b"person-1")
    with pytest.raises(UnknownKeyError):
        provider.unwrap(7, wrapped, b"person-1")


def test_environment_keys_single_and_versioned() -> None:
    single = EnvKeyProvider(KEY_A)
    assert single.current_version() == 1
    versioned = EnvKeyProvider(f"2:{KEY_B},1:{KEY_A}")
    assert versioned.current_version() == 2
    assert versioned.unwrap(1, single.wrap(1, b"x" * 32, b"c"), b"c") == b"x" * 32
    with pytest.raises(KeyProviderError, match="add version 3"):
        versioned.create_version()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "not set"),
        ("not base64!", "base64"),
        (base64.b64encode(b"short").decode(), "32 bytes"),
        (f"1:{KEY_A},1:{KEY_B}", "twice"),
    ],
)
def test_bad_environment_keys_are_explained(value: str, message: str) -> None:
    with pytest.raises(KeyProviderError, match=message):
        EnvKeyProvider(value)


def test_provider_by_dotted_path_must_implement_the_protocol(tmp_path: Path) -> None:
    with pytest.raises(KeyProviderError, match="does not implement"):
        build_provider("collections.OrderedDict", key_file=tmp_path / "x", env_value=None, create=False)
    with pytest.raises(KeyProviderError, match="neither file, env"):
        build_provider("no.such.Provider", key_file=tmp_path / "x", env_value=None, create=False)


def test_keys_wrapped_together_each_unwrap_with_their_own_context_and_nonce(tmp_path: Path) -> None:
    provider = FileKeyProvider(tmp_path / "k.json", create=True)
    items = [(bytes([n]) * 32, f"person-{n}".encode()) for n in range(5)]
    wrapped = provider.wrap_many(1, items)
    assert [provider.unwrap(1, sealed, context) for sealed, (_key, context) in zip(wrapped, items, strict=True)] == [
        key for key, _context in items
    ]
    assert len({sealed[:12] for sealed in wrapped}) == 5  # a nonce each
    with pytest.raises(IntegrityError):
        provider.unwrap(1, wrapped[0], items[1][1])  # bound to its own owner
    assert provider.wrap_many(1, []) == []


@pytest.mark.django_db(databases=["default", "keys"])
def test_new_keys_made_through_a_provider_without_wrap_many_use_wrap(tmp_path: Path) -> None:
    """A KMS provider need not implement ``wrap_many``: the keyring wraps one key at a time through ``wrap``."""
    import uuid

    from bastion.kernel.crypto import keyring
    from bastion.kernel.crypto.provider import get_provider, set_provider

    inner = FileKeyProvider(tmp_path / "k.json", create=True)
    calls: list[bytes] = []

    class WrapOnly:  # the protocol's required methods only, over a real local provider
        name = "wrap-only"

        def current_version(self) -> int:
            return inner.current_version()

        def versions(self) -> list[RootKeyVersion]:
            return inner.versions()

        def wrap(self, version: int, key: bytes, context: bytes) -> bytes:
            calls.append(context)
            return inner.wrap(version, key, context)

        def unwrap(self, version: int, wrapped: bytes, context: bytes) -> bytes:
            return inner.unwrap(version, wrapped, context)

        def create_version(self) -> int:
            return inner.create_version()

    assert isinstance(WrapOnly(), KeyProvider)
    previous = get_provider()
    set_provider(WrapOnly())
    try:
        persons = [uuid.uuid4(), uuid.uuid4()]
        made = keyring._new_keys(persons, 1, 1)
    finally:
        set_provider(previous)
    assert len(calls) == 2 and len(made) == 2
    for person, (wrapped, key) in zip(persons, made, strict=True):  # each wrapped key is the key made ready to use
        raw = inner.unwrap(1, wrapped, keyring._dek_context(person, 1, 1))
        sealed = AESGCM(raw).encrypt(b"n" * 12, b"x", b"")
        assert key.version == 1 and key.aead.decrypt(b"n" * 12, sealed, b"") == b"x"
    assert made[0][0] != made[1][0]
