"""Handing a colleague's open work to another: what moves and what stays, the audit trail, the
team option, who may, bad recipients, batches that resume, and the administrators' page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from bastion.accounts.testing import step_up
from bastion.directory import actions as directory_actions
from bastion.directory.models import Company, Contact
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions, actions_activities, actions_leads, handover
from bastion.sales.models import Activity, Deal, Lead

pytestmark = pytest.mark.django_db


def at(days: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def meeting(subject: str, days: float, contact: Any) -> dict[str, Any]:
    return {"kind": "meeting", "subject": subject, "starts_at": at(days), "ends_at": at(days + 0.05), "contact": contact.pk}


@pytest.fixture
def book(personas: Any, stages: Any, customer: Any) -> dict[str, Any]:
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


def team_name(model: Any, record: Any) -> str:
    return str(model._base_manager.filter(pk=record.pk).values_list("team__name", flat=True).get())


def test_open_work_moves_and_history_stays(personas: Any, book: dict[str, Any]) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    assert handover.open_work(admin, east) == {"companies": 1, "contacts": 1, "leads": 1, "deals": 1, "activities": 2}
    result = handover.hand_over(admin, east, west, handover.KINDS)
    assert result.moved == {"companies": 1, "contacts": 1, "leads": 1, "deals": 1, "activities": 2}
    assert result.failed == [] and result.remaining == {}
    for name in ("company", "contact", "open_deal", "lead", "task", "meeting"):
        assert owner_of(book[name]) == west.pk, name
    for name in ("won_deal", "disqualified", "done_task", "past_meeting", "call"):
        assert owner_of(book[name]) == east.pk, name
    assert handover.open_work(admin, east) == dict.fromkeys(handover.KINDS, 0)
    event = AuditEvent.objects.filter(target_type="sales.deal", target_id=str(book["open_deal"].pk)).latest("sequence")
    assert event.actor_id == admin.pk and event.changes["owner"] == {"old": east.pk, "new": west.pk}


def test_only_the_chosen_kinds_move_and_the_team_follows_when_asked(personas: Any, book: dict[str, Any]) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    assert team_name(Deal, book["open_deal"]) == "Sales East"
    result = handover.hand_over(admin, east, west, ["deals"], to_their_team=True)
    assert (
        result.moved == {"deals": 1}
        and owner_of(book["open_deal"]) == west.pk
        and team_name(Deal, book["open_deal"]) == "Sales West"
    )
    assert owner_of(book["company"]) == east.pk and owner_of(book["task"]) == east.pk
    handover.hand_over(admin, east, west, ["companies"])
    assert owner_of(book["company"]) == west.pk and team_name(Company, book["company"]) == "Sales East"  # kept its team
    handover.hand_over(admin, east, west, ["activities"], to_their_team=True)
    assert owner_of(book["task"]) == west.pk and team_name(Activity, book["task"]) == "Sales West"
    west.membership.teams.clear()
    with pytest.raises(ValidationError) as raised:
        handover.hand_over(admin, east, west, ["contacts"], to_their_team=True)
    assert set(raised.value.message_dict) == {"to_their_team"} and owner_of(book["contact"]) == east.pk


def test_only_an_administrator_may_and_bad_recipients_are_named(personas: Any, book: dict[str, Any]) -> None:
    east, west = personas.rep_east, personas.rep_west
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        handover.hand_over(personas.sales_manager, east, west, handover.KINDS)
    for recipient, kinds in ((east, handover.KINDS), (personas.auditor, handover.KINDS), (None, handover.KINDS), (west, [])):
        with pytest.raises(ValidationError) as raised:
            handover.hand_over(personas.admin, east, recipient, kinds)
        assert set(raised.value.message_dict) == ({"kinds"} if recipient is west else {"recipient"})
    assert AuditEvent.objects.count() == before and owner_of(book["open_deal"]) == east.pk


def test_a_large_book_moves_in_batches_and_resumes(personas: Any, book: dict[str, Any], monkeypatch: Any) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    for number in range(4):
        directory_actions.create_contact(east, {"given_name": "Extra", "family_name": str(number)})
    monkeypatch.setattr(handover, "BATCH", 3)
    first = handover.hand_over(admin, east, west, handover.KINDS)
    assert first.moved_count == 3 and first.remaining_count == 7  # 10 open records in all
    second = handover.hand_over(admin, east, west, handover.KINDS)
    third = handover.hand_over(admin, east, west, handover.KINDS)
    assert (second.moved_count, third.moved_count, third.remaining_count) == (3, 3, 1)
    last = handover.hand_over(admin, east, west, handover.KINDS)
    assert last.moved_count == 1 and last.remaining == {}
    assert Contact._base_manager.filter(owner=east).count() == 0 and Lead._base_manager.filter(owner=east).count() == 1


def test_a_record_that_cannot_move_is_reported_and_does_not_hold_up_the_rest(
    personas: Any, book: dict[str, Any], monkeypatch: Any
) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    extra = [directory_actions.create_contact(east, {"given_name": "Extra", "family_name": str(n)}) for n in range(3)]
    erased = directory_actions.create_contact(east, {"given_name": "Gone", "family_name": "Person"})
    Contact._base_manager.filter(pk=erased.pk).update(erased_at=timezone.now())  # a tombstone: nobody's work
    stuck = min([book["contact"], *extra], key=lambda contact: contact.pk)
    contacts = handover.KINDS["contacts"]

    def refuse_one(actor: Any, pk: Any, recipient: Any, team: Any) -> Any:
        if pk == stuck.pk:
            raise ValidationError({"owner": ["Refused for the test."]})
        return contacts.move(actor, pk, recipient, team)

    monkeypatch.setitem(handover.KINDS, "contacts", dataclasses.replace(contacts, move=refuse_one))
    monkeypatch.setattr(handover, "BATCH", 2)
    assert handover.open_work(admin, east)["contacts"] == 4
    first = handover.hand_over(admin, east, west, ["contacts"])
    assert first.moved == {"contacts": 2} and first.failed == [("contacts", str(stuck.pk), "Refused for the test.")]
    assert first.remaining == {"contacts": 1}
    second = handover.hand_over(admin, east, west, ["contacts"])
    assert second.moved == {"contacts": 1} and len(second.failed) == 1 and second.remaining == {}
    assert owner_of(stuck) == east.pk and owner_of(erased) == east.pk


def test_a_record_deleted_or_taken_meanwhile_is_skipped(personas: Any, book: dict[str, Any], monkeypatch: Any) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    deals = handover.KINDS["deals"]

    def deleted_first(actor: Any, pk: Any, recipient: Any, team: Any) -> Any:
        Deal._base_manager.filter(pk=pk).delete()  # another user deletes it as its turn comes
        return deals.move(actor, pk, recipient, team)

    monkeypatch.setitem(handover.KINDS, "deals", dataclasses.replace(deals, move=deleted_first))
    result = handover.hand_over(admin, east, west, ["deals", "companies"])
    assert result.moved == {"deals": 0, "companies": 1} and [f[0] for f in result.failed] == ["deals"]
    original = dataclasses.replace(handover.KINDS["companies"])
    taken = directory_actions.create_company(east, {"name": "Taken meanwhile"})

    def taken_first(actor: Any, pk: Any, recipient: Any, team: Any) -> Any:
        raise AssertionError("a record no longer the colleague's must not be moved")

    Company._base_manager.filter(pk=taken.pk).update(owner=personas.sales_manager)
    monkeypatch.setitem(handover.KINDS, "companies", dataclasses.replace(original, move=taken_first))
    assert handover._move_one(admin, east, "companies", taken.pk, west, None, handover.HandOver()) == 0


def test_the_page_shows_the_work_and_hands_it_over_after_step_up(personas: Any, signed_in: Any, book: dict[str, Any]) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    client = signed_in(admin)
    url = reverse("sales:hand-over", args=[east.pk])
    assert 'data-testid="hand-over"' in client.get(reverse("accounts:staff-member", args=[east.pk])).content.decode()
    page = client.get(url).content.decode()
    assert 'data-kind="activities">2<' in page and 'data-testid="hand-over-form"' in page
    asked = client.post(url, {"recipient": west.pk, "kinds": ["deals"]})
    assert asked.status_code == 302 and "/reauthenticate/" in asked["Location"] and owner_of(book["open_deal"]) == east.pk
    step_up(client, admin)
    bad = client.post(url, {"recipient": east.pk, "kinds": ["deals"]})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode() and owner_of(book["open_deal"]) == east.pk
    done = client.post(url, {"recipient": west.pk, "kinds": ["deals", "activities"]}, follow=True)
    assert "3 records handed over to" in done.content.decode() and owner_of(book["open_deal"]) == west.pk
    assert signed_in(personas.sales_manager).get(url).status_code == 403
    empty = signed_in(admin).get(reverse("sales:hand-over", args=[personas.marketer.pk])).content.decode()
    assert 'data-testid="no-open-work"' in empty and 'data-testid="hand-over-form"' not in empty


def test_a_step_that_leaves_work_behind_offers_the_same_choices_again(
    personas: Any, signed_in: Any, book: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    monkeypatch.setattr(handover, "BATCH", 1)
    client = signed_in(admin)
    step_up(client, admin)
    url = reverse("sales:hand-over", args=[east.pk])
    choices = {"recipient": west.pk, "kinds": ["deals", "activities"], "to_their_team": "on"}
    done = client.post(url, choices)
    assert done["Location"] == f"{url}?recipient={west.pk}&kinds=deals&kinds=activities&to_their_team=1"
    again = client.get(done["Location"]).content.decode()
    assert "press Hand over again (the form is filled in as before)" in again
    assert f'<option value="{west.pk}" selected>' in again
    ticked = re.findall(r'<input type="checkbox" name="kinds" value="(\w+)"[^>]*? checked', again)
    assert ticked == ["deals", "activities"] and re.search(r'name="to_their_team"[^>]*? checked', again)
    steps = 1
    while "?" in done["Location"]:
        done, steps = client.post(url, choices), steps + 1
    assert steps == 3 and done["Location"] == url  # three records, one a step; the last step offers nothing again
    assert {key: count for key, count in handover.open_work(admin, east).items() if key in ("deals", "activities")} == {
        "deals": 0,
        "activities": 0,
    }
