"""One parameterised statement for many rows, at the speed the database driver allows.

Django's PostgreSQL backend binds parameters on the client (psycopg's ``ClientCursor``): every
statement is parsed for placeholders in Python and sent as text, which costs about 90 µs of CPU
per row of a multi-row ``INSERT ... VALUES (...), (...)`` and 30 µs per row of ``executemany``.
psycopg's own server-binding cursor sends the statement once and the rows in one pipeline
(about 15 µs per row, measured in docs/benchmarks.md). :func:`execute_many` uses it on
PostgreSQL, inside the caller's transaction (same connection), and Django's cursor on SQLite,
where ``executemany`` runs in C. It bypasses Django's query logging and execute wrappers, so it
is for bulk writes whose statements are fixed in code (the audit sealer and inbox, bulk inserts).

:func:`fetch_one_prepared` is its counterpart for one fixed statement run very often (the audit
inbox's INSERT, once per recorded event): prepared once per connection on PostgreSQL, so the
server does not parse and plan it each time, and sent straight to ``sqlite3`` on SQLite.
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


def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Insert ``rows`` (values in the order of ``columns``) into ``table``, in the current transaction.

    On PostgreSQL through ``COPY ... FROM STDIN`` (one stream for all rows: about 30 % less CPU,
    on the client and on the server, than ``executemany``'s Bind and Execute per row; ADR 0051);
    elsewhere :func:`execute_many` of one ``INSERT``. ``table`` and ``columns`` are names fixed in code, not input.
    """
    if not rows:
        return
    connection = connections[using]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    if connection.vendor != "postgresql":
        placeholders = ", ".join(["%s"] * len(columns))
        execute_many(f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})", rows, using=using)  # noqa: S608
        return
    import psycopg

    connection.ensure_connection()
    statement = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def fetch_one_prepared(sql: str, params: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS) -> tuple[Any, ...] | None:
    """Run the fixed statement ``sql`` (``%s`` placeholders) in the current transaction; its first row.

    Errors are raised as django.db's own. For statements fixed in code and run per event, where
    Django's cursor wrapper and the server's parse and plan are a large share of the cost: the
    PostgreSQL cursor is kept with its connection and reused, and Django's error translation is
    entered only when there is an error to translate.
    """
    return _run_prepared(sql, params, using, fetch="one")


def fetch_all_prepared(sql: str, params: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS) -> list[tuple[Any, ...]]:
    """:func:`fetch_one_prepared`, returning every row."""
    return _run_prepared(sql, params, using, fetch="all")


def execute_prepared(sql: str, params: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """:func:`fetch_one_prepared` for a statement that returns no rows.

    Outside a transaction the statement commits on its own, as one statement always does.
    """
    _run_prepared(sql, params, using, fetch=None)


def _run_prepared(sql: str, params: Sequence[Any], using: str, *, fetch: str | None) -> Any:
    connection = connections[using]
    if connection.connection is None:
        connection.ensure_connection()
    try:
        if connection.vendor == "postgresql":
            cursor = _kept_cursor(connection)
            cursor.execute(sql, params, prepare=True)
        else:  # SQLite
            cursor = connection.connection.execute(_qmark(sql), params)
        if fetch is None:
            return None
        return cursor.fetchone() if fetch == "one" else cursor.fetchall()
    except Exception:
        with connection.wrap_database_errors:  # re-raised as django.db's error, as Django's cursor does
            raise


def _kept_cursor(connection: Any) -> Any:
    """A psycopg server-binding cursor on ``connection``'s current psycopg connection, made once per connection."""
    raw = connection.connection
    cursor = getattr(connection, "_bastion_prepared_cursor", None)
    if cursor is None or cursor.connection is not raw or cursor.closed:
        import psycopg

        cursor = connection._bastion_prepared_cursor = psycopg.Cursor(raw)
    return cursor


_QMARK: dict[str, str] = {}


def _qmark(sql: str) -> str:
    """``sql`` with sqlite3's placeholders (statements fixed in code: no literal ``%s`` in them)."""
    found = _QMARK.get(sql)
    if found is None:
        found = _QMARK[sql] = sql.replace("%s", "?")
    return found
