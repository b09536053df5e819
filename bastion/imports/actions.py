"""Every change to imports: upload, start, run (a batch of rows per transaction), finish, delete (DESIGN.md rule 1).

Rows are imported through the object type's own actions (bastion.imports.adapters), as the member
of staff who started the import: their role is checked, every value validated, restricted values
encrypted and indexed, and every record created or changed gets its own audit event. Contacts go
through a bulk action (``directory.actions_bulk``) a batch at a time; the other object types one
row at a time (docs/adr/0037, 0043).

Crash safety (DESIGN.md rule 8): :func:`import_next_batch` imports a batch of rows and advances the
job's ``position`` past them in ONE transaction. A process killed at any instant leaves either the
batch imported and the position past it, or neither; :func:`run_job` started again carries on from
``position``. Two workers on the same job take turns on the locked job row, so no row is imported twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.imports import csvfile, selectors
from bastion.imports.access import access_import_by_id
from bastion.imports.adapters import ADAPTERS, Adapter, Outcome, RowRejected, adapter_for
from bastion.imports.adapters.base import header_key
from bastion.imports.audit import record_import_event
from bastion.imports.models import ACTIVE, Dedupe, Encoding, ImportJob, ImportRejection, SavedMapping, Status
from bastion.kernel import cardnumbers, language, memory
from bastion.kernel.access.scoping import can_change_customer_records
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.kinds import Outcome as AuditOutcome
from bastion.kernel.crypto import keyring

logger = logging.getLogger(__name__)
STALLED_AFTER_S = 120
UPDATE_BATCH_ROWS = 50  # with "update", matching rows go one by one: keep their transaction short
ENCODINGS = {choice.value for choice in Encoding}
COUNTERS = {Outcome.CREATED: "created_count", Outcome.UPDATED: "updated_count", Outcome.SKIPPED: "skipped_count"}


class ImportNotAllowed(PermissionDenied):
    """The actor's role may not change customer records, so may not import them."""


def _require_importer(actor: Any) -> None:
    if not can_change_customer_records(actor):
        raise ImportNotAllowed(_("Your role does not allow importing customer records."))


def _require_type_importer(actor: Any, adapter: Adapter) -> None:
    if not adapter.may_import(actor):
        message = _("Your role does not allow importing %(what)s.") % {"what": str(adapter.label).lower()}
        raise ImportNotAllowed(message)


def _clean_source(source_name: Any) -> str:
    text = " ".join(str(source_name or "").split())
    if not text:
        raise ValidationError({"source_name": [_("Name the source of the file, e.g. “Trade fair 2026” or “Old CRM”.")]})
    if len(text) > 100:
        raise ValidationError({"source_name": [_("The source name can be at most 100 characters.")]})
    card = cardnumbers.first_in(text)
    if card is not None:
        raise ValidationError({"source_name": [cardnumbers.refusal(_("The source name"), card)]})
    return text


def _read(data: bytes, encoding: str, delimiter: str | None = None) -> tuple[csvfile.Parsed, str]:
    text = csvfile.decode(data, encoding)
    delimiter = delimiter or csvfile.detect_delimiter(text)
    return csvfile.parse(text, delimiter), delimiter


def suggest_mapping(adapter: Adapter, headers: list[str], saved: Mapping[str, str]) -> list[str]:
    """For each column: the field saved for its header last time, else the one its header suggests, else ""."""
    mapping: list[str] = []
    for header in headers:
        field = saved.get(header_key(header), None)
        if field is None or (field and field not in adapter.field_keys()):
            field = adapter.suggest(header)
        mapping.append(field if field not in mapping else "")
    return mapping


