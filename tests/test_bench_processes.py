"""The benchmarks' reading of the database server's CPU (``bench/processes.py``) counts what the server did.

``database_server_cpu_seconds`` backs the "cores the aim needs" figures of docs/benchmarks.md
(issues 4 and 6): work a connection makes the server do must show in it, also once that
connection has closed (its backend ended), and work done elsewhere must not be lost between two
readings. Needs the PostgreSQL server the suite runs on (``DATABASE_URL``) on this host.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from bastion.kernel.testing import wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from processes import cpu_seconds, database_server_cpu_seconds  # noqa: E402

URL = os.environ.get("DATABASE_URL", "")
needs_postgres = pytest.mark.skipif(
    not URL.startswith("postgres"), reason="reads the CPU of a PostgreSQL server on this host: runs with DATABASE_URL"
)
BUSY = "SELECT count(*) FROM generate_series(1, 4000000) AS n WHERE n % 7 = 3"  # about 0.3-1 s of server CPU


def _busy_backend(*, close: bool) -> tuple[int, float]:
    """Make a new connection's backend work; its pid and CPU seconds as the server process itself counts them."""
    import psycopg

    connection = psycopg.connect(URL, autocommit=True)
    pid = connection.info.backend_pid
    connection.execute(BUSY)
    spent = cpu_seconds(pid)
    if close:
        connection.close()
    return pid, spent


@needs_postgres
def test_the_work_of_a_live_connection_counts():
    before = database_server_cpu_seconds()
    _pid, spent = _busy_backend(close=False)
    assert spent > 0.1
    assert database_server_cpu_seconds() - before >= spent - 0.02  # one clock tick of rounding per reading


@needs_postgres
def test_the_work_of_a_closed_connection_still_counts():
    before = database_server_cpu_seconds()
    pid, spent = _busy_backend(close=True)
    wait_for(lambda: not Path(f"/proc/{pid}").exists(), "the server to reap the closed connection's backend", 10)
    assert database_server_cpu_seconds() - before >= spent - 0.02
