"""Background jobs of sales (huey; discovered as ``<app>.tasks``)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from bastion.sales.reminders import send_due_reminders


@db_periodic_task(crontab(minute="*"))
def send_task_reminders() -> int:
    """Every minute: email the assignees of tasks whose reminder time has come."""
    return send_due_reminders()
