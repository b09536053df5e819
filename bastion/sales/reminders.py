"""Task reminders by email: when a task's reminder time comes, its assignee gets one email.

``send_due_reminders`` runs every minute (``bastion.sales.tasks``). Each task is claimed in its
own transaction with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite serialises writers),
marked ``reminded_at`` and mailed: two workers never send the same reminder, and a reminder whose
email failed is rolled back and tried again the next minute. Changing the reminder time clears
``reminded_at`` (``actions_activities``), so the new time is reminded too.

The email says only what the assignee already sees on My day: the task's subject and due time,
and a link to My day; no customer contact details.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bastion.sales.models import Activity, ActivityKind

logger = logging.getLogger(__name__)
BATCH = 200


def due_reminders(now: dt.datetime) -> Any:
    """Open tasks whose reminder time has come and was not yet sent, for an active assignee with an email."""
    return Activity._base_manager.filter(
        kind=ActivityKind.TASK,
        done_at__isnull=True,
        remind_at__lte=now,
        reminded_at__isnull=True,
        assignee__is_active=True,
    ).exclude(assignee__email="")


def send_due_reminders(now: dt.datetime | None = None) -> int:
    """Send every due reminder (at most ``BATCH`` per run); return how many were sent."""
    now = now or timezone.now()
    sent = 0
    for task_id in list(due_reminders(now).order_by("remind_at", "id").values_list("id", flat=True)[:BATCH]):
        try:
            sent += _send_one(task_id, now)
        except Exception:  # one failed email must not stop the others; retried next run
            logger.exception("Task reminder %s could not be sent; it is retried on the next run", task_id)
    return sent


def _send_one(task_id: Any, now: dt.datetime) -> int:
    with transaction.atomic():
        rows = due_reminders(now).filter(pk=task_id).select_related("assignee")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        task = rows.first()
        if task is None:  # done, changed or claimed by another worker meanwhile
            return 0
        task.reminded_at = now
        task.save(update_fields=["reminded_at"])
        subject, body = _message(task)
        send_mail(subject, body, None, [task.assignee.email])  # raises: the claim is rolled back
    return 1


def _message(task: Activity) -> tuple[str, str]:
    """The email, in English and Chinese (Bastion keeps no per-user language for emails)."""
    link = settings.BASTION_BASE_URL + reverse("sales:my-day")
    parts = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            due = (
                _("Due: %(when)s") % {"when": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")}
                if task.due_at
                else _("No due time.")
            )
            heading = _("Reminder: %(subject)s") % {"subject": task.subject}
            parts.append("\n".join((heading, due, _("Open My day: %(link)s") % {"link": link})))
    with translation.override("en"):
        subject = _("Reminder: %(subject)s") % {"subject": task.subject}
    return subject[:150], "\n\n---\n\n".join(parts) + "\n"
