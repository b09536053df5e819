"""The inbox and the sealer (docs/adr/0024): recorded in the change's transaction, chained after it."""

from __future__ import annotations

import datetime as dt
import io
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from bastion.kernel.audit import sealer
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent, AuditInbox
from bastion.kernel.audit.tests.helpers import append, sealed
from bastion.kernel.audit.verify import verify_log
from bastion.kernel.audit.writer import Target, record_event

pytestmark = pytest.mark.django_db


def _count(table: str) -> int:
    """Rows in ``table`` without going through ``AuditEvent.objects`` (which would seal first)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed names
        return int(cursor.fetchone()[0])


def _record(number: int = 0) -> int:
    with transaction.atomic():
        return record_event(EventKind.RECORD_UPDATED, target=Target("directory.company", str(number)))


def test_record_event_only_fills_the_inbox_and_a_reader_seals_it() -> None:
    inbox_ids = [_record(n) for n in range(3)]
    assert _count("kernel_auditinbox") == 3 and _count("kernel_auditevent") == 0  # not chained yet
    events = sealed(inbox_ids)  # reading AuditEvent seals first
    assert [event.sequence for event in events] == [1, 2, 3]
    assert [event.target_id for event in events] == ["0", "1", "2"]
    assert _count("kernel_auditinbox") == 0
    assert verify_log().ok


def test_a_rolled_back_change_leaves_nothing_in_the_inbox_or_the_chain() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event(EventKind.RECORD_DELETED, target=Target("directory.company", "9"))
        raise RuntimeError("the change failed")
    assert _count("kernel_auditinbox") == 0
    assert not AuditEvent.objects.exists() and _count("kernel_auditevent") == 0


def test_a_lower_inbox_id_that_commits_late_is_sealed_in_a_later_batch_without_gap_or_fork() -> None:
    late = _record(0)  # stands for a transaction that took its id first and commits last
    with connection.cursor() as cursor:  # set it aside as if uncommitted (triggers would refuse this)
        cursor.execute("SELECT * FROM kernel_auditinbox WHERE id = %s", [late])
        row = cursor.fetchone()
    from bastion.kernel.audit.tests.helpers import triggers_dropped

    with triggers_dropped() as cursor:
        cursor.execute("DELETE FROM kernel_auditinbox WHERE id = %s", [late])
    first = sealed([_record(1), _record(2)])
    with connection.cursor() as cursor:  # now it "commits"
        cursor.execute(f"INSERT INTO kernel_auditinbox VALUES ({', '.join(['%s'] * len(row))})", list(row))  # noqa: S608
    [late_event] = sealed([late])
    assert [event.sequence for event in first] == [1, 2] and late_event.sequence == 3
    assert late_event.prev_hash == first[-1].leaf_hash and late_event.target_id == "0"
    assert verify_log().ok


def test_inbox_rows_cannot_be_updated_or_deleted_before_they_are_sealed() -> None:
    inbox_id = _record(5)
    for statement in (
        "UPDATE kernel_auditinbox SET target_id = 'forged' WHERE id = %s",
        "DELETE FROM kernel_auditinbox WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [inbox_id])
    assert AuditInbox.objects.filter(id=inbox_id, target_id="5").exists()


def test_a_forged_sealed_copy_does_not_release_an_inbox_row() -> None:
    """Only an identical chained copy lets the inbox row go: a look-alike with other content does not."""
    inbox_id = _record(6)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO kernel_auditevent (sequence, inbox_id, timestamp, kind, outcome, actor_snapshot, client_ip, "
            "user_agent, request_id, target_type, target_id, target_snapshot, changes, extra, prev_hash, leaf_hash) "
            "SELECT 1, id, timestamp, kind, outcome, actor_snapshot, client_ip, user_agent, request_id, target_type, "
            "'forged', target_snapshot, changes, extra, %s, %s FROM kernel_auditinbox WHERE id = %s",
            ["0" * 64, "1" * 64, inbox_id],
        )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM kernel_auditinbox WHERE id = %s", [inbox_id])
    assert _count("kernel_auditinbox") == 1


def _copy_into_the_chain(inbox_id: int, sequence: int) -> None:
    """An identical chained copy of inbox row ``inbox_id`` (the hashes are not checked by the guard)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO kernel_auditevent (sequence, inbox_id, timestamp, kind, outcome, actor_id, actor_snapshot, "
            "on_behalf_of_id, client_ip, user_agent, request_id, target_type, target_id, target_snapshot, changes, extra, "
            "prev_hash, leaf_hash) SELECT %s, id, timestamp, kind, outcome, actor_id, actor_snapshot, on_behalf_of_id, "
            "client_ip, user_agent, request_id, target_type, target_id, target_snapshot, changes, extra, %s, %s "
            "FROM kernel_auditinbox WHERE id = %s",
            [sequence, "0" * 64, "1" * 64, inbox_id],
        )


