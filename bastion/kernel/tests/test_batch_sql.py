"""Fixed statements sent through the driver's own cursor (bastion.kernel.batch_sql)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

from bastion.kernel import batch_sql
from bastion.kernel.batch_sql import execute_many, fetch_one_prepared, insert_rows, insert_values, run_beside, send

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = "kernel_batch_sql_probe"


@pytest.fixture
def probe_table() -> Iterator[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, label varchar(20) NOT NULL)")
    yield TABLE
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {TABLE}")


def _rows() -> list[tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, label FROM {TABLE} ORDER BY id")  # noqa: S608 - a constant table name
        return [tuple(row) for row in cursor.fetchall()]


def test_statements_run_in_the_callers_transaction(probe_table: str) -> None:
    """Rows written through the driver's cursor commit and roll back with the caller's transaction."""
    insert = f"INSERT INTO {TABLE} (id, label) VALUES (%s, %s)"  # noqa: S608
    with transaction.atomic():
        execute_many(insert, [(1, "kept"), (2, "kept too")])
        assert fetch_one_prepared(f"SELECT count(*) FROM {TABLE} WHERE label LIKE %s", ["kept%"]) == (2,)  # noqa: S608
    with pytest.raises(RuntimeError), transaction.atomic():
        execute_many(insert, [(3, "rolled back")])
        fetch_one_prepared(f"{insert} RETURNING id", [4, "rolled back"])
        raise RuntimeError("the change fails after the writes")
    assert _rows() == [(1, "kept"), (2, "kept too")]


def test_errors_are_djangos_and_name_the_problem(probe_table: str) -> None:
    """A failing statement raises django.db's error (a duplicate key here) and writes nothing."""
    with transaction.atomic():
        execute_many(f"INSERT INTO {TABLE} (id, label) VALUES (%s, %s)", [(1, "first")])  # noqa: S608
    with pytest.raises(DatabaseError), transaction.atomic():
        fetch_one_prepared(f"INSERT INTO {TABLE} (id, label) VALUES (%s, %s) RETURNING id", [1, "duplicate"])  # noqa: S608
    assert _rows() == [(1, "first")]


def test_a_fixed_statement_runs_on_after_an_error_and_after_the_connection_is_reopened(probe_table: str) -> None:
    """The kept cursor (PostgreSQL) follows its connection: it is remade after a reconnect, and an error does not spoil it."""
    select = f"SELECT label FROM {TABLE} WHERE id = %s"  # noqa: S608
    with transaction.atomic():
        execute_many(f"INSERT INTO {TABLE} (id, label) VALUES (%s, %s)", [(1, "one")])  # noqa: S608
    with pytest.raises(DatabaseError), transaction.atomic():
        fetch_one_prepared(f"SELECT label FROM {TABLE} WHERE id = %s::integer", ["not a number"])  # noqa: S608
    assert fetch_one_prepared(select, [1]) == ("one",)
    connection.close()
    assert fetch_one_prepared(select, [1]) == ("one",)
    assert fetch_one_prepared(select, [2]) is None


TRICKY_TEXT = ["tab\there", "line\nbreak", "back\\slash \\N", "", "引号 'quote' \"double\"", "\\.", "null\x01byte-free"]


def test_insert_rows_keeps_every_value_exactly(probe_table: str) -> None:
    """Text that COPY's format escapes (tabs, newlines, backslashes, an empty string, ``\\N``) comes back unchanged."""
    with transaction.atomic():
        insert_rows(TABLE, ["id", "label"], [(n, text) for n, text in enumerate(TRICKY_TEXT)])
    assert _rows() == list(enumerate(TRICKY_TEXT))


def test_insert_rows_is_all_or_nothing_with_the_callers_transaction(probe_table: str) -> None:
    """A duplicate key anywhere in the rows raises django.db's error and inserts none of them."""
    with transaction.atomic():
        insert_rows(TABLE, ["id", "label"], [(1, "first")])
    with pytest.raises(DatabaseError), transaction.atomic():
        insert_rows(TABLE, ["id", "label"], [(2, "second"), (1, "duplicate"), (3, "third")])
    assert _rows() == [(1, "first")]


ONLY_POSTGRESQL = "prepared statements are PostgreSQL's; SQLite runs these through sqlite3"


@pytest.mark.skipif(connection.vendor != "postgresql", reason=ONLY_POSTGRESQL)
def test_a_fixed_statement_is_prepared_once_per_connection(probe_table: str) -> None:
    statement = f"SELECT label FROM {TABLE} WHERE id = %s"  # noqa: S608
    with transaction.atomic():
        execute_many(f"INSERT INTO {TABLE} (id, label) VALUES (%s, %s)", [(1, "one"), (2, "two")])  # noqa: S608
    assert [fetch_one_prepared(statement, [n]) for n in (1, 2, 1)] == [("one",), ("two",), ("one",)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"SELECT label FROM {TABLE}%"])  # noqa: S608
        assert cursor.fetchone()[0] == 1


