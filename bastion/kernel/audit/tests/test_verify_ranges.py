"""Verifying the log in ranges (``verify_ranges``) finds what one pass finds, and names the same event.

The scenarios of ``test_tamper`` are checked with the log cut into three ranges and compared
with a single pass; one test forks real worker processes on a database of its own (a SQLite
file, or a scratch PostgreSQL database when the session runs on PostgreSQL).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bastion.kernel.audit import checkpoints, verify_ranges
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.audit.tests.concurrency import scratch_database, session_postgres_url
from bastion.kernel.audit.tests.helpers import append, rewrite_prefix, triggers_dropped
from bastion.kernel.audit.verify import VerifyResult, verify_log


def _in_this_process(jobs: list[tuple[int, int, str | None]], workers: int) -> Iterator[verify_ranges.RangeCheck]:
    return (verify_ranges.check_range(*job) for job in jobs)


@pytest.fixture
def in_ranges(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[[], VerifyResult]:
    """verify_log() with the log cut into three ranges, checked in this process (the test database is not shared)."""
    settings.AUDIT_VERIFY_PARALLEL_FROM = 0
    monkeypatch.setattr(verify_ranges, "_in_worker_processes", _in_this_process)
    monkeypatch.setattr(verify_ranges, "RANGES_PER_WORKER", 1)
    return lambda: verify_log(workers=3)


def _same_as_one_pass(in_ranges: Callable[[], VerifyResult]) -> VerifyResult:
    one, ranged = verify_log(workers=1), in_ranges()
    assert (ranged.ok, ranged.first_bad, ranged.problem) == (one.ok, one.first_bad, one.problem)
    assert (ranged.events_checked, ranged.tree_size, ranged.root) == (one.events_checked, one.tree_size, one.root)
    return ranged


def test_split_covers_every_sequence_once() -> None:
    assert verify_ranges.split(0, 10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert verify_ranges.split(5, 7, 4) == [(5, 6), (6, 7)]  # never more ranges than rows
    assert verify_ranges.split(4, 4, 2) == [(4, 4)]


@pytest.mark.django_db
def test_an_untouched_log_verifies_in_ranges(in_ranges: Callable[[], VerifyResult]) -> None:
    append(7)
    checkpoints.make_checkpoint()
    append(5)
    result = _same_as_one_pass(in_ranges)
    assert result.ok and result.events_checked >= 12 and result.checkpoints_checked == 1


TAMPERING = {
    "altered field in the first range": (["UPDATE kernel_auditevent SET client_ip = '203.0.113.9' WHERE sequence = 2"], 2),
    "altered field in the last range": (["UPDATE kernel_auditevent SET user_agent = 'forged' WHERE sequence = 9"], 9),
    "row deleted inside a range": (["DELETE FROM kernel_auditevent WHERE sequence = 8"], 8),
    "rows deleted at the end of a range": (["DELETE FROM kernel_auditevent WHERE sequence IN (5, 6)"], 5),
    "the first row of a range deleted": (["DELETE FROM kernel_auditevent WHERE sequence = 4"], 4),
    "rows swapped across ranges": (
        [
            "UPDATE kernel_auditevent SET sequence = -1 WHERE sequence = 3",
            "UPDATE kernel_auditevent SET sequence = 3 WHERE sequence = 7",
            "UPDATE kernel_auditevent SET sequence = 7 WHERE sequence = -1",
        ],
        3,
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("statements, first_bad", TAMPERING.values(), ids=TAMPERING.keys())
def test_tampering_names_the_same_event_in_ranges(
    in_ranges: Callable[[], VerifyResult], statements: list[str], first_bad: int
) -> None:
    append(10)
    with triggers_dropped() as cursor:
        for statement in statements:
            cursor.execute(statement)
    result = _same_as_one_pass(in_ranges)
    assert not result.ok and result.first_bad == first_bad


@pytest.mark.django_db
def test_a_rewritten_prefix_fails_at_its_checkpoint_before_the_broken_link_after_it(
    in_ranges: Callable[[], VerifyResult],
) -> None:
    append(5)
    checkpoints.make_checkpoint()
    size = AuditEvent.objects.count()
    append(5)
    rewrite_prefix(size, altered=2)  # the next event no longer follows the rewritten last one either
    result = _same_as_one_pass(in_ranges)
    assert not result.ok and result.first_bad == size and "rewritten" in result.problem


APPEND = "from bastion.kernel.audit.tests.helpers import append; append(300)"
TAMPER = (
    "from bastion.kernel.audit.tests.helpers import triggers_dropped\n"
    "with triggers_dropped() as cursor:\n"
    "    cursor.execute(\"UPDATE kernel_auditevent SET target_id = 'forged' WHERE sequence = 250\")\n"
)


def test_worker_processes_verify_a_log_and_name_a_tampered_event(tmp_path: Path) -> None:
    name = f"bastion_audit_ranges_{os.getpid()}"
    with scratch_database(tmp_path, session_postgres_url(), name=name) as scratch:
        scratch.env["BASTION_AUDIT_VERIFY_PARALLEL_FROM"] = "0"
        appended = scratch.run("shell", "-c", APPEND)
        assert appended.returncode == 0, appended.stderr

        verified = scratch.run("auditlog", "verify", "--workers", "3")
        assert verified.returncode == 0, verified.stderr
        assert "audit trail OK: 300 events" in verified.stdout

        tampered = scratch.run("shell", "-c", TAMPER)
        assert tampered.returncode == 0, tampered.stderr
        failed = scratch.run("auditlog", "verify", "--workers", "3")
        assert failed.returncode != 0
        assert "audit trail INVALID at event 250: event 250 does not match its hash" in failed.stderr
