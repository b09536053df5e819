"""``bench/transaction_floor.py`` (issue 4) commits real transactions, counts them, and leaves no database behind.

Its figure is the floor under the 5,000 appends/s aim in docs/benchmarks.md, so it must count
committed rows, not loop turns. Needs the PostgreSQL server the suite runs on (``DATABASE_URL``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import transaction_floor  # noqa: E402

URL = os.environ.get("DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not URL.startswith("postgres"), reason="measures a PostgreSQL server on this host: runs with DATABASE_URL"
)


def test_the_floor_counts_committed_transactions_and_drops_its_database(monkeypatch: pytest.MonkeyPatch) -> None:
    committed: list[int] = []
    real_admin = transaction_floor._admin

    def count_before_drop(*statements: str) -> None:
        if statements == (f"DROP DATABASE IF EXISTS {transaction_floor.NAME}",):
            with psycopg.connect(transaction_floor._url(transaction_floor.NAME)) as connection:
                committed.append(connection.execute("SELECT count(*) FROM inbox").fetchone()[0])  # type: ignore[index]
        real_admin(*statements)

    monkeypatch.setattr(transaction_floor, "_admin", count_before_drop)
    run = transaction_floor.measure(seconds=0.5, processes=2)

    assert run["total"] > 0
    assert committed == [run["total"]]  # every counted transaction is a committed row, and nothing more
    assert run["per_second"] == run["total"] / 0.5
    assert run["client_us"] > 0 and run["server_us"] > 0
    with psycopg.connect(URL, autocommit=True) as connection:
        left = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [transaction_floor.NAME]).fetchone()
    assert left is None