def test_a_release_of_sealed_and_unsealed_rows_together_deletes_none_of_them() -> None:
    """The guard covers every row of one DELETE (on PostgreSQL it checks the statement's rows at once)."""
    copied, unsealed = _record(7), _record(8)
    _copy_into_the_chain(copied, sequence=1)
    release = (
        ("SELECT bastion_audit_release_sealed(%s::bigint[])", [[copied, unsealed]])
        if connection.vendor == "postgresql"
        else ("DELETE FROM kernel_auditinbox WHERE id IN (%s, %s)", [copied, unsealed])
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(*release)
    assert _count("kernel_auditinbox") == 2
    with transaction.atomic(), connection.cursor() as cursor:  # the copied row alone may go: the refusal was the other's
        cursor.execute("DELETE FROM kernel_auditinbox WHERE id = %s", [copied])
    assert list(AuditInbox.objects.values_list("id", flat=True)) == [unsealed]


def test_verify_names_events_left_unsealed_too_long(settings: Any) -> None:
    append(2)
    stuck = _record(7)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=settings.AUDIT_MAX_UNSEALED_SECONDS + 5)
    result = verify_log(now=later)
    assert not result.ok and f"inbox #{stuck}" in result.problem and "sealer is not running" in result.problem
    assert verify_log().ok  # the first verify sealed it; the log itself is sound


@pytest.mark.django_db(transaction=True)
def test_after_commit_the_writing_process_seals_without_any_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sealer, "_last_attempt", 0.0)
    with transaction.atomic():
        record_event(EventKind.RECORD_CREATED, target=Target("directory.company", "1"))
        record_event(EventKind.RECORD_UPDATED, target=Target("directory.company", "1"))
        assert sum(1 for hook in connection.run_on_commit if hook[1] is sealer.seal_after_commit) == 1
    # The on_commit hook ran: both events are chained and the inbox is empty, with no read in between.
    assert _count("kernel_auditinbox") == 0 and _count("kernel_auditevent") == 2
    assert verify_log().ok


@pytest.mark.django_db(transaction=True)
def test_with_a_dedicated_sealer_the_writer_leaves_sealing_to_it(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.AUDIT_SEALER = "process"
    monkeypatch.setattr(sealer, "_last_attempt", 0.0)
    with transaction.atomic():
        record_event(EventKind.RECORD_CREATED, target=Target("directory.company", "1"))
        assert not [hook for hook in connection.run_on_commit if hook[1] is sealer.seal_after_commit]
    _record(2)
    assert _count("kernel_auditinbox") == 2 and _count("kernel_auditevent") == 0  # the writer sealed nothing

    stop = threading.Event()
    timer = threading.Timer(0.5, stop.set)  # the SIGTERM of `bastion auditlog seal --follow`
    timer.start()
    assert sealer.seal_continuously(stop, interval=0.05) == (2, 0)
    timer.join()
    assert _count("kernel_auditinbox") == 0 and _count("kernel_auditevent") == 2
    assert verify_log().ok


def test_auditlog_seal_seals_what_waits_and_says_how_many() -> None:
    _record(1)
    _record(2)
    out = io.StringIO()
    call_command("auditlog", "seal", stdout=out)
    assert out.getvalue().strip() == "sealed 2 audit events"
    assert _count("kernel_auditinbox") == 0 and _count("kernel_auditevent") == 2
    call_command("auditlog", "seal", stdout=out)
    assert out.getvalue().strip().endswith("sealed 0 audit events")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite removes deleted rows at once: nothing to vacuum")
@pytest.mark.django_db(transaction=True)
def test_the_dedicated_sealer_vacuums_the_released_inbox_rows_on_postgresql(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.AUDIT_SEALER = "process"  # the writes below leave sealing to it

    def seal_and_count_dead(records: int) -> int:
        for number in range(records):
            _record(number)
        stop = threading.Event()
        timer = threading.Timer(0.3, stop.set)
        timer.start()
        assert sealer.seal_continuously(stop, interval=0.05) == (records, 0)
        timer.join()
        with connection.cursor() as cursor:
            cursor.execute("SELECT dead_tuple_count FROM pgstattuple('kernel_auditinbox')")
            return int(cursor.fetchone()[0])

    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
    try:
        monkeypatch.setattr(sealer, "VACUUM_INBOX_AFTER", 10**9)
        assert seal_and_count_dead(6) == 6  # released rows stay until a vacuum
        monkeypatch.setattr(sealer, "VACUUM_INBOX_AFTER", 5)
        assert seal_and_count_dead(6) == 0  # sealed 6 >= 5: the sealer vacuumed them all
        assert _count("kernel_auditinbox") == 0 and _count("kernel_auditevent") == 12
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP EXTENSION pgstattuple")
