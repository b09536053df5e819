"""One parameterised statement for many rows, at the speed the database driver allows.

Django's PostgreSQL backend binds parameters on the client (psycopg's ``ClientCursor``): every
statement is parsed for placeholders in Python and sent as text, which costs about 90 µs of CPU
per row of a multi-row ``INSERT ... VALUES (...), (...)`` and 30 µs per row of ``executemany``.
psycopg's own server-binding cursor sends the statement once and the rows in one pipeline
(about 15 µs per row, measured in docs/benchmarks.md). :func:`execute_many` uses it on
PostgreSQL, inside the caller's transaction (same connection), and ``sqlite3``'s own
``executemany``, whose loop runs in C, on SQLite. It bypasses Django's query logging and execute wrappers, so it
is for bulk writes whose statements are fixed in code (the audit sealer and inbox, bulk inserts).

:func:`fetch_one_prepared` is its counterpart for one fixed statement run very often (the audit
inbox's INSERT, once per recorded event): prepared once per connection on PostgreSQL, so the
server does not parse and plan it each time, and sent straight to ``sqlite3`` on SQLite.

:func:`run_beside` is SQLite's counterpart: work on a thread of this process, with a connection
of its own, while the caller goes on (ADR 0058); :func:`insert_values` writes many rows in a
statement that runs without the GIL.

:func:`send` puts one fixed statement in flight on a connection in autocommit mode and returns at
once: the server runs and commits it while this process goes on with other work (on another
database), and :meth:`Sent.wait` reads the answer, raising its error if it failed (ADR 0054).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper


def execute_many(sql: str, rows: Sequence[Sequence[Any]], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Run ``sql`` (``%s`` placeholders) once per row of ``rows``, in the current transaction."""
    if not rows:
        return
    connection = connections[using]
    _answer_first(connection)
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.executemany(sql, rows)
        return
    connection.ensure_connection()
    with connection.wrap_database_errors:
        connection.connection.executemany(_qmark(sql), rows)


def insert_values(head: str, rows: Sequence[Sequence[Any]], *, tail: str = "", using: str = DEFAULT_DB_ALIAS) -> None:
    """SQLite: ``head VALUES (...), (...), ... tail`` with as many rows as one statement may bind, in the current transaction.

    Each statement runs in one ``sqlite3_step``, during which ``sqlite3`` lets go of the GIL, where
    ``executemany`` takes the GIL back after each row: on a thread beside busy Python code
    (:func:`run_beside`), waiting for the GIL after every row would cost more than the rows.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        raise ValueError(f"insert_values is for SQLite; {using!r} is {connection.vendor}")
    if not rows:
        return
    _answer_first(connection)
    width = len(rows[0])
    per = max(1, _SQLITE_VARIABLES // width)
    connection.ensure_connection()
    with connection.wrap_database_errors:
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            values = ", ".join(["(" + ", ".join("?" * width) + ")"] * len(chunk))
            connection.connection.execute(f"{head} VALUES {values}{tail}", [value for row in chunk for value in row])


_SQLITE_VARIABLES = 32_766  # SQLite's bound parameters per statement, the least of any build since 3.32


def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Insert ``rows`` (values in the order of ``columns``) into ``table``, in the current transaction.

    On PostgreSQL through ``COPY ... FROM STDIN`` (one stream for all rows: about 30 % less CPU,
    on the client and on the server, than ``executemany``'s Bind and Execute per row; ADR 0051);
    elsewhere :func:`execute_many` of one ``INSERT``. ``table`` and ``columns`` are names fixed in code, not input.
    """
    if not rows:
        return
    connection = connections[using]
    _answer_first(connection)
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
    _answer_first(connection)
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


