"""Task reminders by email, through a real SMTP server (aiosmtpd): sent once, when due, to the
assignee; never for done tasks or disabled users; a failed send is retried; a new time re-arms it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from bastion.kernel.testing_smtp import Inbox, body, free_port
from bastion.sales import actions_activities
from bastion.sales.reminders import send_due_reminders
from bastion.sales.tasks import send_task_reminders

pytestmark = pytest.mark.django_db


def task(user: Any, subject: str, remind_in: dt.timedelta, **extra: Any) -> Any:
    now = timezone.now()
    data = {"kind": "task", "subject": subject, "remind_at": now + remind_in, "due_at": now + remind_in + dt.timedelta(hours=2)}
    return actions_activities.create_activity(user, {**data, **extra})


def test_a_due_reminder_is_emailed_once_to_the_assignee(personas: Any, smtp: Inbox) -> None:
    due = task(personas.rep_east, "Send the proposal to Aurora", -dt.timedelta(minutes=1))
    later = task(personas.rep_east, "Call back next week", dt.timedelta(days=7))
    assert send_task_reminders.call_local() == 1
    [message] = smtp.messages
    assert message["X-Envelope-To"] == "rep_east@bastion.test"
    assert message["Subject"] == "Reminder: Send the proposal to Aurora"
    text = body(message)
    assert (
        "Send the proposal to Aurora" in text
        and "提醒：Send the proposal to Aurora" in text
        and "http://127.0.0.1:8000/my-day/" in text
    )
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.reminded_at is not None and later.reminded_at is None
    assert send_due_reminders() == 0 and len(smtp.messages) == 1  # never twice


def test_done_tasks_and_disabled_assignees_get_no_email(personas: Any, smtp: Inbox) -> None:
    done = task(personas.rep_east, "Already done", -dt.timedelta(minutes=5))
    actions_activities.set_done(personas.rep_east, done.pk)
    task(personas.rep_west, "For someone who left", -dt.timedelta(minutes=5))
    personas.rep_west.is_active = False
    personas.rep_west.save(update_fields=["is_active"])
    assert send_due_reminders() == 0 and smtp.messages == []


def test_a_failed_send_is_kept_for_the_next_run(personas: Any, smtp: Inbox, settings: Any) -> None:
    pending = task(personas.rep_east, "Prepare the demo", -dt.timedelta(minutes=1))
    settings.EMAIL_PORT = free_port()  # nothing listens there: the send fails
    assert send_due_reminders() == 0
    pending.refresh_from_db()
    assert pending.reminded_at is None and smtp.messages == []
    settings.EMAIL_PORT = smtp.port  # the server is back
    assert send_due_reminders() == 1 and [m["Subject"] for m in smtp.messages] == ["Reminder: Prepare the demo"]


def test_a_new_reminder_time_sends_again(personas: Any, smtp: Inbox) -> None:
    pending = task(personas.rep_east, "Check the contract draft", -dt.timedelta(minutes=1))
    assert send_due_reminders() == 1
    later = timezone.now() + dt.timedelta(minutes=30)
    actions_activities.update_activity(
        personas.rep_east, pending.pk, {"remind_at": later, "due_at": later + dt.timedelta(hours=1)}
    )
    pending.refresh_from_db()
    assert pending.reminded_at is None
    assert send_due_reminders() == 0  # not yet
    assert send_due_reminders(now=later + dt.timedelta(seconds=1)) == 1 and len(smtp.messages) == 2
