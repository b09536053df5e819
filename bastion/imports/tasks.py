"""Background jobs of imports (huey): run an import, pick up stalled ones, purge old reports."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from bastion.imports import actions

logger = logging.getLogger(__name__)


@db_task()
def run_import_job(job_id: str) -> None:
    """Import the job's rows; started by ``start_import`` and again for a job whose worker died."""
    job = actions.run_job(job_id)
    if job is not None:
        logger.info("import %s ended: %s, %d of %d rows", job.pk, job.status, job.position, job.total_rows)


@db_periodic_task(crontab(minute="*"))
def resume_stalled_imports() -> None:
    """Every minute: queue again the imports whose worker stopped moving (a crash, a restart, a lost queue entry)."""
    for job_id in actions.stalled_jobs():
        logger.info("resuming stalled import %s", job_id)
        run_import_job(str(job_id))


@db_periodic_task(crontab(minute="53", hour="3"))
def purge_old_imports() -> None:
    """Daily: delete finished imports (and their rejected-rows reports) older than the retention period."""
    count = actions.purge_finished(settings.IMPORT_RETENTION_DAYS)
    if count:
        logger.info("purged %d finished imports", count)
