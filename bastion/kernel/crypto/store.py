"""Bulk inserts into the key store without the ORM's per-object cost (bulk loads, re-encryption)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connections, models, transaction

from bastion.kernel.batch_sql import Sent, execute_many, execute_prepared, send
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
    opts = model._meta
    columns: list[Any] = [opts.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    into = f"INSERT INTO {quote(str(opts.db_table))} ({', '.join(quote(field.column) for field in columns)})"
    prepared = [
        tuple(field.get_db_prep_save(value, connection) for field, value in zip(columns, row, strict=True)) for row in rows
    ]
    postgres = connection.vendor == "postgresql"
    if postgres:
        arrays = ", ".join(f"%b::{field.db_type(connection)}[]" for field in columns)
        sql = f"{into} SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING"  # noqa: S608 - quoted identifiers and column types from _meta, values bound
    else:
        sql = f"{into} VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT DO NOTHING"  # noqa: S608 - as above
    with transaction.atomic(using=KEYSTORE_ALIAS):
        for start in range(0, len(prepared), batch_size):
            batch = prepared[start : start + batch_size]
            if postgres:
                execute_prepared(sql, [list(column) for column in zip(*batch, strict=True)], using=KEYSTORE_ALIAS)
            else:
                execute_many(sql, batch, using=KEYSTORE_ALIAS)


KEY_COLUMNS = ["person", "version", "root_version", "wrapped", "created_at"]  # of a new PersonKey row


def insert_first_key(
    person: uuid.UUID, version: int, root_version: int, wrapped: bytes, made: datetime, entries: Sequence[tuple[str, int]]
) -> None:
    """A new person's first wrapped data key and their blind-index entries (``(scope, value)``), committed together."""
    send_first_key(person, version, root_version, wrapped, made, entries).wait()


def send_first_key(
    person: uuid.UUID, version: int, root_version: int, wrapped: bytes, made: datetime, entries: Sequence[tuple[str, int]]
) -> Sent:
    """:func:`insert_first_key`, left in flight where it commits on its own: the caller waits for it before its own commit.

    On PostgreSQL one statement (the key inserted in a ``WITH`` clause, the entries from two
    arrays): one round trip, no transaction to open and close, atomic as every statement is.
    Outside a key-store transaction it is sent without waiting (:func:`batch_sql.send`), so the
    server writes and commits it while the caller writes the record it protects (ADR 0054).
    On SQLite two statements in one transaction, run now. Either way none of the ORM's
    per-object work: this runs once per record created. Inside a transaction on the key
    store, it joins it.
    """
    connection = connections[KEYSTORE_ALIAS]
    key_fields: list[Any] = [PersonKey._meta.get_field(name) for name in KEY_COLUMNS]
    key_row = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(key_fields, (person, version, root_version, wrapped, made), strict=True)
    ]
    keys, index = _quoted_table(connection, PersonKey), _quoted_table(connection, BlindIndexEntry)
    key_insert = f"INSERT INTO {keys} ({', '.join(KEY_COLUMNS)}) VALUES ({', '.join(['%s'] * len(KEY_COLUMNS))})"  # noqa: S608 - quoted table names, values bound
    if connection.vendor == "postgresql":
        return send(
            f"WITH made AS ({key_insert}) INSERT INTO {index} (scope, value, person) "  # noqa: S608 - as above
            "SELECT entry.scope, entry.value, %s FROM unnest(%b::varchar[], %b::bigint[]) AS entry(scope, value) "
            "ON CONFLICT DO NOTHING",
            [*key_row, key_row[0], [scope for scope, _value in entries], [value for _scope, value in entries]],
            using=KEYSTORE_ALIAS,
        )
    entry_insert = f"INSERT INTO {index} (scope, value, person) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING"  # noqa: S608 - as above
    with transaction.atomic(using=KEYSTORE_ALIAS):
        execute_prepared(key_insert, key_row, using=KEYSTORE_ALIAS)
        for scope, value in entries:
            execute_prepared(entry_insert, [scope, value, key_row[0]], using=KEYSTORE_ALIAS)
    return Sent()


def _quoted_table(connection: Any, model: type[models.Model]) -> str:
    return str(connection.ops.quote_name(str(model._meta.db_table)))