def create_import(
    actor: Any, *, object_type: str, source_name: str, file_name: str, data: bytes, encoding: str = ""
) -> ImportJob:
    """Check and store an uploaded file (encrypted) as a new import job waiting for its column mapping.

    Raises ValidationError naming the field (``file``, ``encoding``, ``object_type``, ``source_name``).
    """
    _require_importer(actor)
    if object_type not in ADAPTERS:
        raise ValidationError({"object_type": [_("Choose what the file contains.")]})
    _require_type_importer(actor, ADAPTERS[object_type])
    source = _clean_source(source_name)
    if encoding and encoding not in ENCODINGS:
        raise ValidationError({"encoding": [_("Choose UTF-8, UTF-8 with byte order mark or GBK.")]})
    try:
        csvfile.check_size(len(data))
        detected = csvfile.detect_encoding(data)
        parsed, delimiter = _read(data, encoding or detected)
    except csvfile.CsvProblem as problem:
        raise ValidationError({"file": [str(problem)]}) from None
    adapter = adapter_for(object_type)
    job = ImportJob(
        created_by=actor, object_type=object_type, source_name=source,
        source_key=selectors.source_key(source), file_name=str(file_name)[-255:], file_size=len(data),
        detected_encoding=detected, encoding=encoding or detected, delimiter=delimiter, headers=parsed.headers,
        mapping=suggest_mapping(adapter, parsed.headers, selectors.saved_mapping(object_type, source)),
        total_rows=len(parsed.rows), upload=data, language=language.of_request(),
    )  # fmt: skip
    with transaction.atomic():
        job.save()
        record_import_event(EventKind.RECORD_CREATED, actor, job)
    return job


def load_rows(job: ImportJob, encoding: str | None = None) -> csvfile.Parsed:
    """The job's file, decrypted and parsed (with ``encoding`` instead of the job's, to preview an override)."""
    upload = ImportJob.objects.filter(pk=job.pk).only("id", "upload").first()
    if upload is None or upload.upload is None:
        raise csvfile.CsvProblem(_("The uploaded file is no longer kept: it is deleted when an import ends."))
    parsed, _delimiter = _read(bytes(upload.upload), encoding or job.encoding, job.delimiter)
    return parsed


def clean_mapping(adapter: Adapter, headers: list[str], mapping: list[str]) -> list[str]:
    """A mapping with one entry per column, known fields only, each field used once; ValidationError if not."""
    if len(mapping) != len(headers):
        raise ValidationError({"mapping": [_("Give a field (or nothing) for each of the %(n)d columns.") % {"n": len(headers)}]})
    known = set(adapter.field_keys())
    cleaned: list[str] = []
    for number, field in enumerate(mapping, start=1):
        field = str(field or "")
        if field and field not in known:
            message = _("Column %(n)d: “%(field)s” is not a field of this object type.") % {"n": number, "field": field[:40]}
            raise ValidationError({"mapping": [message]})
        if field and field in cleaned:
            label = adapter.field_label(field)
            message = _("Column %(n)d: %(label)s is already chosen for another column.") % {"n": number, "label": label}
            raise ValidationError({"mapping": [message]})
        cleaned.append(field)
    if not any(cleaned):
        raise ValidationError({"mapping": [_("Choose a field for at least one column.")]})
    return cleaned


def _refuse_unwritable_columns(actor: Any, adapter: Adapter, mapping: list[str]) -> None:
    """Field-level security: a column may not fill a field the actor's role may not change (docs/adr/0030)."""
    refused = set(adapter.unwritable_fields(actor, [field for field in mapping if field]))
    messages = [
        _("Column %(n)d: your role may not change %(label)s; choose “Do not import” for this column.")
        % {"n": number, "label": adapter.field_label(field)}
        for number, field in enumerate(mapping, start=1)
        if field in refused
    ]
    if messages:
        raise ValidationError({"mapping": messages})


def mapped_values(mapping: list[str], cells: list[str]) -> dict[str, str]:
    """The non-empty cells of a row by the field their column maps to."""
    values: dict[str, str] = {}
    for field, cell in zip(mapping, cells, strict=False):
        if field and cell.strip():
            values[field] = cell.strip()
    return values