@pytest.mark.parametrize(("value", "expected"), [(None, {"prepare_threshold": 5}), ("off", {})])
def test_prepared_statements_can_be_turned_off_for_a_pooler(tmp_path: Path, value: str | None, expected: dict[str, int]) -> None:
    """BASTION_DB_PREPARED_STATEMENTS=off leaves psycopg's prepared statements off (Django's default)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_") and k != "DATABASE_URL"}
    env.update({"BASTION_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgres://bastion@127.0.0.1:5432/crm"})
    if value is not None:
        env["BASTION_DB_PREPARED_STATEMENTS"] = value
    code = "import json, bastion.settings as s; print(json.dumps(s.DATABASES['default'].get('OPTIONS', {})))"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(result.stdout) == expected


def test_a_sent_statement_commits_on_its_own_and_another_statement_waits_for_its_answer(probe_table: str) -> None:
    """``send`` in autocommit: committed once answered; a statement on the same connection meanwhile reads the answer first."""
    sent = send(f"INSERT INTO {TABLE} (id, label) VALUES (%s, %s)", [1, "sent"])  # noqa: S608
    in_flight = connection.vendor == "postgresql"
    assert (getattr(connection, "_bastion_sent", None) is sent) is in_flight  # SQLite: run at once
    assert _rows() == [(1, "sent")]  # Django's cursor: the wrapper waited for the answer first
    assert getattr(connection, "_bastion_sent", None) is None and not connection.execute_wrappers
    sent.wait()  # already answered: nothing left to read
    other = send(f"INSERT INTO {TABLE} (id, label) VALUES (%s, %s)", [2, "then"])  # noqa: S608
    assert fetch_one_prepared(f"SELECT count(*) FROM {TABLE}", []) == (2,)  # noqa: S608 - this module's own path waits too
    other.wait()


def test_a_sent_statement_that_fails_raises_djangos_error_when_answered_and_writes_nothing(probe_table: str) -> None:
    insert = f"INSERT INTO {TABLE} (id, label) VALUES (%s, %s)"  # noqa: S608
    send(insert, [1, "first"]).wait()
    if connection.vendor == "postgresql":
        sent = send(insert, [1, "duplicate"])  # sent: the error comes with the answer
        with pytest.raises(IntegrityError, match="kernel_batch_sql_probe_pkey"):
            sent.wait()
    else:
        with pytest.raises(IntegrityError, match="UNIQUE constraint failed"):
            send(insert, [1, "duplicate"])  # run at once
    assert _rows() == [(1, "first")]  # and the connection works on
    assert not connection.execute_wrappers


def test_inside_a_transaction_a_statement_is_run_at_once_and_rolls_back_with_it(probe_table: str) -> None:
    """psycopg opens the transaction lazily, so a statement sent past it would commit on its own: it is run instead."""
    with pytest.raises(RuntimeError), transaction.atomic():
        sent = send(f"INSERT INTO {TABLE} (id, label) VALUES (%s, %s)", [1, "rolled back"])  # noqa: S608
        assert getattr(connection, "_bastion_sent", None) is None
        sent.wait()
        raise RuntimeError("the change fails after the write")
    assert _rows() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="arrays and binary parameters (%b) are PostgreSQL's")
def test_binary_and_text_parameters_keep_their_values(probe_table: str) -> None:
    sent = send(f"INSERT INTO {TABLE} (id, label) SELECT * FROM unnest(%b::integer[], %b::varchar[])", [[1, 2], ["二", "it's"]])  # noqa: S608
    sent.wait()
    assert _rows() == [(1, "二"), (2, "it's")]


SQLITE = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="run_beside and insert_values are for SQLite; PostgreSQL has send",
)
INSERT = f"INSERT INTO {TABLE} (id, label)"


@contextmanager
def _default_database_switched(**settings: Any) -> Iterator[None]:
    """The default alias's settings changed in place, as a benchmark or a test switches databases; restored after."""
    settings_dict = connection.settings_dict
    saved = {name: settings_dict[name] for name in settings}
    settings_dict.update(settings)
    try:
        yield
    finally:
        settings_dict.update(saved)


