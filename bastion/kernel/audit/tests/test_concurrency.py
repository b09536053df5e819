"""Four OS processes append to one log at once for ~10 s: no gap, no fork, and it verifies.

Once with each process sealing after its own commits, once with a dedicated sealer process
sealing for all of them (``bastion auditlog seal --follow``, as ``bastion serve`` runs it).

The processes use a database of their own (a SQLite file in ``tmp_path``, or, when the test
session runs on PostgreSQL, a scratch PostgreSQL database dropped afterwards), so the test
sees what concurrent app servers would. The one-minute run is ``bench/audit_bench.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

from bastion.kernel.audit.tests.concurrency import (
    Scratch,
    dedicated_sealer,
    log_stats,
    run_appenders,
    scratch_database,
    session_postgres_url,
)

SECONDS = 10.0


def _assert_sound(scratch: Scratch, appended: int, stats: dict[str, int]) -> None:
    """Every committed append is in the log exactly once, numbered 1..n with no gap, no two events
    claim the same predecessor (no fork of the chain), and the log verifies against a checkpoint."""
    assert stats == {"count": appended, "first": 1, "last": appended, "prevs": appended}
    checkpoint = scratch.run("auditlog", "checkpoint")
    assert checkpoint.returncode == 0, checkpoint.stderr
    verified = scratch.run("auditlog", "verify")
    assert verified.returncode == 0, verified.stderr
    assert f"audit trail OK: {appended} events, 1 signed checkpoints" in verified.stdout


def test_four_processes_append_concurrently_without_gaps_or_forks(tmp_path: Path) -> None:
    name = f"bastion_audit_conc_{os.getpid()}"  # one per test process: CI runs may share the server
    with scratch_database(tmp_path, session_postgres_url(), name=name) as scratch:
        reports = run_appenders(scratch, tmp_path, processes=4, seconds=SECONDS)
        appended = sum(report["events"] for report in reports)
        assert all(report["events"] > 0 for report in reports), reports  # every process got its turn

        stats = log_stats(scratch)
        assert stats.pop("left_in_inbox") < appended  # most were sealed after their commit, by the appenders
        _assert_sound(scratch, appended, stats)


def test_four_processes_with_a_dedicated_sealer_leave_a_sound_chain(tmp_path: Path) -> None:
    name = f"bastion_audit_conc_sealer_{os.getpid()}"
    with scratch_database(tmp_path, session_postgres_url(), name=name) as scratch:
        with dedicated_sealer(scratch) as sealer:
            reports = run_appenders(sealer.scratch, tmp_path, processes=4, seconds=SECONDS)
        appended = sum(report["events"] for report in reports)
        assert all(report["events"] > 0 for report in reports), reports

        # The appenders sealed nothing: the sealer process sealed every event, most while they ran.
        assert sealer.while_running > sealer.on_stopping and sealer.while_running + sealer.on_stopping == appended, sealer
        stats = log_stats(scratch)
        assert stats.pop("left_in_inbox") == 0
        _assert_sound(scratch, appended, stats)
