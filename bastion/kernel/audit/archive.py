"""Retention: events older than ``BASTION_AUDIT_RETENTION_DAYS`` (default 400, at least 366) are
written to a signed export file in ``BASTION_AUDIT_ARCHIVE_DIR`` and only then removed.

The removal is the one DELETE the triggers allow: an ``AuditArchive`` row, signed with the audit
key and naming the file's SHA-256, must cover the range first (docs/adr/0015). Nothing is dropped
silently: the archive row, the file and an ``audit.archived`` event record each removal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min

from bastion.kernel.audit import canonical, signing
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditArchive, AuditEvent


@dataclass(frozen=True)
class ArchiveResult:
    archive: AuditArchive
    path: Path
    events: int


def archive_message(archive: AuditArchive) -> bytes:
    """The bytes an archive row's signature covers."""
    body = {
        "first_sequence": archive.first_sequence,
        "last_sequence": archive.last_sequence,
        "file_sha256": archive.file_sha256,
        "frontier": list(archive.frontier),
        "last_leaf_hash": archive.last_leaf_hash,
        "created_at": canonical.format_timestamp(archive.created_at),
        "key_id": archive.key_id,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def archive_is_valid(archive: AuditArchive) -> bool:
    return signing.verify(archive_message(archive), archive.signature)


def _write_file(first: int, last: int) -> tuple[Path, str, list[str], str]:
    from bastion.kernel.audit.export import frontier_before, write_export

    directory = Path(settings.AUDIT_ARCHIVE_DIR)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / f"audit-{first:012d}-{last:012d}.jsonl"
    partial = path.with_suffix(".partial")
    with open(partial, "w", encoding="utf-8") as handle:
        write_export(handle, first=first, last=last)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    frontier, last_leaf = frontier_before(last + 1)
    return path, digest, [h.hex() for h in frontier], last_leaf


def _remove(first: int, last: int) -> int:
    """Delete events ``first``..``last`` (the trigger checks the archive row); on PostgreSQL through
    the owner's function, as the application's role may not DELETE audit rows (docs/adr/0025)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT bastion_audit_remove_archived(%s, %s)", [first, last])
            return int(cursor.fetchone()[0])
    removed, _details = AuditEvent.plain.filter(sequence__gte=first, sequence__lte=last).delete()
    return removed


def archive_events(*, now: dt.datetime | None = None, retention_days: int | None = None) -> ArchiveResult | None:
    """Archive and remove the events older than the retention period; None if there are none."""
    from bastion.kernel.audit.writer import record_event

    days = retention_days if retention_days is not None else settings.AUDIT_RETENTION_DAYS
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    bounds = AuditEvent.objects.filter(timestamp__lt=cutoff).aggregate(first=Min("sequence"), last=Max("sequence"))
    if bounds["last"] is None:
        return None
    first = AuditEvent.objects.aggregate(first=Min("sequence"))["first"]
    last = bounds["last"]
    path, digest, frontier, last_leaf = _write_file(first, last)
    with transaction.atomic():
        archive = AuditArchive(
            first_sequence=first,
            last_sequence=last,
            file_name=path.name,
            file_sha256=digest,
            frontier=frontier,
            last_leaf_hash=last_leaf,
            created_at=dt.datetime.now(dt.UTC),
            key_id=signing.key_id(),
        )
        archive.signature = signing.sign(archive_message(archive))
        archive.save()
        removed = _remove(first, last)
        extra = {"first": first, "last": last, "file": path.name, "sha256": digest}
        record_event(EventKind.AUDIT_LOG_ARCHIVED, extra=extra)
    return ArchiveResult(archive, path, removed)
