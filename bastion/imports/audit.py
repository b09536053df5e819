"""What the audit trail records about imports: the job as a pseudonymous target (no file or source
name, which may name people), what happened to it, and at the end the counts of the run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bastion.imports.models import ImportJob
from bastion.kernel.audit.kinds import EventKind, Outcome
from bastion.kernel.audit.writer import Target, record_event


def target_of(job: ImportJob) -> Target:
    return Target("imports.importjob", str(job.pk), {"object_type": job.object_type, "rows": job.total_rows})


def record_import_event(
    kind: EventKind,
    actor: Any,
    job: ImportJob,
    *,
    outcome: str = Outcome.SUCCESS,
    changes: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
    counts: bool = False,
) -> None:
    """Record ``kind`` about ``job`` in the caller's transaction; ``counts`` adds the run's figures."""
    details: dict[str, Any] = {"object_type": job.object_type, "rows": job.total_rows, "bytes": job.file_size}
    if counts:
        details.update(
            status=job.status, dedupe=job.dedupe, done=job.position, created=job.created_count,
            updated=job.updated_count, skipped=job.skipped_count, rejected=job.rejected_count,
        )  # fmt: skip
    details.update(extra or {})
    record_event(kind, actor=actor, target=target_of(job), outcome=outcome, changes=changes, extra=details)
