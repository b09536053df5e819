"""Background jobs of imports: stalled jobs are resumed from their position, old ones purged,
a job whose owner lost the right to write fails instead of importing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from bastion.directory.models import Contact
from bastion.imports import actions, tasks
from bastion.imports.models import ImportJob, Status
from bastion.imports.tests.helpers import contacts_csv
from bastion.kernel.audit.kinds import EventKind, Outcome
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.crypto import keyring


def queued_job(user: Any, rows: int = 4, monkeypatch: Any = None) -> ImportJob:
    text, _bad = contacts_csv(rows)
    job = actions.create_import(user, object_type="contact", source_name="x", file_name="a.csv", data=text.encode())
    monkeypatch.setattr(actions, "enqueue", lambda job_id: None)  # as if the queue entry was lost
    actions.start_import(user, job.pk, mapping=job.mapping, dedupe="skip")
    monkeypatch.undo()
    return job


def test_a_stalled_job_is_resumed_from_its_position(personas: Any, monkeypatch: Any) -> None:
    job = queued_job(personas.rep_east, monkeypatch=monkeypatch)
    claimed = actions._claim(job.pk)
    assert claimed is not None
    parsed = actions.load_rows(claimed)
    from bastion.imports.adapters import adapter_for

    actions.import_next_row(job.pk, parsed, adapter_for("contact"), personas.rep_east)  # then the worker "dies"
    tasks.resume_stalled_imports.call_local()
    assert ImportJob.objects.get(pk=job.pk).status == Status.RUNNING  # not stalled yet: left alone
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    tasks.resume_stalled_imports.call_local()
    job.refresh_from_db()
    assert (job.status, job.position, job.created_count) == (Status.DONE, 4, 4)
    assert Contact.objects.count() == 4


def test_a_job_whose_owner_may_no_longer_write_fails(personas: Any, monkeypatch: Any) -> None:
    job = queued_job(personas.rep_east, monkeypatch=monkeypatch)
    personas.rep_east.membership.role = "read_only"
    personas.rep_east.membership.save()
    actions.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED and "may no longer change customer records" in job.error
    assert Contact.objects.count() == 0
    event = AuditEvent.objects.get(kind=EventKind.DATA_IMPORTED)
    assert event.outcome == Outcome.FAILURE and event.extra["created"] == 0


def test_an_unexpected_error_stops_the_job_at_its_row(personas: Any, monkeypatch: Any) -> None:
    job = queued_job(personas.rep_east, monkeypatch=monkeypatch)
    from bastion.imports.adapters.directory import ContactAdapter

    calls = []

    def broken(self: Any, actor: Any, values: Any) -> Any:
        calls.append(values)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return original(self, actor, values)

    original = ContactAdapter.create
    monkeypatch.setattr(ContactAdapter, "create", broken)
    with pytest.raises(RuntimeError):  # re-raised so huey logs the task as failed
        actions.run_job(job.pk, batch=1)  # row by row (a failing batch: test_batch.py)
    job.refresh_from_db()
    assert (job.status, job.position, job.created_count) == (Status.FAILED, 2, 2)
    assert "RuntimeError" in job.error and "data row 3" in job.error and "disk full" not in job.error
    assert Contact.objects.count() == 2


def test_finished_jobs_are_purged_after_the_retention_period(personas: Any, monkeypatch: Any) -> None:
    text, _bad = contacts_csv(2, bad_every=1)
    old = actions.create_import(
        personas.rep_east, object_type="contact", source_name="old", file_name="o.csv", data=text.encode()
    )
    actions.start_import(personas.rep_east, old.pk, mapping=old.mapping, dedupe="skip")
    recent = actions.create_import(
        personas.rep_east, object_type="contact", source_name="new", file_name="n.csv", data=text.encode()
    )
    actions.start_import(personas.rep_east, recent.pk, mapping=recent.mapping, dedupe="create")
    ImportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=31))
    tasks.purge_old_imports.call_local()
    assert list(ImportJob.objects.values_list("pk", flat=True)) == [recent.pk]
    assert keyring.is_erased(old.pk) and not keyring.is_erased(recent.pk)
    assert AuditEvent.objects.filter(kind=EventKind.RECORD_DELETED, target_id=str(old.pk)).count() == 1
