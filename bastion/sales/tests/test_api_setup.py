"""The lead set-up over the REST API (sales/api_setup.py): scoring rules, lead routing and its
territories, the lifecycle policy. Administrators change them through the same actions as the
set-up page (audited as ``setting.changed``); every role that reads customer records reads them;
bad input is a 400 naming the field; every refusal changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.urls import reverse
from rest_framework.test import APIClient

from bastion.accounts.models import Team
from bastion.kernel.audit.kinds import EventKind, Outcome
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions_routing, actions_scoring, lifecycle, selectors
from bastion.sales.models import LeadRouting, LifecyclePolicy, ScoringRule, TerritoryRule

pytestmark = pytest.mark.django_db

RULES = "/api/v1/scoring-rules/"
ROUTING = "/api/v1/lead-routing/"
TERRITORIES = "/api/v1/territory-rules/"
POLICY = "/api/v1/lifecycle-policy/"
RULE = {"name": "Decision maker", "category": "fit", "field": "job_title", "operator": "contains", "value": "director",
        "points": 20}  # fmt: skip
MISSING = "00000000-0000-0000-0000-000000000000"


def state() -> list[Any]:
    """The lead set-up, and the audit events of changes (not refusals, nor a token's first use)."""
    models = (ScoringRule, LeadRouting, TerritoryRule, LifecyclePolicy)
    rows: list[Any] = [list(model.objects.order_by("pk").values()) for model in models]
    return [*rows, AuditEvent.objects.exclude(outcome=Outcome.DENIED).exclude(kind=EventKind.TOKEN_USED).count()]


def settings_changed(**filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=EventKind.SETTING_CHANGED, **filters).order_by("sequence"))


def east() -> Team:
    return Team.objects.get(name="Sales East")


@pytest.fixture
def rule(personas: Any) -> ScoringRule:
    return actions_scoring.create_rule(personas.admin, RULE)


@pytest.fixture
def territory(personas: Any) -> TerritoryRule:
    actions_routing.set_lead_routing(personas.admin, east().pk)
    return actions_routing.add_territory_rule(personas.admin, {"country": "China", "owner": personas.rep_east.pk})


# --- scoring rules -------------------------------------------------------------------------------


def test_an_administrator_manages_scoring_rules(personas: Any, api_as: Any, signed_in: Any) -> None:
    admin = api_as(personas.admin)
    created = admin.post(RULES, RULE, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert {key: body[key] for key in RULE} == RULE and body["is_active"] is True
    url = f"{RULES}{body['id']}/"
    assert created["Location"] == url
    # The set-up page reads the same selector: every reader sees the new rule.
    assert [r.name for r in selectors.scoring_rules(personas.rep_east)] == ["Decision maker"]
    assert "Decision maker" in signed_in(personas.rep_east).get(reverse("sales:setup")).content.decode()
    assert admin.get(RULES).json() == [body] and admin.get(url).json() == body
    changed = admin.patch(url, {"points": 30, "is_active": False}, format="json")
    assert changed.status_code == 200 and (changed.json()["points"], changed.json()["is_active"]) == (30, False)
    assert admin.patch(url, {"value": "vp"}, format="json").json()["value"] == "vp"  # the rest of the rule is kept
    assert admin.delete(url).status_code == 204 and selectors.scoring_rules(personas.admin) == []
    assert admin.get(url).status_code == 404
    events = settings_changed(target_type="sales.scoringrule", target_id=body["id"])
    verbs = [event.extra["verb"] for event in events]
    assert verbs == ["scoring_rule.created", "scoring_rule.updated", "scoring_rule.updated", "scoring_rule.deleted"]
    assert events[1].changes == {"points": {"old": 20, "new": 30}, "is_active": {"old": True, "new": False}}
    assert all(event.actor_id == personas.admin.pk for event in events)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"field": "activities", "operator": "contains"}, "operator"),  # a number is compared, not searched
        ({"field": "activities", "operator": "at_least", "value": "many"}, "value"),
        ({"field": "source", "operator": "equals", "value": "fax"}, "value"),
        ({"points": 0}, "points"),
        ({"points": 101}, "points"),
        ({"category": "luck"}, "category"),
        ({"field": "email"}, "field"),  # a restricted field is never scored
        ({"name": " "}, "name"),
    ],
)
def test_a_bad_scoring_rule_is_400_naming_the_field(personas: Any, api_as: Any, data: dict[str, Any], field: str) -> None:
    admin = api_as(personas.admin)
    before = state()
    response = admin.post(RULES, {**RULE, **data}, format="json")
    assert response.status_code == 400 and response.json()["error"] == "invalid"
    assert field in response.json()["fields"], response.json()
    assert state() == before


