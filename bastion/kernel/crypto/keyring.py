"""Person data keys (DEKs) and service keys: created, wrapped by the root key, cached, shredded.

Every person (a contact, later a lead) has a random 256-bit data key per key version, stored
only wrapped by a root key (AES-256-GCM; associated data = purpose, person id, key version,
root version) in the key store database. Unwrapped keys are cached per process for
:data:`CACHE_SECONDS` (a shred in this process evicts at once; other processes forget within
that time, and the live rows of a shredded person no longer hold ciphertext anyway).

Cross-database consistency: a key is committed to the key store before the data it protects is
written to the main database, so a data row never names a key that does not exist. If the data
write then rolls back, the key is an orphan: harmless (it protects nothing); a sweep that removes
keys of people who no longer exist is later work.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import IntegrityError as DbIntegrityError
from django.db import transaction
from django.utils import timezone

from bastion.kernel.crypto.errors import UnknownKeyError
from bastion.kernel.crypto.models import ErasedPerson, PersonKey, ServiceKey
from bastion.kernel.crypto.provider import get_provider
from bastion.kernel.crypto.router import KEYSTORE_ALIAS
from bastion.kernel.crypto.store import insert_ignoring_conflicts

DATA_KEY_BYTES = 32
CACHE_SECONDS = 60.0
CACHE_MAX_ENTRIES = 50_000
PRELOAD_BATCH = 500
_DEK_PURPOSE = b"bastion/person-data-key/v1"
_SERVICE_PURPOSE = b"bastion/service-key/v1"


def _dek_context(person: uuid.UUID, version: int, root_version: int) -> bytes:
    return b"\x00".join([_DEK_PURPOSE, person.bytes, version.to_bytes(4, "big"), root_version.to_bytes(4, "big")])


def _service_context(purpose: str, root_version: int) -> bytes:
    return b"\x00".join([_SERVICE_PURPOSE, purpose.encode(), root_version.to_bytes(4, "big")])


@dataclass(frozen=True)
class DataKey:
    """An unwrapped data key, ready to use (``aead``), and its version."""

    version: int
    aead: AESGCM


class _Cache:
    """A small thread-safe LRU with expiry, for unwrapped keys."""

    def __init__(self) -> None:
        self._items: OrderedDict[object, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object) -> object | None:
        item = self._items.get(key)
        if item is None or item[0] < time.monotonic():
            return None
        return item[1]

    def put(self, key: object, value: object) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + CACHE_SECONDS, value)
            self._items.move_to_end(key)
            while len(self._items) > CACHE_MAX_ENTRIES:
                self._items.popitem(last=False)

    def drop(self, predicate: object) -> None:
        with self._lock:
            for key in [key for key in self._items if predicate(key)]:  # type: ignore[operator]
                del self._items[key]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_read_keys = _Cache()  # (person, version) -> DataKey
_write_keys = _Cache()  # ("write", person) -> DataKey
_service_keys = _Cache()  # ("service", purpose) -> (bytes, bits)


def clear_caches() -> None:
    """Forget every unwrapped key held by this process (tests; after restoring a key store)."""
    for cache in (_read_keys, _write_keys, _service_keys):
        cache.clear()


def _unwrap(person: uuid.UUID, version: int, root_version: int, wrapped: bytes | memoryview) -> DataKey:
    raw = get_provider().unwrap(root_version, bytes(wrapped), _dek_context(person, version, root_version))
    key = DataKey(version, AESGCM(raw))
    _read_keys.put((person, version), key)
    return key


def _unwrap_row(row: PersonKey) -> DataKey:
    return _unwrap(row.person, row.version, row.root_version, row.wrapped)


def _new_row(person: uuid.UUID, version: int) -> tuple[PersonKey, DataKey]:
    raw = os.urandom(DATA_KEY_BYTES)
    root = get_provider().current_version()
    wrapped = get_provider().wrap(root, raw, _dek_context(person, version, root))
    return PersonKey(person=person, version=version, root_version=root, wrapped=wrapped), DataKey(version, AESGCM(raw))


def key_for_read(person: uuid.UUID, version: int) -> DataKey | None:
    """The data key ``version`` of ``person``, or None if it was shredded (raises UnknownKeyError if it never existed)."""
    cached = _read_keys.get((person, version))
    if cached is not None:
        return cached  # type: ignore[return-value]
    row = PersonKey.objects.using(KEYSTORE_ALIAS).filter(person=person, version=version).first()
    if row is not None:
        return _unwrap_row(row)
    if ErasedPerson.objects.using(KEYSTORE_ALIAS).filter(person=person).exists():
        return None
    raise UnknownKeyError(f"data key version {version} of person {person} is missing from the key store")


def key_for_write(person: uuid.UUID) -> DataKey:
    """The data key new ciphertexts of ``person`` use: their newest, made at the current root version if older.

    The key is committed to the key store before it is returned (see the module docstring).
    """
    cached = _write_keys.get(("write", person))
    if cached is not None:
        return cached  # type: ignore[return-value]
    current = get_provider().current_version()
    row = PersonKey.objects.using(KEYSTORE_ALIAS).filter(person=person).order_by("-version").first()
    if row is not None and row.version >= current:
        key = _unwrap_row(row)
    else:
        if ErasedPerson.objects.using(KEYSTORE_ALIAS).filter(person=person).exists():
            raise UnknownKeyError(f"person {person} was erased: no new data can be encrypted for them")
        key = _create(person, current)
    _write_keys.put(("write", person), key)
    return key


def _create(person: uuid.UUID, version: int) -> DataKey:
    row, key = _new_row(person, version)
    try:
        with transaction.atomic(using=KEYSTORE_ALIAS):
            row.save(using=KEYSTORE_ALIAS)
    except DbIntegrityError:  # another process made it first: use theirs
        existing = PersonKey.objects.using(KEYSTORE_ALIAS).get(person=person, version=version)
        return _unwrap_row(existing)
    _read_keys.put((person, version), key)
    return key


def ensure_keys(persons: Iterable[uuid.UUID], version: int | None = None) -> int:
    """Make data keys at ``version`` (default: the current root version) for those of ``persons`` who lack one.

    One query to look and one bulk insert: for bulk loads and ``bastion keys reencrypt``.
    Returns how many keys were made.
    """
    version = version or get_provider().current_version()
    wanted = set(persons)
    if not wanted:
        return 0
    have: set[uuid.UUID] = set()
    for chunk in _chunks(sorted(wanted), PRELOAD_BATCH):
        rows = PersonKey.objects.using(KEYSTORE_ALIAS).filter(person__in=chunk, version=version)
        have.update(row.person for row in rows)
    made = [_new_row(person, version) for person in sorted(wanted - have)]
    now = timezone.now()
    values = [(row.person, row.version, row.root_version, row.wrapped, now) for row, _key in made]
    insert_ignoring_conflicts(PersonKey, ["person", "version", "root_version", "wrapped", "created_at"], values)
    for row, key in made:
        _read_keys.put((row.person, version), key)
        _write_keys.put(("write", row.person), key)
    return len(made)


def preload(pairs: Iterable[tuple[uuid.UUID, int]]) -> None:
    """Fetch and unwrap, in as few queries as possible, the keys ``(person, version)`` not cached yet."""
    persons = list({person for person, version in pairs if _read_keys.get((person, version)) is None})
    columns = ("person", "version", "root_version", "wrapped")
    for chunk in _chunks(persons, PRELOAD_BATCH):
        for person, version, root_version, wrapped in (
            PersonKey.objects.using(KEYSTORE_ALIAS).filter(person__in=chunk).values_list(*columns)
        ):
            _unwrap(person, version, root_version, wrapped)


def shred(person: uuid.UUID) -> int:
    """Destroy every data key and blind-index entry of ``person`` and leave a tombstone; returns keys destroyed."""
    from bastion.kernel.crypto.models import BlindIndexEntry

    with transaction.atomic(using=KEYSTORE_ALIAS):
        deleted, _ = PersonKey.objects.using(KEYSTORE_ALIAS).filter(person=person).delete()
        BlindIndexEntry.objects.using(KEYSTORE_ALIAS).filter(person=person).delete()
        ErasedPerson.objects.using(KEYSTORE_ALIAS).get_or_create(person=person)
    _read_keys.drop(lambda key: isinstance(key, tuple) and key[0] == person)
    _write_keys.drop(lambda key: key == ("write", person))
    return deleted


def is_erased(person: uuid.UUID) -> bool:
    return ErasedPerson.objects.using(KEYSTORE_ALIAS).filter(person=person).exists()


def service_key(purpose: str, *, bits: int | None = None) -> tuple[bytes, int | None]:
    """The random key the application uses for ``purpose`` (made on first use), and its stored ``bits``."""
    cached = _service_keys.get(("service", purpose))
    if cached is not None:
        return cached  # type: ignore[return-value]
    row = ServiceKey.objects.using(KEYSTORE_ALIAS).filter(purpose=purpose).first()
    if row is None:
        raw = os.urandom(DATA_KEY_BYTES)
        root = get_provider().current_version()
        wrapped = get_provider().wrap(root, raw, _service_context(purpose, root))
        try:
            with transaction.atomic(using=KEYSTORE_ALIAS):
                ServiceKey.objects.using(KEYSTORE_ALIAS).create(purpose=purpose, root_version=root, wrapped=wrapped, bits=bits)
        except DbIntegrityError:
            pass  # made by another process in the meantime: read theirs below
        row = ServiceKey.objects.using(KEYSTORE_ALIAS).get(purpose=purpose)
    raw = get_provider().unwrap(row.root_version, bytes(row.wrapped), _service_context(purpose, row.root_version))
    value = (raw, row.bits)
    _service_keys.put(("service", purpose), value)
    return value


def rewrap(batch_size: int = 500) -> int:
    """Rewrap every data and service key not under the current root version; field data is not touched.

    Resumable by construction: each batch commits, and a key already under the current version
    is skipped. Returns how many keys were rewrapped.
    """
    provider = get_provider()
    current = provider.current_version()
    done = 0
    while True:
        with transaction.atomic(using=KEYSTORE_ALIAS):
            rows = list(
                PersonKey.objects.using(KEYSTORE_ALIAS)
                .select_for_update()
                .filter(root_version__lt=current)
                .order_by("id")[:batch_size]
            )
            for row in rows:
                raw = provider.unwrap(
                    row.root_version, bytes(row.wrapped), _dek_context(row.person, row.version, row.root_version)
                )
                row.wrapped = provider.wrap(current, raw, _dek_context(row.person, row.version, current))
                row.root_version, row.rewrapped_at = current, timezone.now()
            PersonKey.objects.using(KEYSTORE_ALIAS).bulk_update(rows, ["wrapped", "root_version", "rewrapped_at"])
        done += len(rows)
        if len(rows) < batch_size:
            break
    return done + _rewrap_service_keys(current)


def _rewrap_service_keys(current: int) -> int:
    provider = get_provider()
    with transaction.atomic(using=KEYSTORE_ALIAS):
        rows = list(ServiceKey.objects.using(KEYSTORE_ALIAS).select_for_update().filter(root_version__lt=current))
        for row in rows:
            raw = provider.unwrap(row.root_version, bytes(row.wrapped), _service_context(row.purpose, row.root_version))
            row.wrapped = provider.wrap(current, raw, _service_context(row.purpose, current))
            row.root_version, row.rewrapped_at = current, timezone.now()
            row.save(using=KEYSTORE_ALIAS, update_fields=["wrapped", "root_version", "rewrapped_at"])
    return len(rows)


def _chunks(items: list[uuid.UUID], size: int) -> Iterable[list[uuid.UUID]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
