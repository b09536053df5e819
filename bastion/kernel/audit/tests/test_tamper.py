"""``bastion auditlog verify`` passes on an untouched log and names the first altered, deleted,
inserted or reordered event; the triggers refuse updates and deletes from the application."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from bastion.kernel.audit import checkpoints
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditCheckpoint, AuditEvent, AuditInbox
from bastion.kernel.audit.tests.helpers import append, rewrite_prefix, triggers_dropped
from bastion.kernel.audit.verify import verify_log
from bastion.kernel.audit.writer import AuditError, record_event

pytestmark = pytest.mark.django_db


def verify_output() -> str:
    out = io.StringIO()
    call_command("auditlog", "verify", stdout=out)
    return out.getvalue()


def verify_failure() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("auditlog", "verify", stdout=io.StringIO())
    return str(failure.value)


def test_an_untouched_log_verifies() -> None:
    append(12)
    checkpoints.make_checkpoint()
    append(3)
    total = AuditEvent.objects.count()  # 15, or 16 if the development signing key was made just now
    assert f"audit trail OK: {total} events, 1 signed checkpoints" in verify_output()


def test_an_empty_log_verifies() -> None:
    assert verify_log().ok


def test_altering_one_field_names_the_event() -> None:
    append(10)
    with triggers_dropped() as cursor:
        cursor.execute("UPDATE kernel_auditevent SET client_ip = '203.0.113.9' WHERE sequence = 4")
    message = verify_failure()
    assert "INVALID at event 4" in message and "does not match its hash" in message


def test_altering_a_json_value_names_the_event() -> None:
    append(6)
    event = AuditEvent.objects.get(sequence=5)
    forged = json.dumps({"name": {"old": "A4", "new": "innocent"}})
    with triggers_dropped() as cursor:
        cursor.execute("UPDATE kernel_auditevent SET changes = %s WHERE sequence = %s", [forged, event.sequence])
    assert "INVALID at event 5" in verify_failure()


def test_deleting_one_row_names_the_missing_event() -> None:
    append(10)
    with triggers_dropped() as cursor:
        cursor.execute("DELETE FROM kernel_auditevent WHERE sequence = 7")
    message = verify_failure()
    assert "INVALID at event 7" in message and "missing" in message


def test_deleting_the_last_rows_is_caught_by_the_chain_head() -> None:
    append(10)
    with triggers_dropped() as cursor:
        cursor.execute("DELETE FROM kernel_auditevent WHERE sequence >= 9")
    assert "INVALID at event 9" in verify_failure()


def test_swapping_two_rows_names_the_first_of_them() -> None:
    append(10)
    with triggers_dropped() as cursor:
        cursor.execute("UPDATE kernel_auditevent SET sequence = -1 WHERE sequence = 3")
        cursor.execute("UPDATE kernel_auditevent SET sequence = 3 WHERE sequence = 6")
        cursor.execute("UPDATE kernel_auditevent SET sequence = 6 WHERE sequence = -1")
    assert "INVALID at event 3" in verify_failure()


def test_inserting_a_row_in_the_middle_names_it() -> None:
    append(6)
    with triggers_dropped() as cursor:
        cursor.execute("UPDATE kernel_auditevent SET sequence = sequence + 100 WHERE sequence >= 4")
        cursor.execute("UPDATE kernel_auditevent SET sequence = sequence - 99 WHERE sequence >= 104")
        cursor.execute(
            "INSERT INTO kernel_auditevent (sequence, timestamp, kind, outcome, actor_snapshot, client_ip, user_agent, "
            "request_id, target_type, target_id, target_snapshot, changes, extra, prev_hash, leaf_hash) "
            "SELECT 4, timestamp, kind, outcome, actor_snapshot, client_ip, user_agent, request_id, target_type, "
            "target_id, target_snapshot, changes, extra, prev_hash, leaf_hash FROM kernel_auditevent WHERE sequence = 3"
        )
    assert "INVALID at event 4" in verify_failure()


def test_rewriting_the_whole_chain_is_caught_by_the_signed_checkpoint() -> None:
    append(5)
    checkpoints.make_checkpoint()
    rewrite_prefix(AuditEvent.objects.count(), altered=2)  # recomputes every hash, cannot re-sign the checkpoint
    message = verify_failure()
    assert "checkpoint" in message and "rewritten" in message


def test_a_forged_checkpoint_signature_fails() -> None:
    append(2)
    checkpoint = checkpoints.make_checkpoint()
    assert checkpoint is not None
    with triggers_dropped() as cursor:
        cursor.execute("UPDATE kernel_auditcheckpoint SET tree_size = 1 WHERE id = %s", [checkpoint.pk])
    assert "bad signature" in verify_failure()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE kernel_auditevent SET outcome = 'failure'",
        "DELETE FROM kernel_auditevent",
        "UPDATE kernel_auditcheckpoint SET tree_size = 0",
        "DELETE FROM kernel_auditcheckpoint",
    ],
)
def test_the_database_refuses_updates_and_deletes(statement: str) -> None:
    append(2)
    checkpoints.make_checkpoint()
    from django.db import connection

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.count() >= 2 and AuditCheckpoint.objects.count() == 1


def test_the_orm_cannot_delete_or_update_either() -> None:
    append(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(kind=EventKind.SIGN_IN_FAILED)


@pytest.mark.django_db(transaction=True)
def test_record_event_outside_a_transaction_is_refused() -> None:
    with pytest.raises(AuditError, match="inside the transaction"):
        record_event(EventKind.SIGNED_OUT)


def test_a_rolled_back_change_leaves_no_event_and_no_gap() -> None:
    append(2)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        record_event(EventKind.RECORD_DELETED)
        raise Boom
    assert AuditEvent.objects.count() == 2
    events = append(1)
    assert events[0].sequence == 3
    assert verify_log().ok


def test_checkpoint_command_prints_the_signed_tree_head(settings: Any) -> None:
    append(3)
    out = io.StringIO()
    call_command("auditlog", "checkpoint", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == settings.AUDIT_ORIGIN and lines[1] == str(AuditEvent.objects.count())
    assert verify_log().checkpoints_checked == 1


def test_a_failed_inbox_insert_raises_djangos_database_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The insert bypasses Django's cursor (sqlite3 itself; a prepared statement on PostgreSQL); its
    errors still reach callers as django.db's, and the transaction records nothing."""
    from bastion.kernel.audit import writer

    monkeypatch.setattr(writer, "_INSERT", writer._INSERT.replace("kernel_auditinbox", "kernel_no_such_inbox"))
    before, waiting = AuditEvent.objects.count(), AuditInbox.objects.count()
    with pytest.raises(DatabaseError, match="kernel_no_such_inbox"), transaction.atomic():
        record_event(EventKind.RECORD_UPDATED, changes={"name": {"old": "A", "new": "B"}})
    assert AuditEvent.objects.count() == before and AuditInbox.objects.count() == waiting


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's; SQLite's path is sqlite3")
def test_the_inbox_insert_is_prepared_once_per_postgresql_connection() -> None:
    """On PostgreSQL the per-event INSERT is a prepared statement: the server plans it once per connection."""
    with transaction.atomic():
        first = record_event(EventKind.RECORD_UPDATED, changes={"name": {"old": "A", "new": "B"}})
        second = record_event(EventKind.RECORD_UPDATED, changes={"name": {"old": "B", "new": "C"}})
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["INSERT INTO kernel_auditinbox%"])
        assert cursor.fetchone()[0] == 1
    assert second == first + 1
