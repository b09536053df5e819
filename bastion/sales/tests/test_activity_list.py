"""The activity list: every task, call, meeting and note the user can see, filtered by kind, task
state, period, assignee and subject, a keyset page at a time, in the web page, the API and the
audited CSV export; a colleague's activity on another team stays off all three."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bastion.accounts.testing import step_up
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions_activities
from bastion.sales.selectors_activities import ActivityFilters, activity_list

pytestmark = pytest.mark.django_db


def at(days: float = 0, hours: float = 0) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days, hours=hours)


def today_at(hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(hour)))


@pytest.fixture
def work(personas: Any, customer: Any) -> dict[str, Any]:
    """rep_east's activities of every kind and state, and rep_west's task (another team)."""
    company, contact = customer
    east, west = personas.rep_east, personas.rep_west
    add = actions_activities.create_activity
    made = {
        "overdue": add(east, {"kind": "task", "subject": "Send the quote", "due_at": at(-3), "contact": contact.pk}),
        "later": add(east, {"kind": "task", "subject": "Renewal check", "due_at": at(3), "company": company.pk}),
        "done": add(east, {"kind": "task", "subject": "Book the venue", "due_at": at(-2)}),
        "call": add(east, {"kind": "call", "subject": "Intro call", "starts_at": at(-10), "contact": contact.pk}),
        "meeting": add(
            east,
            {
                "kind": "meeting",
                "subject": "Demo day",
                "starts_at": at(2),
                "ends_at": at(2, 1),
                "company": company.pk,
            },
        ),
        "note": add(east, {"kind": "note", "subject": "Budget is 50k", "company": company.pk}),
        "west": add(west, {"kind": "task", "subject": "West coast follow-up", "due_at": at(1)}),
    }
    actions_activities.set_done(east, made["done"].pk, True)
    return made


def subjects(user: Any, **filters: Any) -> set[str]:
    return {activity.subject for activity in activity_list(user, ActivityFilters(**filters))}


def test_each_filter_keeps_exactly_its_activities(personas: Any, work: dict[str, Any]) -> None:
    east = personas.rep_east
    assert subjects(east) == {a.subject for name, a in work.items() if name != "west"}
    assert subjects(east, state="to_do") == {"Send the quote", "Renewal check"}
    assert subjects(east, state="overdue") == {"Send the quote"}
    assert subjects(east, state="done") == {"Book the venue"}
    assert subjects(east, kind="call") == {"Intro call"}
    assert subjects(east, period="earlier") == {"Send the quote", "Book the venue", "Intro call"}
    assert subjects(east, period="next_7_days") == {"Renewal check", "Demo day", "Budget is 50k"}
    assert subjects(east, q="QUOTE") == {"Send the quote"}
    assert subjects(east, contact_id=work["call"].contact_id) == {"Send the quote", "Intro call"}
    assert subjects(personas.sales_manager, assignee_id=personas.rep_west.pk) == {"West coast follow-up"}
    assert subjects(east, assignee_id=personas.rep_west.pk) == set()  # another team's task stays hidden
    assert subjects(personas.outsider) == set()


def test_today_is_the_local_day_and_a_task_due_today_is_not_overdue(personas: Any) -> None:
    """In Shanghai (UTC+8), 01:00 and 23:00 of the local day fall on two different UTC days: a
    period reckoned in UTC would miss one of them, whatever the hour the test runs."""
    east = personas.rep_east
    with timezone.override("Asia/Shanghai"):
        for subject, due in (
            ("Morning", today_at(1)),
            ("Evening", today_at(23)),
            ("Tomorrow", today_at(1) + dt.timedelta(days=1)),
        ):
            actions_activities.create_activity(east, {"kind": "task", "subject": subject, "due_at": due})
        assert subjects(east, period="today") == {"Morning", "Evening"}
        assert subjects(east, state="overdue") == set()  # due earlier today is not overdue yet (My day agrees)


def test_the_page_filters_pages_and_reports_a_bad_filter(personas: Any, signed_in: Any, work: dict[str, Any]) -> None:
    client = signed_in(personas.rep_east)
    page = client.get(reverse("sales:activity-list"), {"state": "to_do"}).content.decode()
    assert "Send the quote" in page and "Renewal check" in page and "Intro call" not in page
    assert "West coast" not in page and 'data-testid="export-activities"' in page and "Mark done" in page
    bad = client.get(reverse("sales:activity-list"), {"kind": "party"}).content.decode()
    assert "Select a valid choice" in bad and "Intro call" in bad  # the bad filter is named and ignored
    paging = {"limit": 2, "ordering": "when"}
    first = client.get(reverse("sales:activity-list"), paging)
    assert [a.subject for a in first.context["page"].items] == ["Intro call", "Send the quote"]
    second = client.get(reverse("sales:activity-list"), {**paging, "cursor": first.context["page"].next_cursor})
    assert [a.subject for a in second.context["page"].items] == ["Book the venue", "Budget is 50k"]
    damaged = client.get(reverse("sales:activity-list"), {"cursor": "not-a-cursor"})
    assert damaged.status_code == 400 and "Send the quote" not in damaged.content.decode()


def test_the_page_says_when_nothing_matches_or_nothing_exists(personas: Any, signed_in: Any, work: dict[str, Any]) -> None:
    client = signed_in(personas.rep_east)
    none = client.get(reverse("sales:activity-list"), {"q": "zebra"}).content.decode()
    assert "No activities match “zebra”" in none and 'data-testid="export-activities"' not in none
    empty = signed_in(personas.service_agent).get(reverse("sales:activity-list")).content.decode()
    assert "No activities yet" in empty and "Send the quote" not in empty
    swap = client.get(reverse("sales:activity-list"), {"kind": "note"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Budget is 50k" in swap and "Intro call" not in swap and "<html" not in swap
    export_link = swap[swap.index('id="export-link"') :]
    assert export_link.startswith('id="export-link" class="export-link" hx-swap-oob="true"') and "kind=note" in export_link
    add_task = swap[swap.index('id="list-actions"') :]
    assert 'hx-swap-oob="true"' in add_task[:80] and "next=/activities/%3Fkind%3Dnote" in add_task


def test_the_export_is_the_filtered_list_audited_behind_a_fresh_factor(
    personas: Any, signed_in: Any, api_as: Any, work: dict[str, Any]
) -> None:
    client = signed_in(personas.rep_east)
    refused = client.get(reverse("sales:activity-export"))
    assert refused.status_code == 302 and refused["Location"].startswith("/accounts/2fa/reauthenticate/")
    token = api_as(personas.rep_east, ["activity:read"]).get("/api/v1/activities/export/")
    assert token.status_code == 403 and b"Send the quote" not in token.content
    assert not AuditEvent.objects.filter(kind=EventKind.EXPORTED).exists()
    step_up(client, personas.rep_east)
    response = client.get(reverse("sales:activity-export"), {"kind": "task", "ordering": "when"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    header, *rows = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff").splitlines()
    assert header.startswith("Id,Kind,Subject,Details,Due")
    assert [row.split(",")[2] for row in rows] == ["Send the quote", "Book the venue", "Renewal check"]
    event = AuditEvent.objects.get(kind=EventKind.EXPORTED)
    assert event.target_type == "sales.activity" and event.extra["count"] == 3 and event.extra["filters"] == {"kind": "task"}


def test_the_api_lists_filters_and_pages(personas: Any, api_as: Any, work: dict[str, Any]) -> None:
    api = api_as(personas.rep_east)
    tasks = api.get("/api/v1/activities/", {"state": "to_do", "ordering": "when"}).json()
    assert [a["subject"] for a in tasks["results"]] == ["Send the quote", "Renewal check"] and tasks["next"] is None
    page = api.get("/api/v1/activities/", {"limit": 3}).json()
    assert len(page["results"]) == 3 and page["next"] is not None
    rest = api.get(page["next"]).json()
    assert len(rest["results"]) == 3 and rest["next"] is None
    assert "West coast follow-up" not in {a["subject"] for a in page["results"] + rest["results"]}
    bad = api.get("/api/v1/activities/", {"state": "someday", "contact": "not-an-id"})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"state", "contact"}
    hidden = api_as(personas.rep_west).get("/api/v1/activities/", {"contact": str(work["call"].contact_id)})
    assert hidden.status_code == 400 and set(hidden.json()["fields"]) == {"contact"} and b"Intro call" not in hidden.content


def test_a_record_the_reader_may_not_see_is_not_named_anywhere(personas: Any, signed_in: Any, api_as: Any, customer: Any) -> None:
    """A task assigned to rep_west on rep_east's contact: rep_west reads the task, never the contact."""
    company, contact = customer
    west = personas.rep_west
    task = actions_activities.create_activity(
        personas.admin,
        {"kind": "task", "subject": "Cover for East", "due_at": at(0.1), "contact": contact.pk, "assignee": west.pk},
    )
    client = signed_in(west)
    for url in (reverse("sales:activity-list"), reverse("sales:my-day")):
        page = client.get(url).content.decode()
        assert "Cover for East" in page and "Mei Chen" not in page and str(contact.pk) not in page, url
    listed = api_as(west).get("/api/v1/activities/").json()["results"]
    assert [(a["subject"], a["contact"]) for a in listed] == [("Cover for East", None)]
    calendar = client.get(reverse("sales:calendar-download")).content.decode()
    assert "Cover for East" in calendar and "Mei Chen" not in calendar
    step_up(client, west)
    exported = b"".join(client.get(reverse("sales:activity-export")).streaming_content).decode()
    assert "Cover for East" in exported and "Mei Chen" not in exported
    refused = client.get("/api/v1/activities/export/", {"contact": str(contact.pk)})  # the session has stepped up
    assert (
        refused.status_code == 400 and set(refused.json()["fields"]) == {"contact"} and b"Cover for East" not in refused.content
    )
    shown = api_as(west).get(f"/api/v1/activities/{task.pk}/").json()
    assert shown["subject"] == "Cover for East" and shown["contact"] is None
    owner_view = signed_in(personas.rep_east).get(reverse("directory:contact-detail", args=[contact.pk])).content.decode()
    assert "Mei Chen" in owner_view and task.subject not in owner_view  # west's team's task stays off east's timeline


def test_a_records_activities_open_from_its_timeline(personas: Any, signed_in: Any, work: dict[str, Any]) -> None:
    contact_id = work["call"].contact_id
    client = signed_in(personas.rep_east)
    page = client.get(reverse("directory:contact-detail", args=[contact_id])).content.decode()
    link = f'href="/activities/?contact={contact_id}&amp;ordering=-when" data-testid="timeline-all-activities"'
    assert link in page
    listed = client.get(reverse("sales:activity-list"), {"contact": str(contact_id)}).content.decode()
    assert "Only the activities on the contact Mei Chen." in listed and "Show all activities" in listed
    assert "Send the quote" in listed and "Intro call" in listed and "Renewal check" not in listed
    assert f'name="contact" value="{contact_id}"' in listed  # kept when another filter changes
    assert f"/activities/new/?kind=task&amp;contact={contact_id}&amp;next=" in listed  # a new task is about it too
    hidden = signed_in(personas.rep_west).get(reverse("sales:activity-list"), {"contact": str(contact_id)}).content.decode()
    assert "does not exist, or you cannot see it" in hidden and "Mei Chen" not in hidden and "Send the quote" not in hidden
    assert "West coast follow-up" in hidden  # the filter is dropped, not the page
