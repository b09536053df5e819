"""The deal list's "Move to a stage": chosen deals move as if dragged on the board (stage history,
audit event), a lost reason only with a lost stage, a deal already there left alone, one the user
may only read refused and named; the API does the same; bad input changes nothing."""

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
from bastion.sales.models import Deal, DealStageChange

pytestmark = pytest.mark.django_db
UNSEEN = "No such record, or you may not see it."


def stage_of(deal: Any) -> Any:
    return Deal._base_manager.values_list("stage__name", "lost_reason").get(pk=deal.pk)


def stage_events(deal: Any) -> int:
    # A fresh query each time: reading the audit trail seals what waits in its inbox first.
    return AuditEvent.objects.filter(target_id=str(deal.pk), kind=EventKind.RECORD_UPDATED, changes__has_key="stage").count()


def test_the_list_offers_it_and_the_chosen_deals_move(personas: Any, signed_in: Any, deals: dict[str, Any], stages: Any) -> None:
    client = signed_in(personas.rep_east)
    listed = client.get(reverse("sales:deal-list")).content.decode()
    assert f'formaction="{reverse("sales:move-chosen")}"' in listed
    chosen = [str(deals[key].pk) for key in ("fleet", "pilot", "west")]
    url = reverse("sales:move-chosen")
    page = client.post(url, {"record": chosen, "choosing": "1", "next": "/deals/?q=f"})
    body = page.content.decode()
    assert page.status_code == 200 and "Move 2 deals to a stage" in body and "West coast fleet" not in body
    assert '<optgroup label="New business">' in body and f'value="{stages["Proposal"].pk}"' in body
    assert "Qualification · New business" in body  # each chosen deal's stage, with its pipeline
    done = client.post(url, {"record": chosen, "stage": str(stages["Proposal"].pk), "next": "/deals/?q=f"})
    assert done.status_code == 302 and done["Location"] == "/deals/?q=f"
    assert [stage_of(deals[key])[0] for key in ("fleet", "pilot", "west")] == ["Proposal", "Proposal", "Qualification"]
    assert DealStageChange.objects.filter(deal=deals["fleet"], to_stage=stages["Proposal"]).count() == 1
    assert stage_events(deals["fleet"]) == 1 and stage_events(deals["west"]) == 0
    assert "2 deals moved." in client.get(done["Location"]).content.decode()


def test_a_lost_reason_goes_only_with_a_lost_stage_and_a_deal_already_there_stays(
    personas: Any, signed_in: Any, deals: dict[str, Any], stages: Any
) -> None:
    client, url = signed_in(personas.rep_east), reverse("sales:move-chosen")
    won = {"record": [str(deals["pilot"].pk)], "stage": str(stages["Won"].pk), "lost_reason": "Too dear"}
    client.post(url, won)
    assert stage_of(deals["pilot"]) == ("Won", "")
    chosen = [str(deals["fleet"].pk), str(deals["pilot"].pk)]
    client.post(url, {"record": chosen, "stage": str(stages["Lost"].pk), "lost_reason": "Went with a rival"})
    assert stage_of(deals["fleet"]) == stage_of(deals["pilot"]) == ("Lost", "Went with a rival")
    events = stage_events(deals["fleet"])
    again = client.post(url, {"record": chosen, "stage": str(stages["Lost"].pk)}, follow=True).content.decode()
    assert "0 deals moved." in again and "2 deals were in that stage already" in again
    assert stage_events(deals["fleet"]) == events


def test_bad_input_and_other_roles_move_nothing(personas: Any, signed_in: Any, deals: dict[str, Any], stages: Any) -> None:
    url, chosen = reverse("sales:move-chosen"), [str(deals["fleet"].pk)]
    client = signed_in(personas.rep_east)
    for stage in ("", "not-a-stage", str(uuid.uuid4())):
        response = client.post(url, {"record": chosen, "stage": stage})
        assert response.status_code == 400 and "No deal was moved" in response.content.decode(), stage
    too_long = client.post(url, {"record": chosen, "stage": str(stages["Lost"].pk), "lost_reason": "x" * 201})
    assert too_long.status_code == 400 and "at most 200 characters" in too_long.content.decode()
    auditor = signed_in(personas.auditor).post(url, {"record": chosen, "stage": str(stages["Won"].pk)})
    assert auditor.status_code == 403
    assert stage_of(deals["fleet"]) == ("Qualification", "") and stage_events(deals["fleet"]) == 0


def test_a_deal_shared_read_only_keeps_its_stage(personas: Any, signed_in: Any, deals: dict[str, Any], stages: Any) -> None:
    east, west = personas.rep_east, personas.rep_west
    until = timezone.localdate() + dt.timedelta(days=7)
    sharing.share_record(west, Deal, deals["west"].pk, user=east.pk, level="read", expires_on=until)
    chosen = [str(deals["west"].pk), str(deals["fleet"].pk)]
    response = signed_in(east).post(
        reverse("sales:move-chosen"), {"record": chosen, "stage": str(stages["Proposal"].pk)}, follow=True
    )
    body = response.content.decode()
    assert "1 deal moved." in body and "1 deal could not be moved, for example “West coast fleet”" in body
    assert stage_of(deals["west"])[0] == "Qualification" and stage_of(deals["fleet"])[0] == "Proposal"


def test_the_api_moves_what_the_user_may_change_and_refuses_the_rest_alike(
    personas: Any, api_as: Any, deals: dict[str, Any], stages: Any
) -> None:
    api, missing = api_as(personas.rep_east), uuid.uuid4()
    chosen = [str(deals["fleet"].pk), str(deals["west"].pk), str(missing)]
    body = api.post("/api/v1/deals/move/", {"records": chosen, "stage": str(stages["Lost"].pk), "lost_reason": "No budget"},
                    format="json").json()  # fmt: skip
    refused = [{"id": str(deals["west"].pk), "reason": UNSEEN}, {"id": str(missing), "reason": UNSEEN}]  # alike: no oracle
    assert body == {"changed": 1, "unchanged": 0, "refused": refused}
    assert stage_of(deals["fleet"]) == ("Lost", "No budget") and stage_of(deals["west"])[0] == "Qualification"
    bad = api.post("/api/v1/deals/move/", {"records": chosen, "stage": str(uuid.uuid4())}, format="json")
    assert bad.status_code == 400 and "stage" in str(bad.json()) and stage_of(deals["pilot"])[0] == "Qualification"
    read_only = api_as(personas.rep_east, scopes=["deal:read"])
    denied = read_only.post("/api/v1/deals/move/", {"records": [str(deals["pilot"].pk)], "stage": str(stages["Won"].pk)},
                            format="json")  # fmt: skip
    assert denied.status_code == 403 and stage_of(deals["pilot"])[0] == "Qualification"