def test_a_bad_change_to_a_scoring_rule_is_400_and_keeps_the_rule(personas: Any, api_as: Any, rule: Any) -> None:
    admin, before = api_as(personas.admin), state()
    for data, field in (({"points": 0}, "points"), ({"operator": "at_most"}, "operator"), ({"name": ""}, "name")):
        response = admin.patch(f"{RULES}{rule.pk}/", data, format="json")
        assert response.status_code == 400 and field in response.json()["fields"], (data, response.json())
    assert admin.patch(f"{RULES}{MISSING}/", {"points": 5}, format="json").status_code == 404
    assert state() == before


def test_a_missing_required_field_is_named(personas: Any, api_as: Any) -> None:
    admin = api_as(personas.admin)
    response = admin.post(RULES, {"name": "Half a rule"}, format="json")
    assert response.status_code == 400
    assert {"category", "field", "operator", "points"} <= set(response.json()["fields"])
    assert not ScoringRule.objects.exists()


# --- lead routing and territories ----------------------------------------------------------------


def test_an_administrator_chooses_the_receiving_team(personas: Any, api_as: Any, signed_in: Any) -> None:
    admin = api_as(personas.admin)
    assert admin.get(ROUTING).json() == {"team": None, "team_name": None, "receivers": [], "updated_at": None}
    team = east()
    response = admin.put(ROUTING, {"team": str(team.pk)}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["team"], body["team_name"]) == (str(team.pk), "Sales East") and body["updated_at"]
    # Sales East's members who change customer records, by user id: the turn order.
    assert body["receivers"] == [
        {"id": personas.rep_east.pk, "name": "rep_east"}, {"id": personas.sales_manager.pk, "name": "sales_manager"}
    ]  # fmt: skip
    assert selectors.lead_routing(personas.rep_east).team == team and actions_routing.current_routing().team == team
    assert "New leads go to the team Sales East" in signed_in(personas.rep_east).get(reverse("sales:setup")).content.decode()
    assert api_as(personas.rep_west).get(ROUTING).json() == body  # every reader sees it
    cleared = admin.put(ROUTING, {"team": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["team"] is None and cleared.json()["receivers"] == []
    assert selectors.lead_routing(personas.admin).team is None
    changes = [event.changes for event in settings_changed(target_id="lead_routing.team")]
    assert changes == [{"team": {"old": None, "new": "Sales East"}}, {"team": {"old": "Sales East", "new": None}}]


@pytest.mark.parametrize(
    ("data", "message"),
    [({"team": MISSING}, "Choose an existing team"), ({"team": "east"}, "valid UUID"), ({}, "required")],
)
def test_a_bad_team_is_400_naming_it(personas: Any, api_as: Any, data: dict[str, Any], message: str) -> None:
    admin = api_as(personas.admin)
    before = state()
    response = admin.put(ROUTING, data, format="json")
    assert response.status_code == 400 and message in " ".join(response.json()["fields"]["team"])
    assert state() == before


def test_an_administrator_adds_and_removes_territories(personas: Any, api_as: Any, signed_in: Any) -> None:
    admin = api_as(personas.admin)
    actions_routing.set_lead_routing(personas.admin, east().pk)
    data = {"country": "China", "industry": "manufacturing", "owner": personas.rep_east.pk}
    created = admin.post(TERRITORIES, data, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["country"], body["industry"], body["owner"], body["owner_name"]) == (
        "China", "manufacturing", personas.rep_east.pk, "rep_east"
    )  # fmt: skip
    assert [r.country for r in selectors.territory_rules(personas.rep_west)] == ["China"]
    page = signed_in(personas.rep_west).get(reverse("sales:setup")).content.decode()
    assert "China" in page and "Manufacturing" in page
    assert admin.get(TERRITORIES).json() == [body] and api_as(personas.rep_east).get(TERRITORIES).json() == [body]
    assert admin.delete(f"{TERRITORIES}{body['id']}/").status_code == 204
    assert selectors.territory_rules(personas.admin) == []
    assert admin.delete(f"{TERRITORIES}{body['id']}/").status_code == 404
    events = settings_changed(target_id="lead_routing.territory")
    owned = {"country": "China", "industry": "manufacturing", "owner": "rep_east"}
    assert [event.changes["territory"] for event in events] == [{"old": None, "new": owned}, {"old": owned, "new": None}]


def test_bad_territories_are_400_naming_the_field(personas: Any, api_as: Any) -> None:
    admin = api_as(personas.admin)
    before = state()
    no_team = admin.post(TERRITORIES, {"country": "China", "owner": personas.rep_east.pk}, format="json")
    assert no_team.status_code == 400 and "receives web-form leads first" in no_team.json()["fields"]["owner"][0]
    actions_routing.set_lead_routing(personas.admin, east().pk)
    before = state()
    cases = [
        ({"owner": personas.rep_east.pk}, "country"),  # no condition at all
        ({"country": "China", "owner": personas.rep_west.pk}, "owner"),  # not in the receiving team
        ({"industry": "astrology", "owner": personas.rep_east.pk}, "industry"),
        ({"country": "China"}, "owner"),
        ({"country": "x" * 101, "owner": personas.rep_east.pk}, "country"),
    ]
    for data, field in cases:
        response = admin.post(TERRITORIES, data, format="json")
        assert response.status_code == 400 and field in response.json()["fields"], (data, response.json())
    assert admin.delete(f"{TERRITORIES}{MISSING}/").status_code == 404
    assert state() == before


# --- the lifecycle policy --------------------------------------------------------------------------


def test_an_administrator_sets_the_lifecycle_policy(personas: Any, api_as: Any, signed_in: Any) -> None:
    admin = api_as(personas.admin)
    assert admin.get(POLICY).json() == {"qualifying_score": 50, "churn_after_days": 365, "updated_at": None}
    response = admin.put(POLICY, {"qualifying_score": 40, "churn_after_days": 90}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["qualifying_score"], response.json()["churn_after_days"]) == (40, 90)
    policy = selectors.lifecycle_policy(personas.rep_east)
    assert (policy.qualifying_score, policy.churn_after_days) == (40, 90) == (
        lifecycle.policy().qualifying_score, lifecycle.policy().churn_after_days
    )  # fmt: skip
    page = signed_in(personas.rep_east).get(reverse("sales:setup")).content.decode()
    assert "score of 40" in page and "after 90 days" in page
    assert api_as(personas.rep_east).get(POLICY).json() == response.json()
    event = settings_changed(target_id="lifecycle_policy")
    assert [e.changes for e in event] == [
        {"qualifying_score": {"old": 50, "new": 40}, "churn_after_days": {"old": 365, "new": 90}}
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"qualifying_score": 0, "churn_after_days": 5}, {"qualifying_score", "churn_after_days"}),
        ({"qualifying_score": "ten", "churn_after_days": 90}, {"qualifying_score"}),
        ({"qualifying_score": 40}, {"churn_after_days"}),
        ({"qualifying_score": 40, "churn_after_days": 3651}, {"churn_after_days"}),
    ],
)
def test_a_bad_lifecycle_policy_is_400_naming_the_fields(personas: Any, api_as: Any, data: Any, fields: set[str]) -> None:
    admin = api_as(personas.admin)
    before = state()
    response = admin.put(POLICY, data, format="json")
    assert response.status_code == 400 and set(response.json()["fields"]) == fields
    assert state() == before


