"""The lead list's "Set the status": chosen leads get one status, each through the lead's update
(audit event, rescoring); a lead already in it is left alone; a converted lead and one shared
read-only are refused and named; the API does the same; bad input and other roles change nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bastion.accounts import sharing
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions_leads
from bastion.sales.models import Lead

pytestmark = pytest.mark.django_db
UNSEEN = "No such record, or you may not see it."


def status_of(lead: Any) -> str:
    return str(Lead._base_manager.values_list("status", flat=True).get(pk=lead.pk))


def status_events(lead: Any) -> int:
    # A fresh query each time: reading the audit trail seals what waits in its inbox first.
    return AuditEvent.objects.filter(target_id=str(lead.pk), kind=EventKind.RECORD_UPDATED, changes__has_key="status").count()


def test_the_list_offers_it_and_the_chosen_leads_change(personas: Any, signed_in: Any, leads: dict[str, Any]) -> None:
    client, url = signed_in(personas.rep_east), reverse("sales:lead-status-chosen")
    listed = client.get(reverse("sales:lead-list")).content.decode()
    assert f'formaction="{url}"' in listed and "Set the status of the chosen leads…" in listed
    chosen = [str(leads[key].pk) for key in ("ana", "bo", "west")]  # west's lead is out of rep_east's sight
    page = client.post(url, {"record": chosen, "choosing": "1", "next": "/leads/?q=a"})
    body = page.content.decode()
    assert page.status_code == 200 and "Set the status of 2 leads" in body and "Wen West" not in body
    assert '<option value="disqualified">Disqualified</option>' in body and 'value="converted"' not in body
    done = client.post(url, {"record": chosen, "status": "disqualified", "next": "/leads/?q=a"})
    assert done.status_code == 302 and done["Location"] == "/leads/?q=a"
    assert [status_of(leads[key]) for key in ("ana", "bo", "cy", "west")] == ["disqualified", "disqualified", "new", "new"]
    assert status_events(leads["ana"]) == 1 and status_events(leads["cy"]) == 0 and status_events(leads["west"]) == 0
    assert "2 leads changed status." in client.get(done["Location"]).content.decode()


def test_a_lead_already_in_the_status_stays_and_a_converted_one_is_named(
    personas: Any, signed_in: Any, leads: dict[str, Any]
) -> None:
    client, url = signed_in(personas.rep_east), reverse("sales:lead-status-chosen")
    client.post(url, {"record": [str(leads["ana"].pk)], "status": "qualified"})
    actions_leads.convert_lead(personas.rep_east, leads["bo"].pk, {})
    events = status_events(leads["ana"]), status_events(leads["bo"])
    chosen = [str(leads[key].pk) for key in ("ana", "bo", "cy")]
    body = client.post(url, {"record": chosen, "status": "qualified"}, follow=True).content.decode()
    assert "1 lead changed status." in body and "1 lead had that status already" in body
    assert "1 lead kept its status, for example “Bo Li”: This lead was converted." in body
    assert [status_of(leads[key]) for key in ("ana", "bo", "cy")] == ["qualified", "converted", "qualified"]
    assert (status_events(leads["ana"]), status_events(leads["bo"])) == events


def test_bad_input_and_other_roles_change_nothing(personas: Any, signed_in: Any, leads: dict[str, Any]) -> None:
    url, chosen = reverse("sales:lead-status-chosen"), [str(leads["ana"].pk)]
    client = signed_in(personas.rep_east)
    for status in ("", "converted", "bogus"):
        response = client.post(url, {"record": chosen, "status": status})
        assert response.status_code == 400 and "No lead changed status" in response.content.decode(), status
    auditor = signed_in(personas.auditor).post(url, {"record": chosen, "status": "qualified"})
    assert auditor.status_code == 403
    nothing = client.get(url).content.decode()
    assert 'data-testid="nothing-chosen"' in nothing
    assert status_of(leads["ana"]) == "new" and status_events(leads["ana"]) == 0


def test_a_lead_shared_read_only_keeps_its_status(personas: Any, signed_in: Any, leads: dict[str, Any]) -> None:
    east, west = personas.rep_east, personas.rep_west
    until = timezone.localdate() + dt.timedelta(days=7)
    sharing.share_record(west, Lead, leads["west"].pk, user=east.pk, level="read", expires_on=until)
    chosen = [str(leads["west"].pk), str(leads["ana"].pk)]
    response = signed_in(east).post(reverse("sales:lead-status-chosen"), {"record": chosen, "status": "contacted"}, follow=True)
    body = response.content.decode()
    assert "1 lead changed status." in body and "1 lead kept its status, for example “Wen West”" in body
    assert status_of(leads["west"]) == "new" and status_of(leads["ana"]) == "contacted"
    assert status_events(leads["west"]) == 0


def test_the_api_changes_what_the_user_may_change_and_refuses_the_rest_alike(
    personas: Any, api_as: Any, leads: dict[str, Any]
) -> None:
    api, missing, url = api_as(personas.rep_east), uuid.uuid4(), "/api/v1/leads/status/"
    chosen = [str(leads["ana"].pk), str(leads["west"].pk), str(missing)]
    body = api.post(url, {"records": chosen, "status": "contacted"}, format="json").json()
    refused = [{"id": str(leads["west"].pk), "reason": UNSEEN}, {"id": str(missing), "reason": UNSEEN}]  # alike: no oracle
    assert body == {"changed": 1, "unchanged": 0, "refused": refused}
    again = api.post(url, {"records": [str(leads["ana"].pk)], "status": "contacted"}, format="json").json()
    assert again == {"changed": 0, "unchanged": 1, "refused": []}
    assert status_of(leads["ana"]) == "contacted" and status_of(leads["west"]) == "new"
    for status in ("converted", "", None):
        bad = api.post(url, {"records": [str(leads["bo"].pk)], "status": status}, format="json")
        assert bad.status_code == 400 and "status" in str(bad.json()), status
    read_only = api_as(personas.rep_east, scopes=["lead:read"])
    denied = read_only.post(url, {"records": [str(leads["bo"].pk)], "status": "qualified"}, format="json")
    assert denied.status_code == 403
    assert status_of(leads["bo"]) == "new" and status_events(leads["bo"]) == 0
