"""Sales REST API: deals CRUD, move, history and totals; set-up by administrators; scopes and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions
from bastion.sales.models import Deal, DealStageChange, ExchangeRate, Pipeline, Stage

pytestmark = pytest.mark.django_db

DEALS = "/api/v1/deals/"


def state() -> list[Any]:
    models = (Deal, DealStageChange, Pipeline, Stage, ExchangeRate)
    return [list(model.objects.order_by("pk").values()) for model in models] + [AuditEvent.objects.count()]


def test_deal_lifecycle_over_the_api(personas: Any, api_as: Any, stages: Any, customer: Any, rates: Any) -> None:
    company, contact = customer
    api = api_as(personas.rep_east)
    created = api.post(
        DEALS, {"name": "Fleet", "amount": "1200.10", "currency": "EUR", "company": str(company.pk)}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["amount"] == "1200.10" and body["amount_base"] == "1320.11" and body["stage_name"] == "Qualification"
    url = f"{DEALS}{body['id']}/"
    moved = api.post(f"{url}move/", {"stage": str(stages["Lost"].pk), "lost_reason": "Budget cut"}, format="json")
    assert moved.status_code == 200 and moved.json()["stage_kind"] == "lost" and moved.json()["lost_reason"] == "Budget cut"
    history = api.get(f"{url}history/").json()
    assert [h["to_name"] for h in history] == ["Qualification", "Lost"] and history[1]["changed_by_name"] == "rep_east"
    assert api.patch(url, {"amount": "1.001"}, format="json").status_code == 400
    listing = api.get(DEALS, {"status": "lost", "ordering": "-amount"}).json()
    assert [d["name"] for d in listing["results"]] == ["Fleet"]
    totals = api.get(f"{DEALS}totals/", {"pipeline": str(stages["Won"].pipeline_id)}).json()
    assert totals == {"count": 1, "amount": "1320.11", "weighted": "0.00", "currency": "USD"}
    assert api.delete(url).status_code == 204 and not Deal.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "auditor"])
def test_no_customer_role_gets_nothing_and_changes_nothing(personas: Any, api_as: Any, stages: Any, who: str) -> None:
    deal = actions.create_deal(personas.rep_east, {"name": "Secret deal", "amount": "77"})
    before = state()
    api = api_as(getattr(personas, who))
    calls = [
        ("get", DEALS, None), ("get", f"{DEALS}{deal.pk}/", None), ("get", f"{DEALS}{deal.pk}/history/", None),
        ("get", f"{DEALS}totals/", None), ("post", DEALS, {"name": "x"}), ("patch", f"{DEALS}{deal.pk}/", {"name": "x"}),
        ("post", f"{DEALS}{deal.pk}/move/", {"stage": str(stages["Won"].pk)}), ("delete", f"{DEALS}{deal.pk}/", None),
        ("get", "/api/v1/pipelines/", None), ("get", "/api/v1/exchange-rates/", None),
    ]  # fmt: skip
    for method, url, data in calls:
        response = getattr(api, method)(url, data, format="json") if data is not None else getattr(api, method)(url)
        assert response.status_code in (403, 404), (method, url)
        assert b"Secret deal" not in response.content and b"Qualification" not in response.content
    assert state()[:-1] == before[:-1]  # only access.denied events were added


def test_token_scopes_limit_deals(personas: Any, api_as: Any, stages: Any) -> None:
    deal = actions.create_deal(personas.rep_east, {"name": "Scoped"})
    reader = api_as(personas.rep_east, scopes=["deal:read"])
    assert reader.get(f"{DEALS}{deal.pk}/").status_code == 200
    before = state()
    assert reader.patch(f"{DEALS}{deal.pk}/", {"name": "Changed"}, format="json").status_code == 403
    assert state()[:-1] == before[:-1]
    contacts_only = api_as(personas.rep_east, scopes=["contact:write"])
    assert contacts_only.get(DEALS).status_code == 403


def test_set_up_over_the_api_is_for_administrators(personas: Any, api_as: Any, pipeline: Any) -> None:
    rep = api_as(personas.rep_east)
    listed = rep.get("/api/v1/pipelines/").json()
    assert [p["name"] for p in listed] == ["New business"] and len(listed[0]["stages"]) == 4
    before = state()
    assert rep.post("/api/v1/pipelines/", {"name": "Mine"}, format="json").status_code == 403
    assert rep.put("/api/v1/exchange-rates/EUR/", {"rate": "2"}, format="json").status_code == 403
    assert state()[:-1] == before[:-1]
    admin = api_as(personas.admin)
    created = admin.post("/api/v1/pipelines/", {"name": "Renewals"}, format="json")
    assert created.status_code == 201 and [s["name"] for s in created.json()["stages"]] == ["New", "Won", "Lost"]
    stage = admin.post("/api/v1/stages/", {"pipeline": created.json()["id"], "name": "Quote", "probability": 70}, format="json")
    assert stage.status_code == 201 and stage.json()["position"] == 1  # an open stage: after "New", before won and lost
    assert admin.patch(f"/api/v1/stages/{stage.json()['id']}/", {"probability": 101}, format="json").status_code == 400
    rate = admin.put("/api/v1/exchange-rates/eur/", {"rate": "1.0825"}, format="json")
    assert rate.status_code == 200 and rate.json()["currency"] == "EUR" and rate.json()["rate"] == "1.08250000"
    assert admin.get("/api/v1/exchange-rates/").json()[0]["currency"] == "EUR"
    assert admin.delete("/api/v1/exchange-rates/EUR/").status_code == 204


def test_the_lead_list_costs_the_same_queries_for_one_lead_or_many(personas: Any, api_as: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bastion.sales import actions_leads

    client = api_as(personas.admin)
    actions_leads.create_lead(personas.rep_east, {"given_name": "A", "email": "a@x.example"})
    client.get("/api/v1/leads/")  # the first use stamps the token and opens the throttle window
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/leads/").status_code == 200
    for number in range(5):
        actions_leads.create_lead(personas.rep_east, {"given_name": f"B{number}", "email": f"b{number}@x.example"})
    with CaptureQueriesContext(connection) as six:
        assert len(client.get("/api/v1/leads/").json()["results"]) == 6
    assert len(six) == len(one), [query["sql"][:120] for query in six.captured_queries]
