"""The company, contact, lead, deal and activity lists' "Delete the chosen …": the page lists what the
user may see (and what goes with the companies and contacts) and deletes nothing until the box is
ticked; then each record goes through its delete action (audited, with what goes with it); one
shared read-only is refused and named; the API does the same; other roles, bad input and unseen
ids delete nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bastion.accounts import sharing
from bastion.directory import actions as directory_actions
from bastion.directory.models import Company, Contact
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions, actions_activities
from bastion.sales.models import Activity, Deal, Lead

pytestmark = pytest.mark.django_db
UNSEEN = "No such record, or you may not see it."


def exists(model: Any, record: Any) -> bool:
    return bool(model._base_manager.filter(pk=record.pk).exists())


def deletions(record: Any) -> int:
    # A fresh query each time: reading the audit trail seals what waits in its inbox first.
    return AuditEvent.objects.filter(target_id=str(record.pk), kind=EventKind.RECORD_DELETED).count()


def test_the_lead_list_offers_it_and_nothing_goes_before_the_tick(personas: Any, signed_in: Any, leads: dict[str, Any]) -> None:
    client, url = signed_in(personas.rep_east), reverse("sales:delete-chosen", args=["leads"])
    listed = client.get(reverse("sales:lead-list")).content.decode()
    assert f'formaction="{url}"' in listed and "Delete the chosen leads…" in listed
    chosen = [str(leads[key].pk) for key in ("ana", "bo", "west")]  # west's lead is out of rep_east's sight
    page = client.post(url, {"record": chosen, "choosing": "1", "next": "/leads/?q=a"})
    body = page.content.decode()
    assert page.status_code == 200 and "Delete 2 leads" in body and "Wen West" not in body and "Ana Souza" in body
    assert '<th scope="col">Owner</th>' in body and "Owner now" not in body  # whose they are, not whose they will be
    assert 'name="confirmed"' in body and "This cannot be undone." in body and 'data-testid="delete-effects"' not in body
    unticked = client.post(url, {"record": chosen, "next": "/leads/?q=a"})
    assert unticked.status_code == 400 and "Nothing was deleted." in unticked.content.decode()
    assert "Tick the box to confirm: deleted records cannot be brought back." in unticked.content.decode()
    assert all(exists(Lead, lead) for lead in leads.values()) and deletions(leads["ana"]) == 0
    done = client.post(url, {"record": chosen, "confirmed": "on", "next": "/leads/?q=a"})
    assert done.status_code == 302 and done["Location"] == "/leads/?q=a"
    assert [exists(Lead, leads[key]) for key in ("ana", "bo", "west")] == [False, False, True]
    assert deletions(leads["ana"]) == 1 and deletions(leads["bo"]) == 1 and deletions(leads["west"]) == 0
    assert "2 leads deleted." in client.get(done["Location"]).content.decode()


def test_a_deal_goes_with_its_activities_and_one_shared_read_only_is_named(
    personas: Any, signed_in: Any, deals: dict[str, Any]
) -> None:
    east, west = personas.rep_east, personas.rep_west
    task = actions_activities.create_activity(east, {"kind": "task", "subject": "Send the quote", "deal": deals["fleet"].pk})
    until = timezone.localdate() + dt.timedelta(days=7)
    sharing.share_record(west, Deal, deals["west"].pk, user=east.pk, level="read", expires_on=until)
    chosen = [str(deals[key].pk) for key in ("fleet", "west")]
    url = reverse("sales:delete-chosen", args=["deals"])
    page = signed_in(east).post(url, {"record": chosen, "choosing": "1"}).content.decode()
    assert "Delete 2 deals" in page and "West coast fleet" in page  # shared with east, so listed
    body = signed_in(east).post(url, {"record": chosen, "confirmed": "on"}, follow=True).content.decode()
    assert "1 deal deleted." in body and "1 deal was not deleted, for example “West coast fleet”" in body
    assert not exists(Deal, deals["fleet"]) and not exists(Activity, task)
    assert exists(Deal, deals["west"]) and exists(Deal, deals["pilot"]) and deletions(deals["west"]) == 0
    assert deletions(task) == 1  # the cascade is in the audit trail too


def test_chosen_activities_are_deleted_and_unseen_ones_stay(personas: Any, signed_in: Any) -> None:
    east, west = personas.rep_east, personas.rep_west
    mine = actions_activities.create_activity(east, {"kind": "task", "subject": "Book the fair stand"})
    theirs = actions_activities.create_activity(west, {"kind": "task", "subject": "West coast follow-up"})
    client = signed_in(east)
    listed = client.get(reverse("sales:activity-list")).content.decode()
    assert 'data-testid="delete-chosen"' in listed and "Delete the chosen activities…" in listed
    url = reverse("sales:delete-chosen", args=["activities"])
    body = client.post(url, {"record": [str(mine.pk), str(theirs.pk)], "confirmed": "on"}, follow=True).content.decode()
    assert "1 activity deleted." in body and "not deleted" not in body
    assert not exists(Activity, mine) and exists(Activity, theirs) and deletions(theirs) == 0


def test_other_roles_and_other_lists_delete_nothing(personas: Any, signed_in: Any, leads: dict[str, Any]) -> None:
    chosen = {"record": [str(leads["ana"].pk)], "confirmed": "on"}
    for someone in (personas.auditor, personas.outsider):
        response = signed_in(someone).post(reverse("sales:delete-chosen", args=["leads"]), chosen)
        assert response.status_code in (302, 403) and exists(Lead, leads["ana"])
    assert signed_in(personas.rep_east).post("/delete/products/", chosen).status_code == 403  # administrators only
    for kind in ("pipelines", "stages", "bogus"):
        response = signed_in(personas.rep_east).post(f"/delete/{kind}/", chosen)
        assert response.status_code == 404, kind
    nothing = signed_in(personas.rep_east).get(reverse("sales:delete-chosen", args=["leads"])).content.decode()
    assert 'data-testid="nothing-chosen"' in nothing and "Tick the records to delete in the list first" in nothing
    assert exists(Lead, leads["ana"]) and deletions(leads["ana"]) == 0


def test_the_api_deletes_what_the_user_may_and_refuses_the_rest_alike(
    personas: Any, api_as: Any, leads: dict[str, Any], deals: dict[str, Any]
) -> None:
    api, missing = api_as(personas.rep_east), uuid.uuid4()
    chosen = [str(leads["ana"].pk), str(leads["west"].pk), str(missing)]
    for confirmed in (False, None):
        bad = api.post("/api/v1/leads/delete/", {"records": chosen, "confirmed": confirmed}, format="json")
        assert bad.status_code == 400 and "confirmed" in bad.json()["fields"], confirmed
    assert exists(Lead, leads["ana"])
    read_only = api_as(personas.rep_east, scopes=["lead:read"])
    assert read_only.post("/api/v1/leads/delete/", {"records": chosen, "confirmed": True}, format="json").status_code == 403
    assert exists(Lead, leads["ana"]) and deletions(leads["ana"]) == 0
    body = api.post("/api/v1/leads/delete/", {"records": chosen, "confirmed": True}, format="json").json()
    refused = [{"id": str(leads["west"].pk), "reason": UNSEEN}, {"id": str(missing), "reason": UNSEEN}]  # alike: no oracle
    assert body == {"changed": 1, "unchanged": 0, "refused": refused}
    assert not exists(Lead, leads["ana"]) and exists(Lead, leads["west"]) and exists(Lead, leads["bo"])
    deal = api.post("/api/v1/deals/delete/", {"records": [str(deals["pilot"].pk)], "confirmed": True}, format="json").json()
    assert deal == {"changed": 1, "unchanged": 0, "refused": []} and not exists(Deal, deals["pilot"])
    denied = api_as(personas.auditor).post("/api/v1/deals/delete/", {"records": [str(deals["fleet"].pk)], "confirmed": True})
    assert denied.status_code == 403 and exists(Deal, deals["fleet"]) and deletions(deals["fleet"]) == 0


def test_chosen_companies_go_and_the_page_first_counts_what_goes_with_them(
    personas: Any, signed_in: Any, customer: tuple[Any, Any]
) -> None:
    east, west = personas.rep_east, personas.rep_west
    aurora, mei = customer
    harbour = directory_actions.create_company(east, {"name": "Harbour Freight"})
    task = actions_activities.create_activity(east, {"kind": "task", "subject": "Call the buyer", "company": harbour.pk})
    theirs = directory_actions.create_company(west, {"name": "West Coast Mills"})
    client, url = signed_in(east), reverse("sales:delete-chosen", args=["companies"])
    listed = client.get(reverse("directory:company-list")).content.decode()
    assert f'formaction="{url}"' in listed and "Delete the chosen companies…" in listed
    chosen = [str(company.pk) for company in (aurora, harbour, theirs)]
    page = client.post(url, {"record": chosen, "choosing": "1"}).content.decode()
    assert "Delete 2 companies" in page and "West Coast Mills" not in page
    assert "Their 1 contact is kept, no longer linked to a company." in page  # Mei Chen, at Aurora
    assert "Their 1 task, call, meeting or note is deleted with the companies." in page
    single = client.get(reverse("directory:company-delete", args=[aurora.pk])).content.decode()
    assert "Its 1 contact is kept, no longer linked to a company." in single  # one company's own page speaks of it
    assert exists(Company, aurora) and exists(Activity, task)
    body = client.post(url, {"record": chosen, "confirmed": "on"}, follow=True).content.decode()
    assert "2 companies deleted." in body and "not deleted" not in body
    assert not exists(Company, aurora) and not exists(Company, harbour) and exists(Company, theirs)
    assert Contact._base_manager.get(pk=mei.pk).company_id is None and not exists(Activity, task)
    assert deletions(aurora) == 1 and deletions(harbour) == 1 and deletions(theirs) == 0


def test_chosen_contacts_go_and_their_deals_stay(personas: Any, signed_in: Any, customer: tuple[Any, Any], stages: Any) -> None:
    east = personas.rep_east
    _aurora, mei = customer
    deal = actions.create_deal(east, {"name": "Fleet renewal", "contact": mei.pk})
    client, url = signed_in(east), reverse("sales:delete-chosen", args=["contacts"])
    listed = client.get(reverse("directory:contact-list")).content.decode()
    assert f'formaction="{url}"' in listed and "Delete the chosen contacts…" in listed
    page = client.post(url, {"record": [str(mei.pk)], "choosing": "1"}).content.decode()
    assert "Delete 1 contact" in page and "Their 1 deal is kept, no longer linked to a contact." in page
    assert "erase the contact instead" in page
    body = client.post(url, {"record": [str(mei.pk)], "confirmed": "on"}, follow=True).content.decode()
    assert "1 contact deleted." in body
    assert not exists(Contact, mei) and Deal._base_manager.get(pk=deal.pk).contact_id is None and deletions(mei) == 1


def test_the_api_deletes_chosen_companies_and_contacts(personas: Any, api_as: Any, customer: tuple[Any, Any]) -> None:
    aurora, mei = customer
    api = api_as(personas.rep_east)
    assert api.post("/api/v1/contacts/delete/", {"records": [str(mei.pk)], "confirmed": True}, format="json").json() == {
        "changed": 1,
        "unchanged": 0,
        "refused": [],
    }
    unseen = api_as(personas.rep_west).post(
        "/api/v1/companies/delete/", {"records": [str(aurora.pk)], "confirmed": True}, format="json"
    )
    assert unseen.json()["refused"] == [{"id": str(aurora.pk), "reason": UNSEEN}] and exists(Company, aurora)
    assert not exists(Contact, mei) and deletions(aurora) == 0
