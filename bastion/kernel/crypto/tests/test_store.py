"""The key store's own inserts (kernel/crypto/store.py): what they write, what they skip, and that they are whole."""

from __future__ import annotations

import uuid
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from bastion.kernel.crypto import blind, keyring
from bastion.kernel.crypto.models import BlindIndexEntry, PersonKey
from bastion.kernel.crypto.router import KEYSTORE_ALIAS
from bastion.kernel.crypto.store import insert_ignoring_conflicts, send_first_keys

KEYS = PersonKey.objects.using(KEYSTORE_ALIAS)
ENTRIES = BlindIndexEntry.objects.using(KEYSTORE_ALIAS)
EMAILS = "directory.contact.email"


def _store_first_keys(keys: list[tuple[Any, ...]], entries: list[tuple[str, int, uuid.UUID]]) -> None:
    send_first_keys(keys, entries).wait()


def _stored(person: uuid.UUID) -> tuple[list[tuple[int, int, bytes, datetime]], set[tuple[str, int]]]:
    keys = [(row.version, row.root_version, bytes(row.wrapped), row.created_at) for row in KEYS.filter(person=person)]
    return keys, set(ENTRIES.filter(person=person).values_list("scope", "value"))


@pytest.mark.django_db
def test_inserts_store_every_value_as_given_across_batches_and_skip_rows_already_there() -> None:
    made = datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=UTC)
    people = [uuid.uuid4() for _ in range(5)]
    insert_ignoring_conflicts(
        PersonKey, ["person", "version", "root_version", "wrapped", "created_at"], [(people[0], 1, 1, b"first", made)]
    )
    rows = [(person, 1, 2, bytes([i]) * 40 + b"\x00\xff", made + timedelta(seconds=i)) for i, person in enumerate(people)]
    insert_ignoring_conflicts(PersonKey, ["person", "version", "root_version", "wrapped", "created_at"], rows, batch_size=2)

    assert _stored(people[0])[0] == [(1, 1, b"first", made)]  # the row already there is left as it was
    for i, person in enumerate(people[1:], start=1):
        assert _stored(person)[0] == [(1, 2, bytes([i]) * 40 + b"\x00\xff", made + timedelta(seconds=i))]
    entries = [(EMAILS, 2**40 + i, person) for i, person in enumerate(people)]
    insert_ignoring_conflicts(BlindIndexEntry, ["scope", "value", "person"], [*entries, entries[0]], batch_size=3)
    assert sorted(ENTRIES.filter(person__in=people).values_list("value", flat=True)) == [2**40 + i for i in range(5)]


@pytest.mark.django_db
def test_first_keys_are_stored_with_their_entries() -> None:
    person = uuid.uuid4()
    made = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    _store_first_keys(
        [(person, 3, 4, b"wrapped key", made)], [(EMAILS, 17, person), (f"{EMAILS}@v2", 2**33, person), (EMAILS, 17, person)]
    )
    assert _stored(person) == ([(3, 4, b"wrapped key", made)], {(EMAILS, 17), (f"{EMAILS}@v2", 2**33)})
    alone = uuid.uuid4()
    _store_first_keys([(alone, 3, 4, b"no entries", made)], [])
    assert _stored(alone) == ([(3, 4, b"no entries", made)], set())
    people = [uuid.uuid4() for _ in range(3)]
    _store_first_keys(
        [(p, 1, 2, bytes([i]) * 44, made) for i, p in enumerate(people)],
        [(EMAILS, 2**40 + i, p) for i, p in enumerate(people[:2])],
    )
    assert [_stored(p) for p in people] == [
        ([(1, 2, bytes([0]) * 44, made)], {(EMAILS, 2**40)}),
        ([(1, 2, bytes([1]) * 44, made)], {(EMAILS, 2**40 + 1)}),
        ([(1, 2, bytes([2]) * 44, made)], set()),
    ]


