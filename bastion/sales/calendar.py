"""iCalendar (RFC 5545) export of a user's meetings and tasks, written with the ``icalendar`` library.

Meetings become VEVENTs, tasks VTODOs (due time, reminder as a VALARM, completed when done).
Only the subject and the names of what the activity is about go out: the details stay in Bastion.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import icalendar
from django.utils import timezone

from bastion.sales.models import Activity, ActivityKind

PRODID = "-//Bastion CRM//Activities//EN"


def _about(activity: Activity) -> str:
    parts = []
    if activity.deal is not None:
        parts.append(activity.deal.name)
    if activity.company is not None:
        parts.append(activity.company.name)
    if activity.contact is not None:
        parts.append(activity.contact.display_name)
    if activity.lead is not None:
        parts.append(activity.lead.display_name)
    return " · ".join(parts)


def _component(activity: Activity, host: str) -> Any:
    item: Any
    if activity.kind == ActivityKind.MEETING:
        item = icalendar.Event()
        item.add("dtstart", activity.starts_at)
        item.add("dtend", activity.ends_at)
    else:
        item = icalendar.Todo()
        if activity.due_at is not None:
            item.add("due", activity.due_at)
        if activity.done_at is not None:
            item.add("status", "COMPLETED")
            item.add("completed", activity.done_at)
        else:
            item.add("status", "NEEDS-ACTION")
        if activity.remind_at is not None:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", activity.subject)
            alarm.add("trigger", activity.remind_at)
            item.add_component(alarm)
    item.add("uid", f"{activity.pk}@{host}")
    item.add("dtstamp", timezone.now())
    item.add("last-modified", activity.updated_at)
    item.add("summary", activity.subject)
    about = _about(activity)
    if about:
        item.add("description", about)
    return item


def calendar_file(items: Iterable[Activity], *, host: str, name: str) -> bytes:
    """The ``text/calendar`` body for ``items``."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for activity in items:
        calendar.add_component(_component(activity, host))
    return bytes(calendar.to_ical())
