"""Inserting many new model instances at once, for bulk actions (an import's batch of contacts).

What ``QuerySet.bulk_create`` does for models with a client-side primary key (a UUID set when the
instance is made), without the SQL compiler's per-value work, which dominated a profile of the
contact import (docs/adr/0043): each field's value is taken with ``field.pre_save(obj, add=True)``
(so encrypted fields seal, ``auto_now_add`` stamps) and adapted with ``get_db_prep_save``, exactly
as the ORM would, then sent all at once (``batch_sql.insert_rows``: on PostgreSQL one ``COPY``
stream, ADR 0051; on SQLite one ``INSERT`` run for every row by ``sqlite3``'s C loop). The encrypted fields of an instance
are sealed together (``kernel.crypto.sealing.sealed_values``: the same values ``pre_save`` gives,
with one data-key look-up per record instead of one per value, and the batch's nonces drawn in one
call, ADR 0060); a field whose ``pre_save`` is
Django's own is read with ``getattr``, which is all that method does. Written here because Django
has no cheaper public bulk insert; nothing else about the write changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models

from bastion.kernel.batch_sql import insert_rows
from bastion.kernel.crypto.envelope import NONCE_BYTES, fresh_nonces
from bastion.kernel.crypto.fields import EncryptedMixin
from bastion.kernel.crypto.sealing import sealed_values


def insert_new(model: type[models.Model], objs: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """INSERT ``objs`` (new instances of ``model`` with their primary key set) and mark them saved."""
    if not objs:
        return
    connection = connections[using]
    opts = model._meta
    fields: list[Any] = [field for field in opts.concrete_fields if not getattr(field, "generated", False)]
    if any(getattr(obj, opts.pk.attname) is None for obj in objs):
        raise ValueError(f"insert_new needs the primary key of every {opts.label} set before inserting")
    encrypted = [field for field in fields if isinstance(field, EncryptedMixin)]
    plain = [
        (index, field, type(field).pre_save is models.Field.pre_save)
        for index, field in enumerate(fields)
        if not isinstance(field, EncryptedMixin)
    ]
    places = [index for index, field in enumerate(fields) if isinstance(field, EncryptedMixin)]
    width = NONCE_BYTES * len(encrypted)  # each record's slice of the batch's nonces, drawn in one call
    nonces = fresh_nonces(len(encrypted) * len(objs)) if encrypted else b""
    rows: list[list[Any]] = []
    for number, obj in enumerate(objs):
        row: list[Any] = [None] * len(fields)
        for index, field, default_pre_save in plain:
            value = getattr(obj, field.attname) if default_pre_save else field.pre_save(obj, True)
            row[index] = field.get_db_prep_save(value, connection)
        if encrypted:
            mine = nonces[number * width : (number + 1) * width]
            for index, field, sealed in zip(places, encrypted, sealed_values(encrypted, obj, mine), strict=True):
                row[index] = field.get_db_prep_value(sealed, connection)
        rows.append(row)
    insert_rows(str(opts.db_table), [field.column for field in fields], rows, using=using)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
