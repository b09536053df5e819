"""The activity list's tick boxes: "Mark the chosen tasks done" and "Change assignee", on the page
and through the API. Each activity changes through its own action (audited); a task already done,
a call, a meeting or a note is left as it was; what the user cannot see is never touched."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from bastion.accounts import sharing
from bastion.kernel.access.roles import POLICIES, RecordAccess
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions_activities
from bastion.sales.models import Activity

pytestmark = pytest.mark.django_db
UNSEEN = "No such record, or you may not see it."


def due(days: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


@pytest.fixture
def work(personas: Any, customer: Any) -> dict[str, Any]:
    east, west = personas.rep_east, personas.rep_west
    add = actions_activities.create_activity
    made = {
        "quote": add(east, {"kind": "task", "subject": "Send the quote", "due_at": due(1)}),
        "call_back": add(east, {"kind": "task", "subject": "Call Ada back", "due_at": due(-1)}),
        "booked": add(east, {"kind": "task", "subject": "Book a room", "due_at": due(-2)}),
        "meeting": add(east, {"kind": "meeting", "subject": "Demo", "starts_at": due(2), "ends_at": due(2.05),
                              "contact": customer[1].pk}),
        "west": add(west, {"kind": "task", "subject": "West coast follow-up", "due_at": due(1)}),
    }  # fmt: skip
    actions_activities.set_done(east, made["booked"].pk, True)
    return made


def done_at(activity: Any) -> Any:
    return Activity._base_manager.values_list("done_at", flat=True).get(pk=activity.pk)


def assignee(activity: Any) -> Any:
    return Activity._base_manager.values_list("assignee_id", flat=True).get(pk=activity.pk)


def updates(activity: Any) -> int:
    # A fresh query each time: reading the audit trail seals what waits in its inbox first.
    return AuditEvent.objects.filter(target_id=str(activity.pk), kind=EventKind.RECORD_UPDATED).count()


def test_the_list_ticks_tasks_and_marks_them_done(personas: Any, signed_in: Any, work: dict[str, Any]) -> None:
    client = signed_in(personas.rep_east)
    listed = client.get(reverse("sales:activity-list")).content.decode()
    assert f'formaction="{reverse("sales:done-chosen")}"' in listed and 'data-select-all="record"' in listed
    assert f'form="chosen" name="record" value="{work["quote"].pk}"' in listed and str(work["west"].pk) not in listed
    booked_at, before = done_at(work["booked"]), {key: updates(activity) for key, activity in work.items()}
    chosen = [str(work[key].pk) for key in ("quote", "call_back", "booked", "meeting", "west")]
    response = client.post(reverse("sales:done-chosen"), {"record": chosen, "next": "/activities/?kind=task", "choosing": "1"})
    assert response.status_code == 302 and response["Location"] == "/activities/?kind=task"
    assert done_at(work["quote"]) is not None and done_at(work["call_back"]) is not None
    assert done_at(work["booked"]) == booked_at and done_at(work["meeting"]) is None and done_at(work["west"]) is None
    after = {key: updates(activity) for key, activity in work.items()}
    assert {key for key in work if after[key] != before[key]} == {"quote", "call_back"}
    shown = client.get(response["Location"]).content.decode()
    assert "2 tasks marked done." in shown and "2 were already done or are not tasks" in shown
    nothing = client.post(reverse("sales:done-chosen"), {"next": "/activities/"}, follow=True).content.decode()
    assert "Nothing was marked done: tick the tasks first." in nothing


def test_a_meeting_is_never_marked_done(personas: Any, work: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as refused:
        actions_activities.set_done(personas.rep_east, work["meeting"].pk, True)
    assert refused.value.message_dict == {"done": ["Only a task can be marked done or open."]}
    assert done_at(work["meeting"]) is None


def test_change_the_assignee_of_chosen_activities(personas: Any, signed_in: Any, work: dict[str, Any]) -> None:
    east, manager = personas.rep_east, personas.sales_manager
    client = signed_in(east)
    url = reverse("sales:change-owner", args=["activities"])
    chosen = [str(work[key].pk) for key in ("quote", "meeting", "west")]
    page = client.post(url, {"record": chosen, "choosing": "1", "next": "/activities/"}).content.decode()
    assert "Change the assignee of 2 activities" in page and "Assignee now" in page and "New assignee" in page
    assert "Send the quote" in page and "Demo" in page and "West coast follow-up" not in page
    done = client.post(url, {"record": chosen, "owner": manager.pk, "next": "/activities/"})
    assert done.status_code == 302 and done["Location"] == "/activities/"
    assert [assignee(work[key]) for key in ("quote", "meeting", "west")] == [manager.pk, manager.pk, personas.rep_west.pk]
    assert assignee(work["call_back"]) == east.pk


def test_only_writers_mark_chosen_tasks_done(personas: Any, signed_in: Any, work: dict[str, Any]) -> None:
    task = work["quote"]
    for name, someone in personas.all().items():
        membership = getattr(someone, "membership", None)
        policy = POLICIES.get(membership.role) if membership is not None else None
        writes = policy is not None and policy.customer_records == RecordAccess.WRITE
        if done_at(task) is not None:
            actions_activities.set_done(personas.rep_east, task.pk, False)  # open again before each try
        events, was = updates(task), done_at(task)
        response = signed_in(someone).post(reverse("sales:done-chosen"), {"record": [str(task.pk)], "next": "/activities/"})
        if writes:
            assert response.status_code == 302, name
        else:
            assert response.status_code == 403, name
            assert done_at(task) == was and updates(task) == events, name  # nothing changed, no change recorded
        if name == "rep_east":
            assert done_at(task) is not None  # its owner could


def test_the_api_marks_chosen_tasks_done_and_changes_assignees(personas: Any, api_as: Any, work: dict[str, Any]) -> None:
    east, manager = personas.rep_east, personas.sales_manager
    api, missing = api_as(east), uuid.uuid4()
    chosen = [str(work[key].pk) for key in ("quote", "booked", "meeting", "west")] + [str(missing)]
    body = api.post("/api/v1/activities/done/", {"records": chosen}, format="json").json()
    refused = [{"id": str(work["west"].pk), "reason": UNSEEN}, {"id": str(missing), "reason": UNSEEN}]  # alike: no oracle
    assert body == {"changed": 1, "unchanged": 2, "refused": refused}
    assert done_at(work["quote"]) is not None and done_at(work["west"]) is None and done_at(work["meeting"]) is None
    moved = api.post("/api/v1/activities/change-owner/", {"records": [str(work["call_back"].pk)], "owner": manager.pk},
                     format="json")  # fmt: skip
    assert moved.json() == {"changed": 1, "unchanged": 0, "refused": []} and assignee(work["call_back"]) == manager.pk
    bad = api.post("/api/v1/activities/done/", {"records": ["not-an-id"]}, format="json")
    assert bad.status_code == 400 and "records" in str(bad.json())
    read_only = api_as(east, scopes=["activity:read"]).post("/api/v1/activities/done/", {"records": chosen}, format="json")
    assert read_only.status_code == 403 and done_at(work["call_back"]) is None


def test_marking_a_meeting_done_from_its_own_button_says_why_not(personas: Any, signed_in: Any, work: dict[str, Any]) -> None:
    client = signed_in(personas.rep_east)
    url = reverse("sales:activity-done", args=[work["meeting"].pk])
    response = client.post(url, {"done": "yes", "next": "/activities/"}, follow=True)
    assert response.status_code == 200 and "Only a task can be marked done or open." in response.content.decode()
    assert done_at(work["meeting"]) is None and updates(work["meeting"]) == 0


def test_a_task_shared_read_only_is_named_and_stays_open(personas: Any, signed_in: Any, work: dict[str, Any]) -> None:
    east, west = personas.rep_east, personas.rep_west
    until = timezone.localdate() + dt.timedelta(days=7)
    sharing.share_record(west, Activity, work["west"].pk, user=east.pk, level="read", expires_on=until)
    chosen = [str(work["west"].pk), str(work["quote"].pk)]
    body = signed_in(east).post(reverse("sales:done-chosen"), {"record": chosen}, follow=True).content.decode()
    assert "1 task marked done." in body and "1 task could not be marked done, for example “West coast follow-up”" in body
    assert done_at(work["west"]) is None and done_at(work["quote"]) is not None
