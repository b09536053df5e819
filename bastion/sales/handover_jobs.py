"""Hand-over as a background job: an administrator starts it, the worker hands the whole book over
in steps of :data:`~bastion.sales.selectors_chosen.BATCH` records, and the page shows its progress
(docs/adr/0068).

Each step is :func:`bastion.sales.handover.hand_over`: every record moves through its own update
action, in its own transaction, and the job's ``moved`` counter goes up in that same transaction.
A worker killed at any instant therefore leaves each record either moved and counted or neither;
the job is picked up again when its heartbeat stops (:func:`stalled_jobs`, every minute) and goes
on with what is still the colleague's, so nothing moves twice. A record that cannot move is listed
in ``failures`` with why, and later steps do not try it again.

The choices are checked again at every step: if the one who started it is no longer an
administrator, or the new owner was disabled meanwhile, the job stops and says why.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.staff import can_manage_staff
from bastion.kernel import language
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.kinds import Outcome as AuditOutcome
from bastion.kernel.audit.writer import Target, record_event
from bastion.sales import handover
from bastion.sales.models_handover import ACTIVE_HAND_OVERS, HandOverJob, HandOverStatus

logger = logging.getLogger(__name__)
STALLED_AFTER_S = 120
REASON_MAX = 300


def start(actor: Any, member: Any, recipient: Any, kinds: list[str], *, to_their_team: bool) -> HandOverJob:
    """Queue the hand-over of ``member``'s open work of ``kinds`` to ``recipient`` and return the job.

    Refused (ValidationError) while another hand-over of the same colleague's work is under way.
    """
    chosen, _team = handover.check_choices(actor, member, recipient, kinds, to_their_team=to_their_team)
    under_way = ValidationError({"recipient": [_("A hand-over of this colleague's work is already under way.")]})
    if HandOverJob.objects.filter(member=member, status__in=ACTIVE_HAND_OVERS).exists():
        raise under_way
    try:
        job = _create(actor, member, recipient, chosen, to_their_team)
    except IntegrityError:  # another administrator started one at the same moment
        raise under_way from None
    enqueue(job.pk)
    return job


def _create(actor: Any, member: Any, recipient: Any, chosen: list[str], to_their_team: bool) -> HandOverJob:
    with transaction.atomic():
        work = handover.open_work(actor, member)
        job = HandOverJob.objects.create(
            started_by=actor,
            member=member,
            recipient=recipient,
            kinds=chosen,
            to_their_team=to_their_team,
            total=sum(work[key] for key in chosen),
            heartbeat_at=timezone.now(),
            language=language.of_request(),
        )
        _audit(EventKind.RECORD_CREATED, actor, job, extra={"kinds": chosen, "to_their_team": to_their_team})
    return job


def enqueue(job_id: Any) -> None:
    """Hand the job to the background worker (after the caller's transaction has committed)."""
    from bastion.sales.tasks import run_hand_over

    run_hand_over(str(job_id))


def run(job_id: Any) -> HandOverJob | None:
    """Hand over what is left of the job's work, a step at a time, then finish it. Safe to call again.
    Why a record stayed, or why the job stopped, is written in the language of the page that started it."""
    with language.speaking(HandOverJob.objects.filter(pk=job_id).values_list("language", flat=True).first()):
        if not _claim(job_id):
            return None
        while step(job_id):
            pass
        return HandOverJob.objects.filter(pk=job_id).first()


def step(job_id: Any) -> bool:
    """One step of a claimed job (up to BATCH records): True while work is left, False once it has ended.

    A database outage (OperationalError) leaves the job as it is, for :func:`stalled_jobs` to pick
    up again; any other unexpected error stops it, saying so.
    """
    job = _active(job_id)
    if job is None:
        return False
    try:
        result = handover.hand_over(
            job.started_by,
            job.member,
            job.recipient,
            job.kinds,
            to_their_team=job.to_their_team,
            skip=_failed_ids(job),
            on_moved=lambda _kind: _count_one(job_id),
        )
    except (PermissionDenied, ValidationError, Http404) as refusal:
        reasons = refusal.messages if isinstance(refusal, ValidationError) else [str(refusal)]
        _end(job_id, HandOverStatus.FAILED, " ".join(reasons))
        return False
    except OperationalError:
        raise
    except Exception as exc:  # a bug: stop and say so, rather than retry for ever
        logger.error("hand-over %s stopped by %s", job_id, type(exc).__name__)
        message = _("An unexpected error (%(error)s) stopped the hand-over.") % {"error": type(exc).__name__}
        _end(job_id, HandOverStatus.FAILED, message)
        raise
    _note_failures(job_id, result.failed)
    if result.remaining_count and (result.moved_count or result.failed):
        return True
    _end(job_id, HandOverStatus.DONE)
    return False


def _claim(job_id: Any) -> bool:
    with transaction.atomic():
        job = HandOverJob.objects.select_for_update().filter(pk=job_id, status__in=ACTIVE_HAND_OVERS).first()
        if job is None:
            return False
        job.status = HandOverStatus.RUNNING
        job.started_at = job.started_at or timezone.now()
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "started_at", "heartbeat_at"])
        return True


