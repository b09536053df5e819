"""Helpers shared by tests (imported by tests only)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, transaction


def wait_for(condition: Callable[[], bool], what: str, deadline: float = 30.0, interval: float = 0.05) -> None:
    """Poll ``condition`` until it holds; fail after ``deadline`` seconds naming ``what`` was awaited.

    The one place tests wait on a condition rather than on the clock.
    """
    until = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > until:
            raise AssertionError(f"timed out after {deadline:.0f} s waiting for {what}")
        time.sleep(interval)  # the pause between two checks of the condition


_CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def without_csrf_token(page: bytes | str) -> bytes:
    """A rendered page without its CSRF token (new for each response), to compare two pages byte for byte."""
    content = page.encode() if isinstance(page, str) else page
    return _CSRF_TOKEN.sub(b'name="csrfmiddlewaretoken"', content)


def query_plan(queryset: Any, *, turned_off: Sequence[str] = ("enable_seqscan",), analyze: str | None = None) -> str:
    """The database's plan for ``queryset``, one line per row: ``EXPLAIN`` on PostgreSQL, ``EXPLAIN QUERY PLAN`` on SQLite.

    On PostgreSQL, in a transaction of its own, the planner settings ``turned_off`` are set off
    for it (a test table is tiny: without that, the planner would rather scan it), and the
    table ``analyze`` is analysed first (the statistics autovacuum keeps in production).
    """
    using = queryset.db
    connection = connections[using]
    postgres = connection.vendor == "postgresql"
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if postgres:
            if analyze:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(analyze)}")
            for setting in turned_off:
                cursor.execute(f"SET LOCAL {setting} = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[0] if postgres else row) for row in cursor.fetchall())
