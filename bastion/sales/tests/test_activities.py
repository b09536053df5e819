"""Activities: tasks, calls, meetings and notes; timelines; my day; the iCalendar export; allow and deny."""

from __future__ import annotations

import datetime as dt
from typing import Any

import icalendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions, actions_activities, selectors_activities
from bastion.sales.models import Activity

pytestmark = pytest.mark.django_db


def at(days: float = 0, hours: float = 0) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days, hours=hours)


@pytest.fixture
def deal(personas: Any, stages: Any, customer: Any) -> Any:
    company, contact = customer
    return actions.create_deal(personas.rep_east, {"name": "Aurora fleet", "company": company.pk, "contact": contact.pk})


def test_each_kind_lands_on_the_timelines_it_is_about(personas: Any, customer: Any, deal: Any, stages: Any) -> None:
    company, contact = customer
    rep = personas.rep_east
    call = actions_activities.create_activity(rep, {"kind": "call", "subject": "Intro call", "contact": contact.pk})
    note = actions_activities.create_activity(
        rep, {"kind": "note", "subject": "Budget is 50k", "company": company.pk, "details": "Confidential"}
    )
    meeting = actions_activities.create_activity(
        rep, {"kind": "meeting", "subject": "Demo", "deal": deal.pk, "starts_at": at(1), "ends_at": at(1, 1)}
    )
    actions.move_deal(rep, deal.pk, stages["Proposal"].pk)
    assert [e.activity for e in selectors_activities.timeline(rep, contact=contact)] == [call]
    assert [e.activity for e in selectors_activities.timeline(rep, company=company)] == [note]
    deal_line = selectors_activities.timeline(rep, deal=deal)
    assert deal_line[0].activity == meeting and {e.stage_change.to_name for e in deal_line[1:] if e.stage_change} == {
        "Qualification",
        "Proposal",
    }
    assert call.starts_at is not None and call.assignee == rep and call.team is not None
    event = AuditEvent.objects.get(target_type="sales.activity", target_id=str(note.pk))
    assert event.changes["details"] == {"changed": True}
    assert selectors_activities.timeline(personas.outsider, contact=contact) == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "meeting", "subject": "x", "starts_at": "2026-12-01T10:00"}, "ends_at"),
        ({"kind": "meeting", "subject": "x", "starts_at": "2026-12-01T10:00", "ends_at": "2026-12-01T09:00"}, "ends_at"),
        ({"kind": "task", "subject": "x", "due_at": "2026-12-01T10:00", "remind_at": "2026-12-02T10:00"}, "remind_at"),
        ({"kind": "note", "subject": "A note about nothing"}, "contact"),
        ({"kind": "task", "subject": ""}, "subject"),
        ({"kind": "email", "subject": "x"}, "kind"),
        ({"kind": "task", "subject": "x", "due_at": "tomorrow"}, "due_at"),
        ({"kind": "call", "subject": "x", "deal": "00000000-0000-0000-0000-000000000000"}, "deal"),
    ],
)
def test_bad_activities_name_the_field_and_write_nothing(personas: Any, data: Any, field: str) -> None:
    before = Activity.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        actions_activities.create_activity(personas.rep_east, data)
    assert field in error.value.message_dict
    assert (Activity.objects.count(), AuditEvent.objects.count()) == before


def test_my_day_shows_overdue_today_meetings_and_reminders(personas: Any, deal: Any) -> None:
    rep = personas.rep_east
    today = timezone.localdate()
    noon = timezone.make_aware(dt.datetime.combine(today, dt.time(12)))
    late = actions_activities.create_activity(
        rep, {"kind": "task", "subject": "Send quote", "due_at": noon - dt.timedelta(days=2), "deal": deal.pk}
    )
    due = actions_activities.create_activity(rep, {"kind": "task", "subject": "Call back", "due_at": noon})
    soon = actions_activities.create_activity(
        rep,
        {
            "kind": "task",
            "subject": "Contract",
            "due_at": noon + dt.timedelta(days=3),
            "remind_at": timezone.now() - dt.timedelta(minutes=1),
        },
    )
    meeting = actions_activities.create_activity(
        rep, {"kind": "meeting", "subject": "Demo", "deal": deal.pk, "starts_at": noon, "ends_at": noon + dt.timedelta(hours=1)}
    )
    actions_activities.create_activity(personas.rep_west, {"kind": "task", "subject": "Not mine", "due_at": noon})
    done = actions_activities.create_activity(rep, {"kind": "task", "subject": "Done already", "due_at": noon})
    actions_activities.set_done(rep, done.pk)
    day = selectors_activities.my_day(rep, today)
    assert (day.overdue, day.today, day.meetings, day.reminders) == ([late], [due], [meeting], [soon])
    actions_activities.set_done(rep, late.pk)
    assert selectors_activities.my_day(rep, today).overdue == []
    assert day.coming == [soon]  # due in three days (a reminder too)


def test_my_day_looks_a_week_ahead_at_open_tasks_and_meetings(personas: Any, signed_in: Any, deal: Any) -> None:
    rep = personas.rep_east
    noon = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12)))

    def task(subject: str, days: int) -> Any:
        return actions_activities.create_activity(
            rep, {"kind": "task", "subject": subject, "due_at": noon + dt.timedelta(days=days)}
        )

    tomorrow, in_six = task("Tomorrow's task", 1), task("In six days", 6)
    task("In eight days", 8)
    done = task("Done early", 2)
    actions_activities.set_done(rep, done.pk)
    starts = noon + dt.timedelta(days=3)
    meeting = actions_activities.create_activity(
        rep,
        {"kind": "meeting", "subject": "Review", "deal": deal.pk, "starts_at": starts, "ends_at": starts + dt.timedelta(hours=1)},
    )
    actions_activities.create_activity(
        personas.rep_west, {"kind": "task", "subject": "Not mine", "due_at": noon + dt.timedelta(days=1)}
    )
    assert selectors_activities.my_day(rep).coming == [tomorrow, meeting, in_six]
    page = signed_in(rep).get(reverse("sales:my-day")).content.decode()
    coming = page[page.index('data-testid="coming"') :]
    assert "Coming up in the next 7 days" in coming and "Nothing due today" in page
    assert coming.index("Tomorrow&#x27;s task") < coming.index("Review") < coming.index("In six days")
    assert "In eight days" not in page and "Not mine" not in page and "Done early" not in page


