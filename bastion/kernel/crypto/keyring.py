"""Person data keys (DEKs) and service keys: created, wrapped by the root key, cached, shredded.

Every person (a contact, later a lead) has a random 256-bit data key per key version, stored
only wrapped by a root key (AES-256-GCM; associated data = purpose, person id, key version,
root version) in the key store database. Unwrapped keys are cached per process for
:data:`CACHE_SECONDS` (a shred in this process evicts at once; other processes forget within
that time, and the live rows of a shredded person no longer hold ciphertext anyway).

Cross-database consistency: a key is committed to the key store before the data it protects is
committed to the main database, so a data row never names a key that does not exist. A new
person's first key (:func:`making_first_keys`) is written while their record is, and waited for
before the record's transaction can commit; every other key is committed before it is returned.
If the data write then rolls back, the key is an orphan: harmless (it protects nothing); a sweep
that removes keys of people who no longer exist is later work.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import IntegrityError as DbIntegrityError
from django.db import connections, transaction
from django.utils import timezone

from bastion.kernel.batch_sql import fetch_all_prepared
from bastion.kernel.crypto.errors import KeyProviderError, UnknownKeyError
from bastion.kernel.crypto.models import ErasedPerson, PersonKey, ServiceKey
from bastion.kernel.crypto.provider import get_provider
from bastion.kernel.crypto.router import KEYSTORE_ALIAS
from bastion.kernel.crypto.store import KEY_COLUMNS, insert_ignoring_conflicts, send_first_keys

DATA_KEY_BYTES = 32
CACHE_SECONDS = 60.0
CACHE_MAX_ENTRIES = 50_000
RETIRING_CACHE_SECONDS = 5.0  # how long a process trusts its list of data-key versions being retired
PRELOAD_BATCH = 2000  # people per key-store query: a page of the longest keyset page
_DEK_PURPOSE = b"bastion/person-data-key/v1"
_SERVICE_PURPOSE = b"bastion/service-key/v1"


def _dek_context(person: uuid.UUID, version: int, root_version: int) -> bytes:
    return b"\x00".join([_DEK_PURPOSE, person.bytes, version.to_bytes(4, "big"), root_version.to_bytes(4, "big")])


def _service_context(purpose: str, root_version: int) -> bytes:
    return b"\x00".join([_SERVICE_PURPOSE, purpose.encode(), root_version.to_bytes(4, "big")])


class DataKey(NamedTuple):
    """An unwrapped data key, ready to use (``aead``), and its version (a named tuple: cheap to make)."""

    version: int
    aead: AESGCM


class _Cache:
    """A small thread-safe LRU with expiry, for unwrapped keys."""

    def __init__(self) -> None:
        self.items: OrderedDict[object, tuple[Any, ...]] = OrderedDict()  # read without the lock (GIL-atomic)
        self.lock = threading.Lock()

    def get(self, key: object) -> object | None:
        item = self.items.get(key)
        if item is None or item[0] < time.monotonic():
            return None
        return item[1]

    def put(self, key: object, value: object) -> None:
        with self.lock:
            self.items[key] = (time.monotonic() + CACHE_SECONDS, value)
            self.items.move_to_end(key)
            while len(self.items) > CACHE_MAX_ENTRIES:
                self.items.popitem(last=False)

    def get_key(self, ref: object) -> DataKey | None:
        """A data key kept by :meth:`put_keys`, if fresh."""
        item = self.items.get(ref)
        if item is None or item[0] < time.monotonic():
            return None
        return DataKey(item[1], item[2])

    def put_keys(self, items: list[tuple[object, DataKey]]) -> None:
        """Keep data keys flat, ``ref -> (expiry, version, aead)``: tuples of ints and an AES-GCM object, which
        the cyclic garbage collector stops tracking, so a full cache costs it nothing (ADR 0055)."""
        with self.lock:
            expires = time.monotonic() + CACHE_SECONDS
            for ref, (version, aead) in items:
                self.items[ref] = (expires, version, aead)
                self.items.move_to_end(ref)
            while len(self.items) > CACHE_MAX_ENTRIES:
                self.items.popitem(last=False)

    def drop(self, predicate: object) -> None:
        with self.lock:
            for key in [key for key in self.items if predicate(key)]:  # type: ignore[operator]
                del self.items[key]

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


# The data-key caches are keyed by the person's id as an integer (``person.int``), not the UUID: an
# int hashes in C (a UUID's __hash__ is Python), and keys and values made only of ints, bytes and
# AES-GCM objects are not tracked by the cyclic garbage collector, which otherwise walks every
# entry of a full cache on each full collection (ADR 0055).
_read_keys = _Cache()  # (person.int, version) -> (expiry, version, aead)
_write_keys = _Cache()  # person.int -> (expiry, version, aead)
_service_keys = _Cache()  # ("service", purpose) -> (bytes, bits)
_wrapped = _Cache()  # (person.int, version) -> (expiry, root version, wrapped key): preloaded, not unwrapped yet


def clear_caches() -> None:
    """Forget every unwrapped key held by this process (tests; after restoring a key store)."""
    from bastion.kernel.crypto import blind

    for cache in (_read_keys, _write_keys, _service_keys, _wrapped):
        cache.clear()
    blind.forget_versions()


def _unwrap(person: uuid.UUID, version: int, root_version: int, wrapped: bytes | memoryview) -> DataKey:
    raw = get_provider().unwrap(root_version, bytes(wrapped), _dek_context(person, version, root_version))
    key = DataKey(version, AESGCM(raw))
    _read_keys.put_keys([((person.int, version), key)])
    with _wrapped.lock:
        _wrapped.items.pop((person.int, version), None)
    return key


def _unwrap_row(row: PersonKey) -> DataKey:
    return _unwrap(row.person, row.version, row.root_version, row.wrapped)


def _new_keys(persons: Sequence[uuid.UUID], version: int, root: int) -> list[tuple[bytes, DataKey]]:
    """A fresh random data key at ``version`` for each of ``persons``, wrapped by root key ``root`` and ready to use.

    The keys are drawn with one system call, and wrapped in one provider call where the provider
    can (``wrap_many``), else one ``wrap`` each."""
    raws = os.urandom(DATA_KEY_BYTES * len(persons))
    keys = [raws[start : start + DATA_KEY_BYTES] for start in range(0, len(raws), DATA_KEY_BYTES)]
    items = [(raw, _dek_context(person, version, root)) for raw, person in zip(keys, persons, strict=True)]
    provider = get_provider()
    wrap_many = getattr(provider, "wrap_many", None)
    wrapped = wrap_many(root, items) if wrap_many is not None else [provider.wrap(root, raw, context) for raw, context in items]
    if len(wrapped) != len(items):
        raise KeyProviderError(f"the {provider.name} key provider wrapped {len(wrapped)} keys of {len(items)}")
    return [(sealed, DataKey(version, AESGCM(raw))) for sealed, raw in zip(wrapped, keys, strict=True)]


def _new_row(person: uuid.UUID, version: int) -> tuple[PersonKey, DataKey]:
    root = get_provider().current_version()
    wrapped, key = _new_keys([person], version, root)[0]
    return PersonKey(person=person, version=version, root_version=root, wrapped=wrapped), key


def key_for_read(person: uuid.UUID, version: int) -> DataKey | None:
    """The data key ``version`` of ``person``, or None if it was shredded (raises UnknownKeyError if it never existed)."""
    cached = _read_keys.get_key((person.int, version))
    if cached is not None:
        return cached
    pending = _wrapped.items.get((person.int, version))
    if pending is not None and pending[0] >= time.monotonic():  # fetched by preload, unwrapped on first use
        return _unwrap(person, version, pending[1], pending[2])
    row = PersonKey.objects.using(KEYSTORE_ALIAS).filter(person=person, version=version).first()
    if row is not None:
        return _unwrap_row(row)
    if ErasedPerson.objects.using(KEYSTORE_ALIAS).filter(person=person).exists():
        return None
    raise UnknownKeyError(f"data key version {version} of person {person} is missing from the key store")


def aead_for_read(person: uuid.UUID, version: int) -> AESGCM | None:
    """The AES-GCM object of :func:`key_for_read` (the per-value read path: one dict lookup when cached)."""
    item = _read_keys.items.get((person.int, version))
    if item is not None and item[0] >= time.monotonic():
        return item[2]
    key = key_for_read(person, version)
    return None if key is None else key.aead


def key_for_write(person: uuid.UUID) -> DataKey:
    """The data key new ciphertexts of ``person`` use: their newest, made at the current root version if older.

    The key is committed to the key store before it is returned, or, for a new person's first key
    cached by :func:`making_first_keys`, before the transaction that uses it can commit (see the
    module docstring).
    """
    cached = _write_keys.get_key(person.int)
    if cached is not None:
        return cached
    current = get_provider().current_version()
    row = PersonKey.objects.using(KEYSTORE_ALIAS).filter(person=person).order_by("-version").first()
    version = row.version if row is not None and row.version >= current else current
    _refuse_retiring(version, current)
    if row is not None and row.version >= current:
        key = _unwrap_row(row)
    else:
        if ErasedPerson.objects.using(KEYSTORE_ALIAS).filter(person=person).exists():
            raise UnknownKeyError(f"person {person} was erased: no new data can be encrypted for them")
        key = _create(person, current)
    _write_keys.put_keys([(person.int, key)])
    return key


@contextlib.contextmanager
def making_first_keys(persons: Sequence[uuid.UUID], entries: Sequence[tuple[str, int, uuid.UUID]] = ()) -> Iterator[None]:
    """New people's first data keys, stored while the body writes their records: committed, or failed, as the body ends.

    For people whose ids were just drawn at random (records being created): they can have neither
    a key nor a tombstone, so nothing is looked up first (:func:`key_for_write` would).
    ``entries`` are their blind-index entries ``(scope, value, person)``, stored with the keys.
    The keys are cached for the body's writes at once. Inside a transaction on the main database (an action's), the key
    store's statement is left in flight (``batch_sql.send``) while the body runs, and waited for
    when it ends: before that transaction can commit, so the order above holds, and without the
    key store's round trip and commit in the action's own time (ADR 0054). Outside one, the
    body's writes would commit as they go, so the keys are committed before the body starts. If
    the body fails, the keys are left orphans (see above).
    """
    current = get_provider().current_version()
    _refuse_retiring(current, current)
    made = timezone.now()
    made_keys = _new_keys(persons, current, current)
    rows = [(person, current, current, wrapped, made) for person, (wrapped, _key) in zip(persons, made_keys, strict=True)]
    keys = [key for _wrapped, key in made_keys]
    sent = send_first_keys(rows, entries)
    if not transaction.get_connection().in_atomic_block:
        sent.wait()
    _read_keys.put_keys([((person.int, current), key) for person, key in zip(persons, keys, strict=True)])
    _write_keys.put_keys([(person.int, key) for person, key in zip(persons, keys, strict=True)])
    try:
        yield
    except BaseException:
        forget_people(persons)
        with contextlib.suppress(Exception):  # the body's error is the one to report
            sent.wait()
        raise
    try:
        sent.wait()
    except Exception:
        forget_people(persons)
        raise


def _refuse_retiring(version: int, current: int) -> None:
    if version in _retiring():
        raise UnknownKeyError(
            f"data key version {version} is being retired (bastion keys retire): this process still has root key "
            f"version {current} as its newest; give it the newest root keys and restart it"
        )


def _retiring() -> frozenset[int]:
    """Data-key versions marked for retirement (cached for :data:`RETIRING_CACHE_SECONDS`)."""
    from bastion.kernel.crypto.models import RetiredVersion

    cached = _service_keys.get("retiring")
    if cached is None:
        cached = frozenset(RetiredVersion.objects.using(KEYSTORE_ALIAS).values_list("version", flat=True))
        with _service_keys.lock:
            _service_keys.items["retiring"] = (time.monotonic() + RETIRING_CACHE_SECONDS, cached)
    return cached  # type: ignore[return-value]


def forget_version(version: int) -> None:
    """Drop every cached key of data-key ``version`` in this process (after it was destroyed)."""
    for cache in (_read_keys, _wrapped):
        cache.drop(lambda key: key[1] == version)
    _write_keys.drop(lambda key: True)
    _service_keys.drop(lambda key: key == "retiring")


def forget_person(person: uuid.UUID) -> None:
    """Drop every cached key of ``person`` in this process (after they were destroyed)."""
    forget_people([person])


def forget_people(persons: Iterable[uuid.UUID]) -> None:
    """:func:`forget_person` for several people, in one pass over each cache."""
    gone = {person.int for person in persons}
    _read_keys.drop(lambda key: key[0] in gone)
    _wrapped.drop(lambda key: key[0] in gone)
    _write_keys.drop(lambda key: key in gone)


def _create(person: uuid.UUID, version: int) -> DataKey:
    row, key = _new_row(person, version)
    try:
        with transaction.atomic(using=KEYSTORE_ALIAS):
            row.save(using=KEYSTORE_ALIAS)
    except DbIntegrityError:  # another process made it first: use theirs
        existing = PersonKey.objects.using(KEYSTORE_ALIAS).get(person=person, version=version)
        return _unwrap_row(existing)
    _read_keys.put_keys([((person.int, version), key)])
    return key


def ensure_keys(persons: Iterable[uuid.UUID], version: int | None = None) -> int:
    """Make data keys at ``version`` (default: the current root version) for those of ``persons`` who lack one.

    One query to look, one bulk insert and one query to read back: for ``bastion keys reencrypt``.
    Another process may make a person's key between the look and the insert (a contact saved
    while ``reencrypt`` runs: :func:`_create`); the insert then keeps theirs, and only the keys
    stored as made here are cached, so nothing is ever sealed under a key the store does not
    hold. Returns how many keys were made and stored.
    """
    version = version or get_provider().current_version()
    wanted = set(persons)
    if not wanted:
        return 0
    have = _stored_wrapped(sorted(wanted), version)
    root = get_provider().current_version()
    now = timezone.now()
    lacking = sorted(wanted - have.keys())
    made = _new_keys(lacking, version, root)  # as _new_row, without a model instance per key
    values = [(person, version, root, wrapped, now) for person, (wrapped, _key) in zip(lacking, made, strict=True)]
    insert_ignoring_conflicts(PersonKey, KEY_COLUMNS, values)
    stored = _stored_wrapped(lacking, version)
    kept = [(person, key) for person, (wrapped, key) in zip(lacking, made, strict=True) if stored.get(person) == wrapped]
    _read_keys.put_keys([((person.int, version), key) for person, key in kept])
    _write_keys.put_keys([(person.int, key) for person, key in kept])
    return len(kept)


def _stored_wrapped(persons: list[uuid.UUID], version: int) -> dict[uuid.UUID, bytes]:
    """The wrapped key ``version`` of each of ``persons`` as the key store holds it (a wrapping is unique: its nonce)."""
    found: dict[uuid.UUID, bytes] = {}
    for chunk in _chunks(persons, PRELOAD_BATCH):
        rows = PersonKey.objects.using(KEYSTORE_ALIAS).filter(person__in=chunk, version=version).values_list("person", "wrapped")
        found.update((person, bytes(wrapped)) for person, wrapped in rows)
    return found


def preload(pairs: Iterable[tuple[uuid.UUID, int]]) -> None:
    """Fetch, in one key-store query per :data:`PRELOAD_BATCH` people, the keys ``(person, version)`` not cached yet.

    The wrapped keys are kept as they are: a key is unwrapped only when a value it protects is
    actually read (:func:`key_for_read`), so listing rows whose encrypted fields are not shown
    costs one query and no unwrapping.
    """
    now, unwrapped, fetched = time.monotonic(), _read_keys.items, _wrapped.items
    persons: dict[uuid.UUID, None] = {}  # an ordered set
    for person, version in pairs:
        ref = (person.int, version)
        item = unwrapped.get(ref) or fetched.get(ref)
        if item is None or item[0] < now:
            persons[person] = None
    if not persons:
        return
    connection = connections[KEYSTORE_ALIAS]
    native = connection.features.has_native_uuid_field
    table = connection.ops.quote_name(PersonKey._meta.db_table)
    columns = f"SELECT person, version, root_version, wrapped FROM {table} WHERE person"  # noqa: S608 - a quoted table name
    with _wrapped.lock:
        expires, store = now + CACHE_SECONDS, _wrapped.items
        for chunk in _chunks(list(persons), PRELOAD_BATCH):
            if native:  # PostgreSQL: one prepared statement, the people as one array parameter
                by_param: dict[Any, uuid.UUID] = {person: person for person in chunk}
                rows = fetch_all_prepared(f"{columns} = ANY(%b)", [chunk], using=KEYSTORE_ALIAS)
            else:
                by_param = {person.hex: person for person in chunk}
                with connection.cursor() as cursor:
                    cursor.execute(f"{columns} IN ({', '.join(['%s'] * len(chunk))})", list(by_param))  # values bound
                    rows = cursor.fetchall()
            for person, version, root_version, wrapped in rows:
                key = ((by_param.get(person) or uuid.UUID(str(person))).int, version)
                store[key] = (expires, root_version, wrapped if type(wrapped) is bytes else bytes(wrapped))
                store.move_to_end(key)
        while len(store) > CACHE_MAX_ENTRIES:
            store.popitem(last=False)


def shred(person: uuid.UUID, *, actor: Any = None, reason: str = "crypto-shred") -> int:
    """Destroy every data key and blind-index entry of ``person`` and leave a tombstone; returns keys destroyed.

    Audited as ``key.destroyed`` (committed just before the key store: see keyevents.py). Run
    again on a person already shredded it destroys nothing and records that it found nothing.
    """
    from bastion.kernel.crypto.keyevents import PERSON_KEY, key_change
    from bastion.kernel.crypto.models import BlindIndexEntry

    keys = PersonKey.objects.using(KEYSTORE_ALIAS).filter(person=person)
    entries = BlindIndexEntry.objects.using(KEYSTORE_ALIAS).filter(person=person)
    versions = sorted(keys.values_list("version", flat=True))
    details = {"reason": reason, "keys": len(versions), "versions": versions, "blind_index_entries": entries.count()}
    with key_change("KEY_DESTROYED", PERSON_KEY, str(person), actor=actor, details=details):
        deleted, _ = keys.delete()
        entries.delete()
        ErasedPerson.objects.using(KEYSTORE_ALIAS).get_or_create(person=person)
    forget_person(person)
    return deleted


def is_erased(person: uuid.UUID) -> bool:
    return ErasedPerson.objects.using(KEYSTORE_ALIAS).filter(person=person).exists()


def service_key(purpose: str, *, bits: int | None = None, create: bool = True) -> tuple[bytes, int | None]:
    """The random key the application uses for ``purpose`` (made on first use), and its stored ``bits``.

    With ``create=False`` a missing key raises :class:`UnknownKeyError` instead of being made.
    """
    cached = _service_keys.get(("service", purpose))
    if cached is not None:
        return cached  # type: ignore[return-value]
    row = ServiceKey.objects.using(KEYSTORE_ALIAS).filter(purpose=purpose).first()
    if row is None and not create:
        raise UnknownKeyError(f"the service key {purpose} does not exist (any more)")
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


def new_service_key(purpose: str, *, bits: int | None) -> None:
    """Make the service key ``purpose`` in the caller's key-store transaction (a new blind-index key version)."""
    raw = os.urandom(DATA_KEY_BYTES)
    root = get_provider().current_version()
    wrapped = get_provider().wrap(root, raw, _service_context(purpose, root))
    ServiceKey.objects.using(KEYSTORE_ALIAS).create(purpose=purpose, root_version=root, wrapped=wrapped, bits=bits)


def forget_service_keys() -> None:
    """Drop the cached service keys of this process (after one was destroyed)."""
    _service_keys.clear()


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