@SQLITE
def test_work_run_beside_commits_on_a_thread_and_connection_of_its_own_and_a_statement_here_waits_for_it(
    probe_table: str,
) -> None:
    started, go_on = threading.Event(), threading.Event()
    seen: dict[str, Any] = {}

    def work() -> None:
        seen["thread"], seen["connection"] = threading.get_ident(), connections["default"]
        with transaction.atomic():
            insert_values(INSERT, [(1, "beside"), (2, "too")])
            started.set()
            go_on.wait(30)

    sent = run_beside(work)
    assert started.wait(30)  # the work is under way, uncommitted, while this thread goes on
    assert seen["thread"] != threading.get_ident() and seen["connection"] is not connection
    assert getattr(connection, "_bastion_sent", None) is sent
    go_on.set()
    assert _rows() == [(1, "beside"), (2, "too")]  # Django's cursor here waited for the work to commit
    assert getattr(connection, "_bastion_sent", None) is None and not connection.execute_wrappers
    sent.wait()  # already answered: nothing left to wait for


@SQLITE
def test_work_beside_that_fails_raises_djangos_error_on_wait_and_writes_nothing(probe_table: str) -> None:
    def work() -> None:
        with transaction.atomic():
            insert_values(INSERT, [(1, "first"), (1, "the same id")])

    sent = run_beside(work)
    with pytest.raises(IntegrityError, match="UNIQUE constraint failed: kernel_batch_sql_probe.id"):
        sent.wait()
    assert _rows() == [] and not connection.execute_wrappers
    run_beside(lambda: insert_values(INSERT, [(3, "after")])).wait()  # the worker's connection works on
    assert _rows() == [(3, "after")]


@SQLITE
def test_the_worker_opens_its_connection_again_when_the_database_was_switched(tmp_path: Path) -> None:
    """A benchmark or a test points an alias at another file: the worker must not go on writing to the old one."""
    seen: list[str] = []

    def where() -> None:
        seen.append(connections["default"].connection.execute("PRAGMA database_list").fetchone()[2])

    other = tmp_path / "other.sqlite3"
    run_beside(where).wait()
    with _default_database_switched(NAME=str(other)):
        run_beside(where).wait()
    run_beside(where).wait()
    assert seen[1] == str(other) and seen[2] == seen[0] != str(other)


@SQLITE
def test_the_workers_connection_is_kept_for_conn_max_age_as_a_requests_is(tmp_path: Path) -> None:
    seen: list[Any] = []

    def which() -> None:
        seen.append(connections["default"].connection)  # kept alive here, so a new one cannot reuse its id

    with _default_database_switched(NAME=str(tmp_path / "aged.sqlite3"), CONN_MAX_AGE=0):
        run_beside(which).wait()
        run_beside(which).wait()
    run_beside(which).wait()
    run_beside(which).wait()
    assert seen[1] is not seen[0]  # CONN_MAX_AGE 0: a connection per piece of work
    assert seen[3] is seen[2]  # the default (60 s): kept


@SQLITE
def test_a_forked_process_makes_a_worker_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads do not survive fork: a child that used its parent's worker would wait for ever."""
    parents = batch_sql._worker()
    assert batch_sql._worker() is parents
    monkeypatch.setattr(batch_sql.os, "getpid", lambda: -1)  # as in a forked child
    childs = batch_sql._worker()
    assert childs is not parents and childs.submit(threading.get_ident).result(timeout=30) != threading.get_ident()
    monkeypatch.undo()
    assert batch_sql._worker() is not childs
    childs.shutdown()


@SQLITE
def test_insert_values_binds_as_many_rows_as_one_statement_may(probe_table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_sql, "_SQLITE_VARIABLES", 5)  # two rows of two values per statement
    statements: list[str] = []
    connection.ensure_connection()
    connection.connection.set_trace_callback(statements.append)
    try:
        insert_values(INSERT, [(i, f"row {i}") for i in range(1, 6)], tail=" ON CONFLICT DO NOTHING")
        insert_values(INSERT, [(5, "again")], tail=" ON CONFLICT DO NOTHING")
    finally:
        connection.connection.set_trace_callback(None)
    assert _rows() == [(i, f"row {i}") for i in range(1, 6)]
    inserts = [sql for sql in statements if sql.startswith("INSERT")]
    assert [sql.count("), (") + 1 for sql in inserts] == [2, 2, 1, 1]
    with pytest.raises(IntegrityError, match="UNIQUE constraint failed: kernel_batch_sql_probe.id"):
        insert_values(INSERT, [(6, "new"), (1, "taken")])
    assert len(_rows()) == 5  # the failed statement wrote none of its rows


@pytest.mark.skipif(connection.vendor == "sqlite", reason="the refusal is for databases other than SQLite")
def test_run_beside_and_insert_values_refuse_other_databases() -> None:
    with pytest.raises(ValueError, match="run_beside is for SQLite; 'default' is postgresql"):
        run_beside(lambda: None)
    with pytest.raises(ValueError, match="insert_values is for SQLite; 'default' is postgresql"):
        insert_values(INSERT, [(1, "x")])
