"""One parameterised statement for many rows, at the speed the database driver allows.

Django's PostgreSQL backend binds parameters on the client (psycopg's ``ClientCursor``): every
statement is parsed for placeholders in Python and sent as text, which costs about 90 µs of CPU
per row of a multi-row ``INSERT ... VALUES (...), (...)`` and 30 µs per row of ``executemany``.
psycopg's own server-binding cursor sends the statement once and the rows in one pipeline
(about 15 µs per row, measured in docs/benchmarks.md). :func:`execute_many` uses it on
PostgreSQL, inside the caller's transaction (same connection), and Django's cursor on SQLite,
where ``executemany`` runs in C. It bypasses Django's query logging and execute wrappers, so it
is for bulk writes whose statements are fixed in code (the audit sealer and inbox, bulk inserts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections


def execute_many(sql: str, rows: Sequence[Sequence[Any]], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Run ``sql`` (``%s`` placeholders) once per row of ``rows``, in the current transaction."""
    if not rows:
        return
    connection = connections[using]
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.executemany(sql, rows)
        return
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
