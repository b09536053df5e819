"""rep_east's book of work for the hand-over tests (test_handover.py, test_handover_jobs.py): open
and closed deals, leads, tasks, meetings and a call; the ``book`` fixture in conftest.py makes it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from bastion.sales import actions, actions_activities, actions_leads
from bastion.sales.models import Activity


def at(days: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def meeting(subject: str, days: float, contact: Any) -> dict[str, Any]:
    return {"kind": "meeting", "subject": subject, "starts_at": at(days), "ends_at": at(days + 0.05), "contact": contact.pk}


def make_book(personas: Any, stages: Any, customer: Any) -> dict[str, Any]:
    """rep_east's work: open and closed deals, a lead being worked and a disqualified one, open and done
    tasks, a coming and a past meeting, a call and a note."""
    east = personas.rep_east
    company, contact = customer
    add = actions_activities.create_activity
    made = {
        "company": company,
        "contact": contact,
        "open_deal": actions.create_deal(east, {"name": "Fleet renewal", "company": company.pk}),
        "won_deal": actions.create_deal(east, {"name": "Pilot", "stage": stages["Won"].pk}),
        "lead": actions_leads.create_lead(east, {"given_name": "Ana", "family_name": "Souza", "email": "ana@tide.example"}),
        "disqualified": actions_leads.create_lead(east, {"given_name": "Bo", "family_name": "Li", "email": "bo@li.example"}),
        "task": add(east, {"kind": "task", "subject": "Send the quote", "due_at": at(2)}),
        "done_task": add(east, {"kind": "task", "subject": "Book a room", "due_at": at(-2)}),
        "meeting": add(east, meeting("Demo", 3, contact)),
        "past_meeting": add(east, meeting("Kick-off", -3, contact)),
        "call": add(east, {"kind": "call", "subject": "Intro call", "contact": contact.pk}),
    }  # fmt: skip
    actions_leads.update_lead(east, made["disqualified"].pk, {"status": "disqualified"})
    actions_activities.set_done(east, made["done_task"].pk, True)
    return made


def owner_of(record: Any) -> Any:
    fresh = type(record)._base_manager.get(pk=record.pk)
    return fresh.assignee_id if isinstance(fresh, Activity) else fresh.owner_id