def start_import(actor: Any, job_id: Any, *, mapping: list[str], dedupe: str, encoding: str = "") -> ImportJob:
    """Save the mapping (also for the next file from the same source) and queue the job for the background worker."""
    _require_importer(actor)
    with transaction.atomic():
        job = access_import_by_id(actor, job_id, lock=True)
        if job.status != Status.UPLOADED:
            raise ValidationError({"status": [_("This import has already been started.")]})
        adapter = adapter_for(job.object_type)
        _require_type_importer(actor, adapter)
        if dedupe not in Dedupe.values:
            raise ValidationError({"dedupe": [_("Choose what to do with rows that match an existing record.")]})
        if encoding and encoding not in ENCODINGS:
            raise ValidationError({"encoding": [_("Choose UTF-8, UTF-8 with byte order mark or GBK.")]})
        if encoding and encoding != job.encoding:
            try:
                load_rows(job, encoding)
            except csvfile.CsvProblem as problem:
                raise ValidationError({"encoding": [str(problem)]}) from None
            job.encoding = encoding
        job.mapping = clean_mapping(adapter, job.headers, mapping)
        _refuse_unwritable_columns(actor, adapter, job.mapping)
        job.dedupe = dedupe
        job.status = Status.QUEUED
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["mapping", "dedupe", "status", "encoding", "heartbeat_at", "updated_at"])
        _save_mapping(actor, job)
        record_import_event(EventKind.RECORD_UPDATED, actor, job, changes={"status": {"old": "uploaded", "new": "queued"}})
    enqueue(job.pk)
    return job


def _save_mapping(actor: Any, job: ImportJob) -> None:
    columns = {header_key(header): field for header, field in zip(job.headers, job.mapping, strict=True) if header_key(header)}
    SavedMapping.objects.update_or_create(
        object_type=job.object_type,
        source_key=job.source_key,
        defaults={"source_name": job.source_name, "columns": columns, "updated_by": actor},
    )


def enqueue(job_id: Any) -> None:
    """Hand the job to the background worker (after the caller's transaction has committed)."""
    from bastion.imports.tasks import run_import_job

    run_import_job(str(job_id))


# --- the worker ---------------------------------------------------------------------------------


def _claim(job_id: Any) -> ImportJob | None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("upload").filter(pk=job_id).first()
        if job is None or job.status not in ACTIVE:
            return None
        if not can_change_customer_records(job.created_by) or not adapter_for(job.object_type).may_import(job.created_by):
            _end(job, Status.FAILED, _("The member of staff who started the import may no longer change customer records."))
            return None
        job.status = Status.RUNNING
        job.started_at = job.started_at or timezone.now()
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "started_at", "heartbeat_at", "updated_at"])
        return job


def batch_size(adapter: Adapter, dedupe: str, wanted: int | None = None) -> int:
    """Rows per transaction: the adapter's (1 without a bulk path), fewer when most rows may be updates one by one."""
    configured: int = getattr(settings, "IMPORT_BATCH_ROWS", adapter.batch_rows)
    size = min(wanted or configured, adapter.batch_rows)
    return max(1, min(size, UPDATE_BATCH_ROWS) if dedupe == Dedupe.UPDATE else size)


def run_job(
    job_id: Any, *, pause: float = 0.0, progress: Any = None, batch: int | None = None, lane: int | None = None
) -> ImportJob | None:
    """Import the job's remaining rows, a batch per transaction, then finish it. Safe to call again after a crash.

    A job with lanes (``imports.actions_lanes``, docs/adr/0062) is run by a process per lane; ``lane``: run that one here.
    What it writes (each rejected row's reason, why it stopped) is in the language of the upload.
    """
    with language.speaking(ImportJob.objects.filter(pk=job_id).values_list("language", flat=True).first()):
        return _run_job(job_id, pause=pause, progress=progress, batch=batch, lane=lane)


def _run_job(job_id: Any, *, pause: float, progress: Any, batch: int | None, lane: int | None) -> ImportJob | None:
    from bastion.imports import actions_lanes as lanes

    job = _claim(job_id)
    if job is None:
        return None
    try:
        parsed = load_rows(job)
    except csvfile.CsvProblem as problem:
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().defer("upload").get(pk=job.pk)
            if locked.status in ACTIVE:  # not one that another worker (or lane) has just finished
                _end(locked, Status.FAILED, str(problem))
        return None
    adapter = adapter_for(job.object_type)
    size = batch_size(adapter, job.dedupe, batch)

    def keep_going(step: Any) -> None:
        _keep_going(job.pk, step, progress if lane is None else None, len(parsed.rows), pause)  # a lane: quiet

    with memory.long_job():  # the parsed file out of every collection while its rows are imported (ADR 0063)
        planned = lanes.planned(job, adapter, parsed)
        if planned is not None:
            lanes.run(job, parsed, adapter, planned, lanes.Work(lane, size, pause, batch, progress, keep_going))
        elif lane is None:
            keep_going(lambda: import_next_batch(job.pk, parsed, adapter, job.created_by, size))
    return ImportJob.objects.defer("upload").filter(pk=job.pk).first()