# --- refusals ----------------------------------------------------------------------------------------


def _writes(personas: Any, rule: Any, territory: Any) -> list[tuple[str, str, Any]]:
    return [
        ("post", RULES, {**RULE, "name": "Sneaky"}), ("patch", f"{RULES}{rule.pk}/", {"points": 99}),
        ("delete", f"{RULES}{rule.pk}/", None), ("put", ROUTING, {"team": None}),
        ("post", TERRITORIES, {"country": "Brazil", "owner": personas.rep_east.pk}),
        ("delete", f"{TERRITORIES}{territory.pk}/", None),
        ("put", POLICY, {"qualifying_score": 1, "churn_after_days": 30}),
        ("post", RULES, {"points": "not even valid"}),  # refused before the input is read: 403, not 400
    ]  # fmt: skip


READS = [RULES, ROUTING, TERRITORIES, POLICY]


@pytest.mark.parametrize("who", ["rep_east", "sales_manager", "marketer"])
def test_other_roles_read_the_set_up_but_cannot_change_it(
    personas: Any, api_as: Any, rule: Any, territory: Any, who: str
) -> None:
    api = api_as(getattr(personas, who))
    assert all(api.get(url).status_code == 200 for url in [*READS, f"{RULES}{rule.pk}/"])
    before, denials = state(), AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED).count()
    for method, url, data in _writes(personas, rule, territory):
        response = getattr(api, method)(url, data, format="json")
        assert response.status_code == 403, (method, url, response.content)
        assert response.json()["detail"] == "Only an administrator can change the sales set-up."
    assert state() == before  # nothing changed, no setting.changed event
    assert AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED).count() == denials + len(_writes(personas, rule, territory))


