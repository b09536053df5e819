"""Inserts into the key store without the ORM's per-object cost: new people's keys and entries, bulk loads, re-encryption."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.db import connections, models, transaction

from bastion.kernel.batch_sql import Sent, execute_many, execute_prepared, insert_values, run_beside, send
from bastion.kernel.crypto.models import BlindIndexEntry, PersonKey
from bastion.kernel.crypto.router import KEYSTORE_ALIAS


def insert_ignoring_conflicts(
    model: type[models.Model], fields: list[str], rows: Sequence[tuple[Any, ...]], *, batch_size: int = 2000
) -> None:
    """``INSERT ... ON CONFLICT DO NOTHING`` of ``rows`` (values in the order of ``fields``) into ``model``'s table.

    Values are adapted by each field's ``get_db_prep_save``, as the ORM would; parameters are
    always bound, never interpolated. On PostgreSQL a batch is one prepared statement that reads
    one array per column (``INSERT ... SELECT * FROM unnest(...)``), sent in binary (``%b``: no
    text quoting of each element): one round trip and one execution on the server, where
    ``executemany`` binds and executes every row. On SQLite ``executemany``, whose loop runs in C.
    """
    if not rows:
        return
    connection = connections[KEYSTORE_ALIAS]
    columns = _fields(model, fields)
    prepared = _adapted(connection, columns, rows)
    postgres = connection.vendor == "postgresql"
    into = _from_arrays(connection, model, columns) if postgres else _from_values(connection, model, columns)
    sql = f"{into} ON CONFLICT DO NOTHING"
    with transaction.atomic(using=KEYSTORE_ALIAS):
        for start in range(0, len(prepared), batch_size):
            batch = prepared[start : start + batch_size]
            if postgres:
                execute_prepared(sql, _as_arrays(batch, len(columns)), using=KEYSTORE_ALIAS)
            else:
                execute_many(sql, batch, using=KEYSTORE_ALIAS)


KEY_COLUMNS = ["person", "version", "root_version", "wrapped", "created_at"]  # of a new PersonKey row
ENTRY_COLUMNS = ["scope", "value", "person"]  # of a BlindIndexEntry row


def send_first_keys(keys: Sequence[tuple[Any, ...]], entries: Sequence[tuple[str, int, uuid.UUID]]) -> Sent:
    """New people's first wrapped data keys and their blind-index entries, committed together; in flight where it can be.

    ``keys`` hold values in the order of :data:`KEY_COLUMNS`, ``entries`` (``(scope, value,
    person)``) in that of :data:`ENTRY_COLUMNS`. The caller waits for the answer
    (:meth:`Sent.wait`) before its own commit.

    On PostgreSQL one statement: the keys inserted in
    a ``WITH`` clause and the entries after them, each from one binary array per column. It is
    atomic, as every statement is, and needs no transaction to open and close. Outside a
    key-store transaction it is sent without waiting (:func:`batch_sql.send`), so the server
    writes and commits it while the caller writes the records it protects (ADR 0054). On SQLite
    two statements in one transaction: for :data:`BESIDE_FROM` people or more, outside a
    key-store transaction, on this process's worker thread while the caller writes its records
    (:func:`batch_sql.run_beside`, ADR 0058); else run now. A person who already has a key makes
    it fail (they were to be new); an entry already there is skipped. Inside a transaction on
    the key store, it joins it.
    """
    if not keys:
        return Sent()
    connection = connections[KEYSTORE_ALIAS]
    key_columns, entry_columns = _fields(PersonKey, KEY_COLUMNS), _fields(BlindIndexEntry, ENTRY_COLUMNS)
    if connection.vendor == "postgresql":
        key_rows, entry_rows = _adapted(connection, key_columns, keys), _adapted(connection, entry_columns, entries)
        keys_in = _from_arrays(connection, PersonKey, key_columns)
        entries_in = _from_arrays(connection, BlindIndexEntry, entry_columns)
        return send(
            f"WITH made AS ({keys_in}) {entries_in} ON CONFLICT DO NOTHING",
            [*_as_arrays(key_rows, len(key_columns)), *_as_arrays(entry_rows, len(entry_columns))],
            using=KEYSTORE_ALIAS,
        )
    keys_into, entries_into = _into(connection, PersonKey, key_columns), _into(connection, BlindIndexEntry, entry_columns)

    def write() -> None:  # the values adapted where they are written: on the worker thread, beside
        writing = connections[KEYSTORE_ALIAS]
        key_rows, entry_rows = _adapted(writing, key_columns, keys), _adapted(writing, entry_columns, entries)
        with transaction.atomic(using=KEYSTORE_ALIAS):
            insert_values(keys_into, key_rows, using=KEYSTORE_ALIAS)
            insert_values(entries_into, entry_rows, tail=" ON CONFLICT DO NOTHING", using=KEYSTORE_ALIAS)

    if len(keys) >= BESIDE_FROM and not connection.in_atomic_block:
        return run_beside(write, using=KEYSTORE_ALIAS)
    write()
    return Sent()


# On SQLite, the fewest new people whose keys are written on the worker thread (ADR 0058): for
# one person the thread's hand-over costs more than it overlaps (bench/crypto_create_compare.py).
BESIDE_FROM = 100


def _fields(model: type[models.Model], names: list[str]) -> list[Any]:
    return [model._meta.get_field(name) for name in names]


def _adapted(connection: Any, columns: list[Any], rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """``rows`` with each value adapted by its field's ``get_db_prep_save``, as the ORM would.

    A value that is the very object of the row before in its column (a batch's key version, its
    time, an entry's scope) is adapted once: the same object adapts the same way. The values each
    row has afresh (a person's id, a wrapped key, an index value) are adapted by
    :func:`_adapter`'s short forms of those methods.
    """
    adapters = [_adapter(field, connection) for field in columns]
    last: list[Any] = [_NOTHING] * len(columns)
    done: list[Any] = [None] * len(columns)
    prepared: list[tuple[Any, ...]] = []
    for number, row in enumerate(rows, start=1):
        if len(row) != len(columns):
            raise ValueError(f"row {number} has {len(row)} values for {len(columns)} columns")
        for i, value in enumerate(row):
            if value is not last[i]:
                last[i], done[i] = value, adapters[i](value)
        prepared.append(tuple(done))
    return prepared


def _adapter(field: Any, connection: Any) -> Any:
    """``field.get_db_prep_save(value, connection)`` for one column, shortened for the value types these rows hold.

    What Django's methods give for them, without their chain of calls: a ``UUID`` in a
    ``UUIDField`` stays a ``UUID`` where the database has the type and becomes its ``hex``
    otherwise; ``bytes`` in a ``BinaryField`` are the driver's ``Binary``; an ``int`` in an
    integer field is what ``adapt_integerfield_value`` makes of it. Any other value, or another
    kind of field, goes through ``get_db_prep_save`` itself.
    """
    full = field.get_db_prep_save

    def slow(value: Any) -> Any:
        return full(value, connection)

    if isinstance(field, models.UUIDField):
        native = connection.features.has_native_uuid_field
        return lambda value: (value if native else value.hex) if type(value) is uuid.UUID else slow(value)
    if isinstance(field, models.BinaryField):
        binary = connection.Database.Binary
        return lambda value: binary(value) if type(value) is bytes else slow(value)
    if isinstance(field, models.IntegerField):
        kind, adapt = field.get_internal_type(), connection.ops.adapt_integerfield_value
        return lambda value: adapt(value, kind) if type(value) is int else slow(value)
    return slow


_NOTHING = object()


def _as_arrays(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """One list per column of ``rows`` (``width`` columns, also when there are no rows)."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


def _into(connection: Any, model: type[models.Model], columns: list[Any]) -> str:
    quote = connection.ops.quote_name
    return f"INSERT INTO {quote(str(model._meta.db_table))} ({', '.join(quote(field.column) for field in columns)})"


def _from_arrays(connection: Any, model: type[models.Model], columns: list[Any]) -> str:
    """PostgreSQL: ``INSERT ... SELECT * FROM unnest(<one binary array per column>)``, typed from ``_meta``."""
    arrays = ", ".join(f"%b::{field.db_type(connection)}[]" for field in columns)
    return f"{_into(connection, model, columns)} SELECT * FROM unnest({arrays})"  # noqa: S608 - quoted identifiers and column types from _meta, values bound


def _from_values(connection: Any, model: type[models.Model], columns: list[Any]) -> str:
    return f"{_into(connection, model, columns)} VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 - as above