def _keep_going(job_id: Any, step: Any, progress: Any, total: int, pause: float) -> None:
    """Run ``step`` (a batch; it returns the rows done, None at the end) until the end, reporting progress."""
    while True:
        try:
            position = step()
        except Exception as exc:  # a bug or an outage: stop here rather than retry the same row for ever
            logger.error("import %s stopped by %s", job_id, type(exc).__name__)  # no values: rows hold personal data
            _fail_unexpected(job_id, exc)
            raise
        if position is None:
            return
        if progress is not None:
            progress(position, total)
        if pause:
            time.sleep(pause)


def import_next_row(job_id: Any, parsed: csvfile.Parsed, adapter: Adapter, actor: Any) -> int | None:
    """:func:`import_next_batch` of one row."""
    return import_next_batch(job_id, parsed, adapter, actor, 1)


def import_next_batch(job_id: Any, parsed: csvfile.Parsed, adapter: Adapter, actor: Any, size: int) -> int | None:
    """Import (or reject) up to ``size`` rows from the job's position and move past them, in one transaction.

    Rows go through the adapter's bulk path (docs/adr/0043) when it has one, else (or when the bulk
    path fails) one by one, each in a savepoint. Returns the new position, or None when the job is
    no longer running (finished, failed, deleted).
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("upload").filter(pk=job_id).first()
        if job is None or job.status != Status.RUNNING:
            return None
        if job.position >= len(parsed.rows):
            _end(job, Status.DONE)
            return None
        rows = parsed.rows[job.position : job.position + size]
        for field, count in import_rows(job, adapter, actor, rows, bulk=size > 1).items():
            setattr(job, field, getattr(job, field) + count)
        job.position += len(rows)
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["position", *COUNTERS.values(), "rejected_count", "heartbeat_at", "updated_at"])
        return job.position


def import_rows(job: ImportJob, adapter: Adapter, actor: Any, rows: list[csvfile.Row], *, bulk: bool) -> Counter[str]:
    """Import (or reject, keeping the rejection) ``rows`` in the caller's transaction; returns the counts to add."""
    counts: Counter[str] = Counter()
    values = [mapped_values(job.mapping, row.cells) for row in rows]
    results = _bulk(job, adapter, actor, values) if bulk else None
    for row, row_values, result in zip(rows, values, results or [None] * len(rows), strict=True):
        outcome = result if result is not None else _one_row(adapter, actor, row_values, job.dedupe)
        if isinstance(outcome, RowRejected):
            _reject(job, adapter, row, outcome.problems)
            counts["rejected_count"] += 1
        else:
            counts[COUNTERS[outcome]] += 1
    return counts


def _bulk(job: ImportJob, adapter: Adapter, actor: Any, values: list[dict[str, str]]) -> list[Any] | None:
    """The adapter's bulk path in a savepoint; None (row by row) when it has none or it failed."""
    try:
        with transaction.atomic():
            return adapter.import_batch(actor, values, job.dedupe)
    except Exception as exc:  # noqa: BLE001 - rolled back to the savepoint; the rows are imported one by one instead
        logger.info("import %s: batch at row %d imported row by row (%s)", job.pk, job.position + 1, type(exc).__name__)
        return None


def _one_row(adapter: Adapter, actor: Any, values: Mapping[str, str], dedupe: str) -> Outcome | RowRejected:
    try:
        with transaction.atomic():
            return adapter.import_row(actor, values, dedupe)
    except RowRejected as rejected:
        return rejected
    except (PermissionDenied, Http404) as denied:
        return RowRejected({"": [str(denied) or _("You may not change the matching record.")]})


