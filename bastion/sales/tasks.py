"""Background jobs of sales (huey; discovered as ``<app>.tasks``)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from bastion.sales.reminders import send_due_reminders


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
