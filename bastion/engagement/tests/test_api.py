"""Interaction events over the REST API (ADR 0042): one or a batch, listing with keyset pages,
interests; token scopes; a person the user may not see is refused and nothing leaks."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.engagement import actions
from bastion.engagement.models import Interaction, Interest
from bastion.kernel.audit.kinds import Outcome
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/interactions/"
INTERESTS = "/api/v1/interests/"


def stored() -> list[Any]:
    changes = AuditEvent.objects.filter(outcome=Outcome.SUCCESS, target_type="engagement.interaction").count()
    return [list(Interaction.objects.values()), list(Interest.objects.values()), changes]


def test_record_one_and_a_batch_then_list_and_read_interests(personas: Any, api_as: Any, lead: Any, catalogue: Any) -> None:
    api = api_as(personas.rep_east, ["interaction:write"])
    properties = {"url": "https://x.example/pricing", "topic": "Pricing"}
    one = api.post(URL, {"lead": str(lead.pk), "kind": "page_visited", "properties": properties}, format="json")
    assert one.status_code == 201, one.json()
    assert one.json()["lead"] == str(lead.pk) and one.json()["properties"]["topic"] == "Pricing"
    events = [{"lead": str(lead.pk), "kind": "product_viewed", "properties": {"product": "G-1"}, "source": "shop"}] * 3
    batch = api.post(URL, {"events": events}, format="json")
    assert batch.status_code == 201 and len(batch.json()["results"]) == 3
    listed = api.get(URL, {"lead": str(lead.pk), "limit": 2}).json()
    assert len(listed["results"]) == 2 and listed["next"]
    rest = api.get(listed["next"]).json()
    assert len(rest["results"]) == 2 and rest["next"] is None
    interests = api.get(INTERESTS, {"lead": str(lead.pk)}).json()
    assert [(i["topic"], i["product_name"], i["count"]) for i in interests] == [("", "Gadget", 3), ("pricing", None, 1)]


def test_bad_input_names_the_field_and_index_and_stores_nothing(personas: Any, api_as: Any, lead: Any) -> None:
    api = api_as(personas.rep_east)
    before = stored()
    one = api.post(URL, {"lead": str(lead.pk), "kind": "page_visited", "properties": {"product": "NOPE"}}, format="json")
    assert one.status_code == 400 and list(one.json()["fields"]) == ["properties.product"]
    events = [{"lead": str(lead.pk), "kind": "page_visited"}, {"lead": str(lead.pk), "kind": "email_opened", "properties": []}]
    batch = api.post(URL, {"events": events}, format="json")
    assert batch.status_code == 400 and list(batch.json()["fields"]) == ["events[1].properties"]
    assert api.post(URL, {"events": []}, format="json").json()["fields"] == {"events": ["Send from 1 to 100 events in a list."]}
    assert api.post(URL, [1, 2], format="json").status_code == 400
    assert api.get(URL).status_code == 400  # which person?
    assert stored() == before


def test_a_rep_cannot_record_or_read_interactions_of_a_lead_they_cannot_see(
    personas: Any, api_as: Any, west_lead: Any, lead: Any
) -> None:
    actions.record_interaction(personas.rep_west, west_lead, "page_visited", None, {"title": "Secret pricing", "topic": "zq"})
    before = stored()
    api = api_as(personas.rep_east)
    posted = api.post(URL, {"lead": str(west_lead.pk), "kind": "page_visited"}, format="json")
    assert posted.status_code == 400 and list(posted.json()["fields"]) == ["lead"]
    for url in (URL, INTERESTS):
        denied = api.get(url, {"lead": str(west_lead.pk)})
        missing = api.get(url, {"lead": "00000000-0000-0000-0000-000000000000"})
        assert denied.status_code == missing.status_code == 404 and denied.json() == missing.json()
        assert "Secret" not in denied.content.decode() and "zq" not in denied.content.decode()
    assert stored() == before


@pytest.mark.parametrize("who", ["auditor", "outsider"])
def test_roles_without_customer_records_get_nothing_and_change_nothing(personas: Any, api_as: Any, lead: Any, who: str) -> None:
    api, before = api_as(getattr(personas, who)), stored()
    assert api.post(URL, {"lead": str(lead.pk), "kind": "page_visited"}, format="json").status_code == 403
    assert api.get(URL, {"lead": str(lead.pk)}).status_code == 403
    assert stored() == before


def test_token_scopes_limit_interactions(personas: Any, api_as: Any, lead: Any) -> None:
    before = stored()
    reader = api_as(personas.rep_east, ["interaction:read"])
    assert reader.post(URL, {"lead": str(lead.pk), "kind": "page_visited"}, format="json").status_code == 403
    assert reader.get(URL, {"lead": str(lead.pk)}).status_code == 200
    assert reader.get(INTERESTS, {"lead": str(lead.pk)}).status_code == 200
    other = api_as(personas.rep_east, ["lead:write"])
    assert other.post(URL, {"lead": str(lead.pk), "kind": "page_visited"}, format="json").status_code == 403
    assert other.get(URL, {"lead": str(lead.pk)}).status_code == 403
    assert stored() == before


def test_the_list_runs_the_same_queries_whatever_the_number_of_rows(
    personas: Any, api_as: Any, lead: Any, catalogue: Any
) -> None:
    api = api_as(personas.rep_east)
    event = {"lead": str(lead.pk), "kind": "product_viewed", "properties": {"product": "W-1"}}

    def queries() -> int:
        api.get(URL, {"lead": str(lead.pk)})  # warm the token and role caches alike
        with CaptureQueriesContext(connection) as captured:
            assert api.get(URL, {"lead": str(lead.pk), "limit": 50}).status_code == 200
        return len(captured.captured_queries)

    actions.record_interactions(personas.rep_east, [event] * 2)
    few = queries()
    actions.record_interactions(personas.rep_east, [event] * 40)
    assert queries() == few
