"""Handing a colleague's open work to another: what moves and what stays, the audit trail, the
team option, who may, bad recipients, batches that resume, and the administrators' page
(the background job that runs the batches: test_handover_jobs.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from bastion.accounts.testing import step_up
from bastion.directory import actions as directory_actions
from bastion.directory.models import Company, Contact
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import handover
from bastion.sales.models import Activity, Deal, Lead
from bastion.sales.tests.handover_book import owner_of

pytestmark = pytest.mark.django_db


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
    assert done.redirect_chain[0][0].startswith(f"{url}") and done.redirect_chain[0][0] != url  # to the job's page
    assert "3 records were handed over to" in done.content.decode() and owner_of(book["open_deal"]) == west.pk
    assert signed_in(personas.sales_manager).get(url).status_code == 403
    empty = signed_in(admin).get(reverse("sales:hand-over", args=[personas.marketer.pk])).content.decode()
    assert 'data-testid="no-open-work"' in empty and 'data-testid="hand-over-form"' not in empty