@pytest.mark.parametrize("who", ["outsider", "auditor"])
def test_roles_without_customer_records_get_nothing(personas: Any, api_as: Any, rule: Any, territory: Any, who: str) -> None:
    api = api_as(getattr(personas, who))
    before = state()
    for url in [*READS, f"{RULES}{rule.pk}/"]:
        response = api.get(url)
        assert response.status_code == 403 and b"Decision maker" not in response.content and b"China" not in response.content
    for method, url, data in _writes(personas, rule, territory):
        assert getattr(api, method)(url, data, format="json").status_code == 403, (method, url)
    assert state() == before


def test_without_credentials_nothing_is_read_or_changed(personas: Any, rule: Any, territory: Any) -> None:
    anonymous = APIClient()
    before = state()
    for url in [*READS, f"{RULES}{rule.pk}/"]:
        response = anonymous.get(url)
        assert response.status_code in (401, 403) and b"Decision maker" not in response.content
    for method, url, data in _writes(personas, rule, territory):
        assert getattr(anonymous, method)(url, data, format="json").status_code in (401, 403), (method, url)
    assert state() == before


def test_token_scopes_limit_the_set_up(personas: Any, api_as: Any, rule: Any) -> None:
    reader = api_as(personas.admin, scopes=["pipeline:read"])
    assert reader.get(RULES).status_code == 200 and reader.get(POLICY).status_code == 200
    before = state()
    refused = reader.put(POLICY, {"qualifying_score": 10, "churn_after_days": 90}, format="json")
    assert refused.status_code == 403 and refused.json()["error"] == "token_scope_missing"
    assert reader.delete(f"{RULES}{rule.pk}/").status_code == 403
    assert state() == before
    leads_only = api_as(personas.admin, scopes=["lead:write"])
    assert leads_only.get(RULES).status_code == 403 and leads_only.get(ROUTING).status_code == 403


# --- the OpenAPI document ----------------------------------------------------------------------------


def test_the_schema_documents_every_set_up_endpoint(personas: Any, api_as: Any) -> None:
    response = api_as(personas.rep_east, scopes=["profile:read"]).get("/api/v1/schema/")
    assert response.status_code == 200
    paths = yaml.safe_load(response.content)["paths"]
    expected = {
        RULES: {"get", "post"}, f"{RULES}{{id}}/": {"get", "patch", "delete"}, ROUTING: {"get", "put"},
        TERRITORIES: {"get", "post"}, f"{TERRITORIES}{{id}}/": {"delete"}, POLICY: {"get", "put"},
    }  # fmt: skip
    for path, methods in expected.items():
        assert set(paths[path]) - {"parameters"} == methods, path
        for method in methods:
            operation = paths[path][method]
            assert operation["summary"] and "403" in operation["responses"], (path, method)
            if method in ("post", "put", "patch"):
                assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"], (path, method)
                assert "400" in operation["responses"], (path, method)
    rule_input = yaml.safe_load(response.content)["components"]["schemas"]["ScoringRuleInputRequest"]
    assert {"name", "category", "field", "operator", "points"} <= set(rule_input["required"])
