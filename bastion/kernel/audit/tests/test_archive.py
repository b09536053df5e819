"""Retention: old events go to a signed archive file, are removed through the one DELETE the
triggers allow (a signed ``AuditArchive`` row covers them), and the log still verifies."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from bastion.kernel.audit import checkpoints, signing, standalone
from bastion.kernel.audit.archive import archive_events, archive_is_valid
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditArchive, AuditEvent
from bastion.kernel.audit.tests.helpers import append
from bastion.kernel.audit.verify import verify_log
from bastion.kernel.audit.writer import Target, record_event

pytestmark = pytest.mark.django_db
NOW = dt.datetime.now(dt.UTC)
LONG_AGO = NOW - dt.timedelta(days=500)


@pytest.fixture(autouse=True)
def archive_dir(settings: Any, tmp_path: Path) -> Path:
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "archive"
    signing.private_key()  # a development key made now would add an event of today
    return Path(settings.AUDIT_ARCHIVE_DIR)


def old_and_new_events(old: int, new: int) -> tuple[int, int]:
    """``old`` events 500 days old after whatever is in the log, then ``new`` of today; (last old, last)."""
    with transaction.atomic():
        for number in range(old):
            record_event(EventKind.RECORD_UPDATED, target=Target("directory.company", str(number)), now=LONG_AGO)
    last_old = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    checkpoints.make_checkpoint()  # a signed head inside the range that will be archived
    append(new)
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    assert last_old is not None and last is not None
    return last_old, last


def test_old_events_are_archived_removed_and_the_log_still_verifies(archive_dir: Path) -> None:
    last_old, last = old_and_new_events(10, 5)
    first = AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True).first()
    result = archive_events(now=NOW, retention_days=400)
    assert result is not None and first is not None
    assert (result.archive.first_sequence, result.archive.last_sequence) == (first, last_old)
    assert result.events == last_old - first + 1
    assert result.path.parent == archive_dir and result.path.exists()
    assert hashlib.sha256(result.path.read_bytes()).hexdigest() == result.archive.file_sha256
    assert archive_is_valid(result.archive)

    remaining = list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert remaining[0] == last_old + 1 and remaining[-1] == last + 1  # +1: the audit.archived event
    assert AuditEvent.objects.get(sequence=last + 1).kind == EventKind.AUDIT_LOG_ARCHIVED

    verified = verify_log()
    assert verified.ok, verified.problem
    assert verified.events_checked == len(remaining) and verified.tree_size == last + 1
    assert f"events 1-{last_old} are archived" in verified.notes[0]
    # The archive file itself verifies stand-alone with the public key.
    summary = standalone.verify_export(result.path, signing.public_key())
    assert summary.startswith(f"OK: events {first}-{last_old} verified")

    # The log goes on after the archive: new events, a checkpoint, the command.
    append(3)
    checkpoints.make_checkpoint()
    out = io.StringIO()
    call_command("auditlog", "verify", stdout=out)
    assert "audit trail OK" in out.getvalue() and f"events 1-{last_old} are archived" in out.getvalue()


def test_nothing_younger_than_retention_is_archived() -> None:
    append(4)
    assert archive_events(now=NOW, retention_days=400) is None
    assert not AuditArchive.objects.exists()


def test_the_archive_command(archive_dir: Path) -> None:
    old_and_new_events(3, 1)
    out = io.StringIO()
    call_command("auditlog", "archive", stdout=out)
    assert "and removed them from the table" in out.getvalue()
    assert len(list(archive_dir.glob("audit-*.jsonl"))) == 1
    assert verify_log().ok


def test_removing_rows_without_an_archive_row_is_refused() -> None:
    last_old, _last = old_and_new_events(4, 2)
    for statement in (
        f"DELETE FROM kernel_auditevent WHERE sequence <= {last_old}",  # noqa: S608 - an integer
        "DELETE FROM kernel_auditevent",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(sequence__lte=last_old).delete()
    assert AuditEvent.objects.filter(sequence__lte=last_old).count() == last_old


def test_after_an_archive_rows_outside_it_stay_protected_and_archives_are_append_only() -> None:
    last_old, last = old_and_new_events(4, 2)
    result = archive_events(now=NOW, retention_days=400)
    assert result is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(sequence=last).delete()
    for statement in (
        "UPDATE kernel_auditarchive SET last_sequence = last_sequence + 100",
        "DELETE FROM kernel_auditarchive",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.filter(sequence=last).exists()
    assert verify_log().ok


def test_a_forged_archive_row_lets_the_delete_through_but_verification_names_it() -> None:
    """An attacker who can INSERT may add an archive row to unlock a DELETE; it has no valid signature."""
    append(6)
    forged = AuditArchive(
        first_sequence=1,
        last_sequence=3,
        file_name="audit-forged.jsonl",
        file_sha256="0" * 64,
        frontier=[],
        last_leaf_hash="0" * 64,
        created_at=NOW,
        key_id=signing.key_id(),
        signature="AAAA",
    )
    with transaction.atomic():
        forged.save()
        AuditEvent.objects.filter(sequence__lte=3).delete()
    result = verify_log()
    assert not result.ok and result.first_bad == 1 and "forged" in result.problem


def test_inclusion_proofs_work_after_archiving_from_the_archive_frontier(tmp_path: Path) -> None:
    from bastion.kernel.audit.export import ExportError, inclusion_proof

    last_old, last = old_and_new_events(7, 6)
    assert archive_events(now=NOW, retention_days=400) is not None
    for sequence in range(last_old + 1, last + 1):
        proof = inclusion_proof(sequence)
        assert proof["leaf_index"] == sequence - 1
        path = tmp_path / f"proof-{sequence}.json"
        path.write_text(json.dumps(proof))
        summary = standalone.verify_proof(path, signing.public_key())
        assert summary.startswith(f"OK: event {sequence} is included")
    with pytest.raises(ExportError, match="archived"):
        inclusion_proof(last_old)
