"""``ensure_keys`` (what ``bastion keys reencrypt`` makes keys with) when another process makes a person's key first.

Between ``ensure_keys``' look and its insert, a contact saved elsewhere can make that person's
key at the same version (``keyring._create``). The insert keeps the other process's key; what
``ensure_keys`` caches must be what the key store holds, or values sealed with the cached key
could never be read again.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag

from bastion.kernel.crypto import keyring
from bastion.kernel.crypto.models import PersonKey
from bastion.kernel.crypto.router import KEYSTORE_ALIAS
from bastion.kernel.ids import new_id

pytestmark = pytest.mark.django_db(databases=["default", "keys"])


def _another_process_makes_the_key_first(monkeypatch: pytest.MonkeyPatch, person: Any, version: int) -> dict[str, Any]:
    """Let the other process store its key for ``person`` just before ``ensure_keys`` inserts its own."""
    theirs: dict[str, Any] = {}
    insert = keyring.insert_ignoring_conflicts

    def racing(model: Any, columns: Any, rows: Any, **options: Any) -> Any:
        row, key = keyring._new_row(person, version)
        row.save(using=KEYSTORE_ALIAS)
        theirs.update(key=key, wrapped=bytes(row.wrapped))
        return insert(model, columns, rows, **options)

    monkeypatch.setattr(keyring, "insert_ignoring_conflicts", racing)
    return theirs


def _read_key(person: Any, version: int) -> keyring.DataKey:
    key = keyring.key_for_read(person, version)
    assert key is not None  # not shredded
    return key


def test_the_key_stored_first_by_another_process_is_the_one_used(monkeypatch: pytest.MonkeyPatch) -> None:
    person, other = new_id(), new_id()
    version = keyring.get_provider().current_version()
    theirs = _another_process_makes_the_key_first(monkeypatch, person, version)

    made = keyring.ensure_keys([person, other], version)

    assert made == 1  # only the other person's key was made and stored here
    stored = dict(PersonKey.objects.using(KEYSTORE_ALIAS).filter(version=version).values_list("person", "wrapped"))
    assert bytes(stored[person]) == theirs["wrapped"]
    assert set(stored) == {person, other}
    for who in (person, other):
        nonce = os.urandom(12)
        sealed = keyring.key_for_write(who).aead.encrypt(nonce, b"value sealed during reencrypt", b"ad")
        keyring.clear_caches()  # another process, or this one after its cache expired, reads from the store
        assert _read_key(who, version).aead.decrypt(nonce, sealed, b"ad") == b"value sealed during reencrypt"
    nonce = os.urandom(12)
    sealed = theirs["key"].aead.encrypt(nonce, b"the other process's value", b"ad")
    assert _read_key(person, version).aead.decrypt(nonce, sealed, b"ad") == b"the other process's value"


def test_a_key_not_stored_is_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    person = new_id()
    version = keyring.get_provider().current_version()
    theirs = _another_process_makes_the_key_first(monkeypatch, person, version)

    assert keyring.ensure_keys([person], version) == 0

    nonce = os.urandom(12)
    sealed = keyring.key_for_write(person).aead.encrypt(nonce, b"x", b"ad")
    theirs["key"].aead.decrypt(nonce, sealed, b"ad")  # the write key is theirs: this does not raise
    with pytest.raises(InvalidTag):
        theirs["key"].aead.decrypt(nonce, sealed[:-1] + bytes([sealed[-1] ^ 1]), b"ad")