def _a_second_first_key_leaves_nothing(*, in_savepoint: bool) -> None:
    person = uuid.uuid4()
    blind.enrol(person, {EMAILS: ["ann@x.example"]})
    before = _stored(person)
    assert len(before[0]) == 1 and len(before[1]) == 1
    keyring.clear_caches()
    # Inside the test's transaction a savepoint keeps it usable after the error (PostgreSQL).
    with pytest.raises(IntegrityError), transaction.atomic(using=KEYSTORE_ALIAS) if in_savepoint else nullcontext():
        blind.enrol(person, {EMAILS: ["someone.else@x.example"], "directory.contact.phone": ["442079460000"]})
    assert _stored(person) == before  # neither the key nor any entry of the failed write
    assert blind.lookup(EMAILS, "someone.else@x.example") == []
    assert blind.lookup(EMAILS, "ann@x.example") == [person]


@pytest.mark.django_db
def test_a_first_key_that_cannot_be_stored_takes_its_entries_with_it_inside_a_transaction() -> None:
    _a_second_first_key_leaves_nothing(in_savepoint=True)


@pytest.mark.django_db(transaction=True, databases=["default", "keys"])
def test_a_first_key_that_cannot_be_stored_takes_its_entries_with_it_on_its_own() -> None:
    """Outside any transaction, as in a request: the key store is written before the main transaction commits."""
    assert not transaction.get_connection(KEYSTORE_ALIAS).in_atomic_block
    _a_second_first_key_leaves_nothing(in_savepoint=False)


@pytest.mark.django_db
def test_a_value_repeated_from_row_to_row_is_stored_in_every_row_and_a_short_row_is_refused() -> None:
    made, other = datetime(2026, 11, 30, 16, 0, tzinfo=UTC), datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    people = [uuid.uuid4() for _ in range(4)]
    times = [made, made, other, made]  # the same object twice running, then another, then the first again
    _store_first_keys([(p, 1, 1, b"k" * 44, when) for p, when in zip(people, times, strict=True)], [])
    assert [_stored(p)[0][0][3] for p in people] == times
    with pytest.raises(ValueError, match="row 2 has 4 values for 5 columns"):
        _store_first_keys([(uuid.uuid4(), 1, 1, b"k" * 44, made), (uuid.uuid4(), 1, 1, b"k" * 44)], [])


@pytest.mark.django_db(databases=["default", "keys"])
def test_short_adapters_give_what_the_fields_own_methods_give() -> None:
    from django.db import connections

    from bastion.kernel.crypto.store import KEY_COLUMNS, _adapter, _fields

    connection = connections[KEYSTORE_ALIAS]
    person = uuid.uuid4()
    samples: dict[str, list[Any]] = {
        "person": [person, str(person), None],
        "version": [1, 2**31 + 5, "7", None],
        "wrapped": [b"\x00wrapped", bytearray(b"ba"), None],
        "created_at": [datetime(2026, 11, 30, 18, 0, tzinfo=UTC), None],
    }
    fields = dict(zip(KEY_COLUMNS, _fields(PersonKey, KEY_COLUMNS), strict=True))
    for name, values in samples.items():
        field = fields[name]
        adapt = _adapter(field, connection)
        for value in values:
            short, full = adapt(value), field.get_db_prep_save(value, connection)
            assert type(short) is type(full) and _as_stored(short) == _as_stored(full), (name, value)


def _as_stored(adapted: Any) -> Any:
    """What a driver's wrapper (psycopg's ``Binary``, sqlite3's ``memoryview``, psycopg's ``Int8``) holds."""
    inner = getattr(adapted, "obj", adapted)
    return bytes(inner) if isinstance(inner, memoryview | bytearray) else inner


@pytest.mark.django_db(databases=["default", KEYSTORE_ALIAS])
def test_a_key_store_commit_is_on_disk_before_it_returns() -> None:
    """A data key must outlive a power loss once committed (docs/adr/0065): SQLite syncs every commit of
    the key store (synchronous=FULL, where the main database keeps WAL's NORMAL); PostgreSQL waits for
    its WAL flush (synchronous_commit on)."""
    from django.db import connections

    keys, main = connections[KEYSTORE_ALIAS], connections["default"]
    with keys.cursor() as cursor:
        if keys.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 2  # FULL
            with main.cursor() as main_cursor:
                main_cursor.execute("PRAGMA synchronous")
                assert main_cursor.fetchone()[0] == 1  # NORMAL
        else:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] in ("on", "remote_write", "remote_apply")