def _active(job_id: Any) -> HandOverJob | None:
    """The job as stored now (its people read afresh, so a changed role counts), or None once it has ended."""
    related = ("started_by", "member", "recipient")
    return HandOverJob.objects.select_related(*related).filter(pk=job_id, status__in=ACTIVE_HAND_OVERS).first()


def _failed_ids(job: HandOverJob) -> dict[str, set[str]]:
    failed: dict[str, set[str]] = {}
    for kind, pk, _why in job.failures:
        failed.setdefault(kind, set()).add(pk)
    return failed


def _count_one(job_id: Any) -> None:
    """In the moved record's transaction: one more handed over, and the worker is alive."""
    HandOverJob.objects.filter(pk=job_id).update(moved=F("moved") + 1, heartbeat_at=timezone.now())


def _note_failures(job_id: Any, failed: list[tuple[str, str, str]]) -> None:
    with transaction.atomic():
        job = HandOverJob.objects.select_for_update().get(pk=job_id)
        known = {(kind, pk) for kind, pk, _why in job.failures}
        job.failures += [[kind, pk, why[:REASON_MAX]] for kind, pk, why in failed if (kind, pk) not in known]
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["failures", "heartbeat_at"])


def _end(job_id: Any, status: str, error: str = "") -> None:
    with transaction.atomic():
        job = HandOverJob.objects.select_for_update().select_related("started_by").filter(pk=job_id).first()
        if job is None or not job.is_active:
            return
        job.status, job.error, job.finished_at = status, error[:500], timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        outcome = AuditOutcome.SUCCESS if status == HandOverStatus.DONE else AuditOutcome.FAILURE
        counts = {"total": job.total, "moved": job.moved, "failed": job.failed_count}
        changes = {"status": {"old": "running", "new": status}}
        _audit(EventKind.RECORD_UPDATED, job.started_by, job, outcome=outcome, changes=changes, extra=counts)


def _audit(kind: EventKind, actor: Any, job: HandOverJob, **details: Any) -> None:
    snapshot = {"member": job.member_id, "recipient": job.recipient_id}
    extra = {"member": job.member_id, "recipient": job.recipient_id, **details.pop("extra", {})}
    record_event(kind, actor=actor, target=Target("sales.handoverjob", str(job.pk), snapshot), extra=extra, **details)


def stalled_jobs() -> list[uuid.UUID]:
    """Queued or running hand-overs whose worker has not moved for a while (it crashed, or the queue lost it)."""
    limit = timezone.now() - dt.timedelta(seconds=STALLED_AFTER_S)
    return list(HandOverJob.objects.filter(status__in=ACTIVE_HAND_OVERS, heartbeat_at__lt=limit).values_list("id", flat=True))


def purge_finished(older_than_days: int) -> int:
    """Delete the hand-overs that finished more than ``older_than_days`` ago; returns how many. Each
    deletion is audited with the job's counts (the audit trail also keeps its start and its end)."""
    limit = timezone.now() - dt.timedelta(days=older_than_days)
    finished = HandOverJob.objects.filter(status__in=(HandOverStatus.DONE, HandOverStatus.FAILED), finished_at__lt=limit)
    count = 0
    for job in finished.order_by("finished_at"):
        with transaction.atomic():
            counts = {"total": job.total, "moved": job.moved, "failed": job.failed_count, "status": job.status}
            _audit(EventKind.RECORD_DELETED, None, job, extra={**counts, "reason": "retention"})
            job.delete()
        count += 1
    return count


# --- reads (administrators only) ------------------------------------------------------------------


def job_for(actor: Any, member: Any, job_id: Any) -> HandOverJob:
    """One hand-over of ``member``'s work, for an administrator; else PermissionDenied or Http404."""
    if not can_manage_staff(actor):
        raise PermissionDenied(_("Only an administrator can hand over a colleague's work."))
    job = HandOverJob.objects.select_related("recipient", "started_by").filter(pk=job_id, member=member).first()
    if job is None:
        raise Http404(_("No such hand-over."))
    return job


def recent_jobs(actor: Any, member: Any, limit: int = 5) -> QuerySet[HandOverJob]:
    """The latest hand-overs of ``member``'s work, newest first (none unless ``actor`` is an administrator)."""
    if not can_manage_staff(actor):
        return HandOverJob.objects.none()
    return HandOverJob.objects.select_related("recipient", "started_by").filter(member=member).order_by("-created_at")[:limit]
