"""Bulk inserts into the key store without the ORM's per-object cost (bulk loads, re-encryption)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, transaction

from bastion.kernel.batch_sql import execute_many
from bastion.kernel.crypto.router import KEYSTORE_ALIAS


def insert_ignoring_conflicts(
    model: type[models.Model], fields: list[str], rows: Sequence[tuple[Any, ...]], *, batch_size: int = 2000
) -> None:
    """``INSERT ... ON CONFLICT DO NOTHING`` of ``rows`` (values in the order of ``fields``) into ``model``'s table.

    Values are adapted by each field's ``get_db_prep_save``, as the ORM would; parameters are
    always bound, never interpolated, and on PostgreSQL bound on the server
    (``batch_sql.execute_many``): Django's client-side binding quoted every value in Python.
    """
    if not rows:
        return
    connection = connections[KEYSTORE_ALIAS]
    opts = model._meta
    columns: list[Any] = [opts.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(columns))
    sql = (
        f"INSERT INTO {quote(str(opts.db_table))} ({', '.join(quote(field.column) for field in columns)}) "  # noqa: S608 - quoted identifiers from _meta, values bound
        f"VALUES ({placeholders}) ON CONFLICT DO NOTHING"
    )
    prepared = [
        tuple(field.get_db_prep_save(value, connection) for field, value in zip(columns, row, strict=True)) for row in rows
    ]
    with transaction.atomic(using=KEYSTORE_ALIAS):
        for start in range(0, len(prepared), batch_size):
            execute_many(sql, prepared[start : start + batch_size], using=KEYSTORE_ALIAS)
