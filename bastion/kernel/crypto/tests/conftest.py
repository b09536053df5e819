"""Fixtures of the key tests: a root key file of the test's own, so rotations never touch the shared one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bastion.kernel.crypto import keyring
from bastion.kernel.crypto.provider import FileKeyProvider, set_provider


@pytest.fixture
def own_root_key(tmp_path: Path) -> Iterator[FileKeyProvider]:
    """A fresh root key file (version 1) for this test; the settings' provider comes back afterwards."""
    provider = FileKeyProvider(tmp_path / "root_keys.json", create=True)
    keyring.clear_caches()
    set_provider(provider)
    yield provider
    set_provider(None)
    keyring.clear_caches()