def test_calendar_export_has_meetings_and_tasks(signed_in: Any, personas: Any, deal: Any) -> None:
    rep = personas.rep_east
    actions_activities.create_activity(
        rep,
        {"kind": "meeting", "subject": "Demo, part 1; bring the robot", "deal": deal.pk, "starts_at": at(1), "ends_at": at(1, 1)},
    )
    actions_activities.create_activity(
        rep, {"kind": "task", "subject": "Send quote", "due_at": at(2), "remind_at": at(1), "details": "secret"}
    )
    actions_activities.create_activity(rep, {"kind": "note", "subject": "Not in a calendar", "deal": deal.pk})
    actions_activities.create_activity(personas.rep_west, {"kind": "task", "subject": "West's task", "due_at": at(1)})
    response = signed_in(rep).get(reverse("sales:calendar-download"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events, todos = calendar.walk("VEVENT"), calendar.walk("VTODO")
    assert [str(e["SUMMARY"]) for e in events] == ["Demo, part 1; bring the robot"]
    assert [str(t["SUMMARY"]) for t in todos] == ["Send quote"] and todos[0].walk("VALARM")
    assert b"secret" not in response.content and b"West" not in response.content
    assert str(events[0]["DESCRIPTION"]).startswith("Aurora fleet")


@pytest.mark.parametrize("who", ["outsider", "auditor"])
def test_roles_without_customer_records_cannot_touch_activities(signed_in: Any, personas: Any, deal: Any, who: str) -> None:
    task = actions_activities.create_activity(
        personas.rep_east, {"kind": "task", "subject": "Private task", "deal": deal.pk, "due_at": at(1)}
    )
    before = list(Activity.objects.values()), AuditEvent.objects.filter(target_type="sales.activity").count()
    user = getattr(personas, who)
    with pytest.raises(PermissionDenied):
        actions_activities.create_activity(user, {"kind": "task", "subject": "x"})
    for attempt in (
        lambda: actions_activities.update_activity(user, task.pk, {"subject": "Hacked"}),
        lambda: actions_activities.set_done(user, task.pk),
        lambda: actions_activities.delete_activity(user, task.pk),
    ):
        with pytest.raises((PermissionDenied, Http404)):
            attempt()
    client = signed_in(user)
    for url in (reverse("sales:my-day"), reverse("sales:calendar-download")):
        response = client.get(url)
        assert response.status_code == 403 and b"Private task" not in response.content
    assert client.post(reverse("sales:activity-done", args=[task.pk])).status_code == 403
    assert (list(Activity.objects.values()), AuditEvent.objects.filter(target_type="sales.activity").count()) == before


def test_activity_pages_and_timeline_on_the_record_pages(signed_in: Any, personas: Any, customer: Any, deal: Any) -> None:
    company, contact = customer
    rep = signed_in(personas.rep_east)
    back = reverse("sales:deal-detail", args=[deal.pk])
    form = rep.get(reverse("sales:activity-create"), {"kind": "call", "deal": deal.pk, "next": back})
    assert form.status_code == 200
    response = rep.post(
        reverse("sales:activity-create"),
        {"kind": "call", "subject": "Pricing call", "deal": deal.pk, "next": back, "assignee": personas.rep_east.pk},
    )
    assert response.status_code == 302 and response["Location"] == back
    for url in (
        back,
        reverse("directory:contact-detail", args=[contact.pk]),
        reverse("directory:company-detail", args=[company.pk]),
    ):
        body = rep.get(url).content.decode()
        assert 'data-testid="timeline"' in body
    assert "Pricing call" in rep.get(back).content.decode()
    task = rep.post(
        reverse("sales:activity-create"),
        {"kind": "task", "subject": "Follow up", "due_at": "2020-01-01T09:00", "assignee": personas.rep_east.pk},
    )
    assert task.status_code == 302
    day = rep.get(reverse("sales:my-day")).content.decode()
    assert "Follow up" in day and 'data-testid="overdue"' in day
    made = Activity.objects.get(subject="Follow up")
    rep.post(reverse("sales:activity-done", args=[made.pk]), {"done": "yes"})
    made.refresh_from_db()
    assert made.is_done


def test_activities_over_the_api(personas: Any, api_as: Any, deal: Any) -> None:
    api = api_as(personas.rep_east)
    created = api.post(
        "/api/v1/activities/",
        {"kind": "task", "subject": "Quote", "deal": str(deal.pk), "due_at": "2026-12-01T09:00:00Z"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/activities/{created.json()['id']}/"
    assert api.patch(url, {"done": True}, format="json").json()["done_at"] is not None
    line = api.get("/api/v1/activities/", {"deal": str(deal.pk)}).json()
    assert [a["subject"] for a in line["results"]] == ["Quote"] and line["next"] is None
    calendar = api.get("/api/v1/activities/calendar/")
    assert calendar.status_code == 200 and b"BEGIN:VCALENDAR" in calendar.content
    assert api_as(personas.rep_east, scopes=["deal:read"]).get(url).status_code == 403
    assert api_as(personas.outsider).get(url).status_code in (403, 404)
    assert api.delete(url).status_code == 204
