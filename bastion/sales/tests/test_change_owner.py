"""A list's "Change owner": chosen companies, contacts, leads or deals go to a colleague, each
through its update (the audit trail records each), only those the user may change, and none that
already belongs to that colleague."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bastion.accounts import sharing
from bastion.directory import actions as directory
from bastion.directory import actions_erase
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions, actions_leads
from bastion.sales.models import Deal

pytestmark = pytest.mark.django_db


def _company(actor: Any, name: str) -> Any:
    return directory.create_company(actor, {"name": name})


def _contact(actor: Any, name: str) -> Any:
    given, family = name.split()
    return directory.create_contact(actor, {"given_name": given, "family_name": family})


def _lead(actor: Any, name: str) -> Any:
    given, family = name.split()
    return actions_leads.create_lead(actor, {"given_name": given, "family_name": family, "email": f"{family}@example.com"})


def _deal(actor: Any, name: str) -> Any:
    return actions.create_deal(actor, {"name": name})


# kind: (list page, audit target type, makes a record named ... owned by actor)
KINDS: dict[str, tuple[str, str, Callable[[Any, str], Any]]] = {
    "companies": ("directory:company-list", "directory.company", _company),
    "contacts": ("directory:contact-list", "directory.contact", _contact),
    "leads": ("sales:lead-list", "sales.lead", _lead),
    "deals": ("sales:deal-list", "sales.deal", _deal),
}


def owner_changes(target_type: str) -> int:
    # A fresh query each time: reading the audit trail seals what waits in its inbox first.
    return AuditEvent.objects.filter(target_type=target_type, kind=EventKind.RECORD_UPDATED, changes__has_key="owner").count()


def owner(record: Any) -> Any:
    return type(record)._base_manager.values_list("owner_id", flat=True).get(pk=record.pk)


@pytest.mark.parametrize("kind", KINDS)
def test_each_list_offers_it_and_moves_only_what_the_user_can_see(kind: str, personas: Any, signed_in: Any, stages: Any) -> None:
    list_page, target_type, make = KINDS[kind]
    east, west, manager = personas.rep_east, personas.rep_west, personas.sales_manager
    mine = [make(east, "Ada Fleetwood"), make(east, "Bea Pilotti")]
    theirs = make(west, "Cyd Westerly")
    client = signed_in(east)
    listed = client.get(reverse(list_page)).content.decode()
    assert f'action="{reverse("sales:change-owner", args=[kind])}"' in listed
    assert f'form="chosen" name="record" value="{mine[0].pk}"' in listed
    chosen = [str(record.pk) for record in [*mine, theirs]]
    page = client.get(reverse("sales:change-owner", args=[kind]), {"record": chosen, "next": "/back/?q=f"})
    body = page.content.decode()
    assert page.status_code == 200 and f"Change the owner of 2 {kind}" in body
    assert "Fleetwood" in body and "Pilotti" in body and "Westerly" not in body
    assert 'name="next" value="/back/?q=f"' in body

    done = client.post(reverse("sales:change-owner", args=[kind]), {"record": chosen, "owner": manager.pk, "next": "/back/?q=f"})
    assert done.status_code == 302 and done["Location"] == "/back/?q=f"
    assert [owner(record) for record in mine] == [manager.pk, manager.pk] and owner(theirs) == west.pk
    events = AuditEvent.objects.filter(target_type=target_type, kind=EventKind.RECORD_UPDATED, changes__has_key="owner")
    assert {event.target_id for event in events} == {str(record.pk) for record in mine}


def test_the_page_without_a_choice_says_so_and_goes_back_to_its_list(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    nothing = client.get(reverse("sales:change-owner", args=["leads"])).content.decode()
    assert 'data-testid="nothing-chosen"' in nothing and f'href="{reverse("sales:lead-list")}"' in nothing
    elsewhere = client.get(reverse("sales:change-owner", args=["leads"]), {"next": "https://evil.example/"}).content.decode()
    assert "evil.example" not in elsewhere
    assert client.get(reverse("sales:change-owner", args=["orders"])).status_code == 404


def test_an_erased_contact_is_not_offered(personas: Any, signed_in: Any) -> None:
    east = personas.rep_east
    erased = directory.create_contact(east, {"given_name": "Eve", "family_name": "Erased"})
    actions_erase.shred_contact(personas.admin, erased.pk)
    client = signed_in(east)
    page = client.get(reverse("sales:change-owner", args=["contacts"]), {"record": [str(erased.pk)]}).content.decode()
    assert 'data-testid="nothing-chosen"' in page
    response = client.post(
        reverse("sales:change-owner", args=["contacts"]), {"record": [str(erased.pk)], "owner": personas.sales_manager.pk}
    )
    assert response.status_code == 400 and owner(erased) == east.pk


def test_a_deal_the_user_may_only_read_keeps_its_owner(personas: Any, signed_in: Any, deals: dict[str, Any]) -> None:
    east, west = personas.rep_east, personas.rep_west
    until = timezone.localdate() + dt.timedelta(days=7)
    sharing.share_record(west, Deal, deals["west"].pk, user=east.pk, level="read", expires_on=until)
    client = signed_in(east)
    chosen = [str(deals["west"].pk), str(deals["fleet"].pk)]
    page = client.get(reverse("sales:change-owner", args=["deals"]), {"record": chosen}).content.decode()
    assert "West coast fleet" in page  # shared with them: they see it
    response = client.post(
        reverse("sales:change-owner", args=["deals"]), {"record": chosen, "owner": personas.sales_manager.pk}, follow=True
    )
    body = response.content.decode()
    manager = personas.sales_manager.get_full_name() or personas.sales_manager.username
    assert f"1 record handed over to {manager}." in body
    assert "1 record was not handed over, for example “West coast fleet”: " in body  # named, not by id
    assert owner(deals["west"]) == west.pk and owner(deals["fleet"]) == personas.sales_manager.pk


def test_bad_input_and_other_roles_change_nothing(personas: Any, signed_in: Any, deals: dict[str, Any]) -> None:
    before = AuditEvent.objects.filter(target_type="sales.deal").count()
    url = reverse("sales:change-owner", args=["deals"])
    client = signed_in(personas.rep_east)
    chosen = {"record": [str(deals["fleet"].pk)]}
    bad_owner = client.post(url, {**chosen, "owner": personas.auditor.pk})
    assert bad_owner.status_code == 400 and "Select a valid choice" in bad_owner.content.decode()
    nothing = client.post(url, {"owner": personas.sales_manager.pk})
    assert nothing.status_code == 400 and 'data-testid="nothing-chosen"' in nothing.content.decode()
    auditor = signed_in(personas.auditor).post(url, {**chosen, "owner": personas.sales_manager.pk})
    assert auditor.status_code == 403
    assert owner(deals["fleet"]) == personas.rep_east.pk and AuditEvent.objects.filter(target_type="sales.deal").count() == before


def test_a_full_page_of_choices_is_posted_not_put_in_the_address(personas: Any, signed_in: Any) -> None:
    # 100 ids (the largest page) make a 4.4 kB query string: gunicorn refuses request lines over 4,094 bytes.
    east = personas.rep_east
    contacts = [_contact(east, f"Ada Number{index:03d}") for index in range(100)]
    client = signed_in(east)
    listed = client.get(reverse("directory:contact-list"), {"limit": 100}).content.decode()
    assert 'method="post" action="/change-owner/contacts/" id="chosen"' in listed
    assert listed.count('form="chosen" name="record"') == 100
    before = owner_changes("directory.contact")
    chosen = {"record": [str(contact.pk) for contact in contacts], "next": "/contacts/?limit=100", "choosing": "1"}
    for name, heading in [("sales:change-owner", "Change the owner of 100 contacts"), ("sales:tag-chosen", "Tag 100 contacts")]:
        page = client.post(reverse(name, args=["contacts"]), chosen)
        body = page.content.decode()
        assert page.status_code == 200 and heading in body and body.count('type="hidden" name="record"') == 100
    assert {owner(contact) for contact in contacts} == {east.pk}
    assert owner_changes("directory.contact") == before


def test_a_record_already_the_colleagues_is_left_as_it_was(personas: Any, signed_in: Any, deals: dict[str, Any]) -> None:
    east, manager = personas.rep_east, personas.sales_manager
    client = signed_in(east)
    url = reverse("sales:change-owner", args=["deals"])
    before = owner_changes("sales.deal")
    client.post(url, {"record": [str(deals["pilot"].pk)], "owner": manager.pk})
    chosen = [str(deals["pilot"].pk), str(deals["fleet"].pk)]
    again = client.post(url, {"record": chosen, "owner": manager.pk}, follow=True).content.decode()
    assert "1 record handed over" in again and "1 record already belonged to" in again
    assert owner(deals["pilot"]) == owner(deals["fleet"]) == manager.pk and owner_changes("sales.deal") == before + 2
