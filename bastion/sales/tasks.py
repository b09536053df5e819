"""Background jobs of sales (huey; discovered as ``<app>.tasks``)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from bastion.sales.reminders import send_due_reminders

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def send_task_reminders() -> int:
    """Every minute: email the assignees of tasks whose reminder time has come."""
    return send_due_reminders()


@db_task()
def rescore_leads() -> int:
    """Score every lead with the current rules (after the rules change); safe to run again."""
    from bastion.sales.scoring import rescore_all

    return rescore_all()


@db_periodic_task(crontab(minute="17", hour="3"))
def churn_inactive_customers() -> int:
    """Daily: customers with no order in the lifecycle policy's churn period become churned (ADR 0044)."""
    from bastion.sales.lifecycle import churn_inactive_customers as churn

    return churn()


@db_task()
def run_hand_over(job_id: str) -> None:
    """Hand over a colleague's work (started on the hand-over page; again for a job whose worker died)."""
    from bastion.sales import handover_jobs

    job = handover_jobs.run(job_id)
    if job is not None:
        logger.info("hand-over %s ended: %s, %d of %d records", job.pk, job.status, job.moved, job.total)


@db_periodic_task(crontab(minute="*"))
def resume_stalled_hand_overs() -> None:
    """Every minute: queue again the hand-overs whose worker stopped moving (a crash, a restart, a lost queue entry)."""
    from bastion.sales import handover_jobs

    for job_id in handover_jobs.stalled_jobs():
        logger.info("resuming stalled hand-over %s", job_id)
        run_hand_over(str(job_id))


@db_periodic_task(crontab(minute="59", hour="3"))
def purge_old_hand_overs() -> None:
    """Daily: delete finished hand-overs older than the retention period (their start and end stay in the audit trail)."""
    from django.conf import settings

    from bastion.sales import handover_jobs

    count = handover_jobs.purge_finished(settings.HANDOVER_RETENTION_DAYS)
    if count:
        logger.info("purged %d finished hand-overs", count)