class Sent:
    """A statement :func:`send` put in flight: :meth:`wait` reads its answer (at most once; then it is done).

    Until then the statement holds its connection: any other statement on it, through Django's
    cursor (an execute wrapper) or this module, waits for the answer first. A transaction must
    not be opened or closed on that connection in between (psycopg would refuse: a command is
    still in progress).
    """

    def __init__(self, connection: Any = None) -> None:
        self._connection = connection
        if connection is not None:
            connection.execute_wrappers.append(self._answer_before)
            connection._bastion_sent = self

    def wait(self) -> None:
        """Read the answer; raise the statement's error, as django.db's own, if it failed."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        connection.execute_wrappers.remove(self._answer_before)
        connection._bastion_sent = None
        self._answer(connection)

    def _answer(self, connection: Any) -> None:
        from psycopg import errors, generators, pq

        raw = connection.connection
        with connection.wrap_database_errors:
            for result in raw.wait(generators.fetch_many(raw.pgconn)):
                if result.status == pq.ExecStatus.FATAL_ERROR:
                    raise errors.error_from_result(result, encoding=raw.info.encoding)

    def _answer_before(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.wait()
        return execute(sql, params, many, context)


def send(sql: str, params: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS) -> Sent:
    """Run the fixed statement ``sql`` (``%s``, or ``%b`` for binary) without waiting for its answer, where that is safe.

    On a PostgreSQL connection in autocommit mode the statement is sent as one message (parse,
    bind, execute, sync: the server commits it on its own) and this returns at once; the caller
    does its other work and then calls :meth:`Sent.wait`. Anywhere else (SQLite, or inside a
    transaction on that connection, which psycopg opens lazily) it runs now, as
    :func:`execute_prepared`, and the returned :class:`Sent` has nothing left to wait for.
    """
    connection = connections[using]
    _answer_first(connection)
    if connection.vendor != "postgresql" or not connection.get_autocommit():
        execute_prepared(sql, params, using=using)
        return Sent()
    from psycopg import adapt, generators

    connection.ensure_connection()
    raw = connection.connection
    query, formats = _numbered(sql)
    dumper = adapt.Transformer(raw)
    values = dumper.dump_sequence(params, formats)
    with connection.wrap_database_errors:
        raw.pgconn.send_query_params(query, values, param_types=dumper.types, param_formats=dumper.formats)
        raw.wait(generators.send(raw.pgconn))
    return Sent(connection)


class _Beside(Sent):
    """Work :func:`run_beside` handed to this process's worker thread: :meth:`wait` waits for it to end."""

    def __init__(self, connection: Any, done: Future[None]) -> None:
        self._done = done
        super().__init__(connection)

    def _answer(self, connection: Any) -> None:
        self._done.result()


def run_beside(work: Callable[[], None], *, using: str = DEFAULT_DB_ALIAS) -> Sent:
    """Start ``work``, statements on ``using``, on a thread of this process with a connection of its own; return at once.

    SQLite's counterpart of :func:`send` (ADR 0058): a SQLite statement runs in this process,
    so the only way to overlap it with the caller's other work (on another database) is another
    thread. ``sqlite3`` lets go of the GIL while SQLite works, so the two go on at once on two
    cores. ``work`` runs on the thread's own connection to the same database (it must take
    ``connections[using]`` itself: through this module's functions, say), and commits there.
    Until :meth:`Sent.wait`, any other statement on this thread's connection to ``using`` waits
    for it first, as after :func:`send`; ``wait`` raises ``work``'s error.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        # The thread would keep a connection of its own open to the server; PostgreSQL has send().
        raise ValueError(f"run_beside is for SQLite; {using!r} is {connection.vendor}")
    _answer_first(connection)
    return _Beside(connection, _worker().submit(_on_own_connection, work, using))


def _on_own_connection(work: Callable[[], None], using: str) -> None:
    connection: Any = connections[using]  # the worker thread's own
    name = connection.settings_dict["NAME"]
    if connection.connection is not None and getattr(connection, "_bastion_opened_as", None) != name:
        # The database was switched (a test's, a benchmark's) since this was opened. Django's SQLite
        # close() would keep it open if the new name is an in-memory database's; the base class's closes it.
        BaseDatabaseWrapper.close(connection)
    connection.close_if_unusable_or_obsolete()  # as after a request: CONN_MAX_AGE, and after an error
    connection.ensure_connection()
    connection._bastion_opened_as = name
    work()


_WORKER: dict[int, ThreadPoolExecutor] = {}
_WORKER_LOCK = threading.Lock()


def _worker() -> ThreadPoolExecutor:
    """This process's one worker thread (a forked child makes its own: threads do not survive ``fork``)."""
    with _WORKER_LOCK:
        worker = _WORKER.get(os.getpid())
        if worker is None:
            _WORKER.clear()
            worker = _WORKER[os.getpid()] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bastion-beside")
        return worker


def _answer_first(connection: Any) -> None:
    """Wait for the answer of a statement :func:`send` left in flight on ``connection``, if any."""
    sent = getattr(connection, "_bastion_sent", None)
    if sent is not None:
        sent.wait()


_NUMBERED: dict[str, tuple[bytes, list[Any]]] = {}
_PLACEHOLDER = re.compile(r"%([sb])")


def _numbered(sql: str) -> tuple[bytes, list[Any]]:
    """``sql`` with PostgreSQL's numbered placeholders (``$1``...), and each parameter's wanted format."""
    found = _NUMBERED.get(sql)
    if found is None:
        from psycopg.adapt import PyFormat

        parts = _PLACEHOLDER.split(sql)
        query = "".join(part if i % 2 == 0 else f"${i // 2 + 1}" for i, part in enumerate(parts))
        formats = [PyFormat.BINARY if kind == "b" else PyFormat.AUTO for kind in parts[1::2]]
        found = _NUMBERED[sql] = (query.encode(), formats)
    return found