def _reject(job: ImportJob, adapter: Adapter, row: csvfile.Row, problems: Mapping[str, list[str]]) -> None:
    """Keep a rejected row for the report: its line, the columns at fault and each problem named by column
    (a message that quotes a value, such as an email address that is not one, has any card number in it masked)."""
    labels = csvfile.header_labels(job.headers)
    columns: list[str] = []
    reasons: list[str] = []
    for field, messages in problems.items():
        named = [labels[i] for i, mapped in enumerate(job.mapping) if field and mapped == field]
        where = ", ".join(named) if named else (adapter.field_label(field) if field else "")
        columns.extend(named)
        for message in messages:
            reasons.append(_("Column “%(column)s”: %(problem)s") % {"column": where, "problem": message} if where else message)
    ImportRejection.objects.create(
        job=job, row_index=row.index, line=row.line, columns=", ".join(dict.fromkeys(columns))[:500],
        reason=cardnumbers.mask(" | ".join(reasons)), values=_join_cells(row.cells),
    )  # fmt: skip


def _join_cells(cells: list[str]) -> str:
    """The row's cells as kept for the report, any card number in them masked to its last four digits."""
    import json

    return json.dumps([cardnumbers.mask(cell) for cell in cells], ensure_ascii=False)


def _end(job: ImportJob, status: str, error: str = "") -> None:
    """Finish ``job`` (locked, in the caller's transaction): clear the upload and audit the counts."""
    job.status = status
    job.error = error[:500]
    job.finished_at = timezone.now()
    job.upload = None
    job.save(update_fields=["status", "error", "finished_at", "upload", "updated_at"])
    outcome = AuditOutcome.SUCCESS if status == Status.DONE else AuditOutcome.FAILURE
    record_import_event(EventKind.DATA_IMPORTED, job.created_by, job, outcome=outcome, counts=True)


def _fail_unexpected(job_id: Any, exc: BaseException) -> None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("upload").filter(pk=job_id).first()
        if job is None or job.status not in ACTIVE:
            return
        if job.lanes.exists():  # lanes (docs/adr/0062) do not end at one row of the file
            message = _("An unexpected error (%(error)s) stopped the import after %(done)d rows; those rows were imported.")
            message %= {"error": type(exc).__name__, "done": job.position}
        else:
            message = _(
                "An unexpected error (%(error)s) stopped the import at data row %(row)d; the rows before it were imported."
            ) % {"error": type(exc).__name__, "row": job.position + 1}
        _end(job, Status.FAILED, message)


def stalled_jobs() -> list[uuid.UUID]:
    """Queued or running jobs whose worker has not moved for a while (it crashed, or the queue lost it)."""
    limit = timezone.now() - dt.timedelta(seconds=STALLED_AFTER_S)
    return list(ImportJob.objects.filter(status__in=ACTIVE, heartbeat_at__lt=limit).values_list("id", flat=True))


def delete_import(actor: Any, job_id: Any) -> None:
    """Delete a job that is not running, with its rejected rows; its data key is destroyed first (crypto-shredding)."""
    _require_importer(actor)
    with transaction.atomic():
        job = access_import_by_id(actor, job_id, lock=True)
        if job.is_active:
            raise ValidationError({"status": [_("This import is still running. Delete it once it has finished.")]})
        keyring.shred(job.pk)
        record_import_event(EventKind.RECORD_DELETED, actor, job)
        job.delete()


def purge_finished(older_than_days: int) -> int:
    """Delete the jobs that finished more than ``older_than_days`` ago (their reports with them); returns how many."""
    limit = timezone.now() - dt.timedelta(days=older_than_days)
    count = 0
    for job in ImportJob.objects.filter(status__in=(Status.DONE, Status.FAILED), finished_at__lt=limit).defer("upload"):
        with transaction.atomic():
            keyring.shred(job.pk)
            record_import_event(EventKind.RECORD_DELETED, None, job)
            job.delete()
        count += 1
    return count


def record_report_download(actor: Any, job: ImportJob, rows: int) -> None:
    """Audit that ``actor`` downloaded the rejected-rows report of ``job`` (it holds personal data)."""
    with transaction.atomic():
        record_import_event(EventKind.EXPORTED, actor, job, extra={"report": "rejected_rows", "rows": rows})
