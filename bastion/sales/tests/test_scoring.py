"""Lead scoring (ADR 0041): administrators' rules give fit and engagement points; leads are scored
when saved, when an activity on them changes, and all again when the rules change; rules never read
restricted fields; only administrators change rules, each change audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions_activities, actions_leads, actions_scoring
from bastion.sales.models import Lead, ScoringRule

pytestmark = pytest.mark.django_db

RULES = [
    {"name": "Decision maker", "category": "fit", "field": "job_title", "operator": "contains", "value": "director",
     "points": 20},
    {"name": "Chinese speaker", "category": "fit", "field": "preferred_language", "operator": "equals", "value": "zh-hans",
     "points": 5},
    {"name": "Came through the form", "category": "fit", "field": "source", "operator": "equals", "value": "web_form",
     "points": 10},
    {"name": "Talking to us", "category": "engagement", "field": "activities", "operator": "at_least", "value": "2",
     "points": 15},
]  # fmt: skip


@pytest.fixture
def rules(personas: Any) -> list[ScoringRule]:
    return [actions_scoring.create_rule(personas.admin, rule) for rule in RULES]


def fresh(lead: Lead) -> Lead:
    return Lead.objects.get(pk=lead.pk)


def test_a_lead_is_scored_when_saved_and_when_activities_change(personas: Any, rules: Any) -> None:
    lead = actions_leads.create_lead(
        personas.rep_east, {"given_name": "Ana", "job_title": "Sales Director", "email": "ana@x.example"}
    )
    assert (lead.fit_score, lead.engagement_score, lead.score) == (20, 0, 20)
    for subject in ("Intro call", "Demo"):
        actions_activities.create_activity(personas.rep_east, {"kind": "call", "subject": subject, "lead": lead.pk})
    assert (fresh(lead).engagement_score, fresh(lead).score) == (15, 35)
    call = actions_activities.create_activity(personas.rep_east, {"kind": "note", "subject": "Third", "lead": lead.pk})
    actions_activities.delete_activity(personas.rep_east, call.pk)
    assert fresh(lead).score == 35  # still two
    actions_leads.update_lead(personas.rep_east, lead.pk, {"job_title": "Intern", "preferred_language": "zh-hans"})
    assert (fresh(lead).fit_score, fresh(lead).score) == (5, 20)
    captured = actions_leads.capture_lead({"given_name": "Web", "email": "web@x.example"}, consent_text="I agree.")
    assert captured.fit_score == 10  # came through the form


def test_changing_the_rules_rescores_every_lead(personas: Any, rules: Any, django_capture_on_commit_callbacks: Any) -> None:
    leads = [
        actions_leads.create_lead(personas.rep_east, {"given_name": f"L{i}", "job_title": "Director", "email": f"l{i}@x.example"})
        for i in range(3)
    ]
    assert {fresh(lead).score for lead in leads} == {20}
    # The rescoring job is queued once the change commits (the queue runs jobs at once in tests).
    with django_capture_on_commit_callbacks(execute=True) as queued:
        actions_scoring.update_rule(personas.admin, rules[0].pk, {"points": 30})
    assert len(queued) == 1 and {fresh(lead).score for lead in leads} == {30}
    with django_capture_on_commit_callbacks(execute=True):
        actions_scoring.update_rule(personas.admin, rules[0].pk, {"is_active": False})
    assert {fresh(lead).score for lead in leads} == {0}
    with django_capture_on_commit_callbacks(execute=True) as queued:
        actions_scoring.update_rule(personas.admin, rules[0].pk, {"is_active": False})  # no change: no event, no job
    assert queued == []
    actions_scoring.delete_rule(personas.admin, rules[0].pk)
    changes = AuditEvent.objects.filter(kind=EventKind.SETTING_CHANGED, target_type="sales.scoringrule").order_by("sequence")
    assert [e.extra["verb"] for e in changes][-3:] == ["scoring_rule.updated", "scoring_rule.updated", "scoring_rule.deleted"]
    first_update = changes.filter(extra__verb="scoring_rule.updated").first()
    assert first_update is not None and first_update.changes == {"points": {"old": 20, "new": 30}}


def test_days_since_the_last_activity(personas: Any) -> None:
    lead = actions_leads.create_lead(personas.rep_east, {"given_name": "Quiet", "email": "q@x.example"})
    actions_scoring.create_rule(
        personas.admin,
        {"name": "Gone quiet", "category": "engagement", "field": "days_since_activity", "operator": "at_least", "value": "30",
         "points": -10},
    )  # fmt: skip
    long_ago = timezone.now() - dt.timedelta(days=45)
    actions_activities.create_activity(
        personas.rep_east, {"kind": "call", "subject": "Old call", "lead": lead.pk, "starts_at": long_ago}
    )
    assert fresh(lead).engagement_score == -10
    actions_activities.create_activity(personas.rep_east, {"kind": "call", "subject": "New call", "lead": lead.pk})
    assert fresh(lead).engagement_score == 0


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"field": "activities", "operator": "contains", "value": "x"}, "operator", "A number can only be compared"),
        ({"field": "job_title", "operator": "at_least", "value": "3"}, "operator", "Text can be matched"),
        ({"field": "activities", "operator": "at_least", "value": "many"}, "value", "Enter a whole number"),
        ({"field": "source", "operator": "equals", "value": "fax"}, "value", "Enter one of: web_form, api, manual, import"),
        ({"field": "email", "operator": "contains", "value": "gmail"}, "field", "Choose what the rule looks at."),
        ({"points": 0}, "points", "Points must be a whole number from -100 to 100"),
        ({"name": " "}, "name", "Give the rule a name."),
    ],
)
def test_bad_rules_are_refused_naming_the_field(personas: Any, data: dict[str, Any], field: str, message: str) -> None:
    rule = {"name": "R", "category": "fit", "field": "job_title", "operator": "contains", "value": "x", "points": 5, **data}
    with pytest.raises(ValidationError) as error:
        actions_scoring.create_rule(personas.admin, rule)
    assert any(message in text for text in error.value.message_dict[field])
    assert not ScoringRule.objects.exists() and not AuditEvent.objects.filter(kind=EventKind.SETTING_CHANGED).exists()


def test_only_administrators_change_rules_and_the_pages_show_them(personas: Any, signed_in: Any, rules: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions_scoring.create_rule(personas.sales_manager, RULES[0])
    rep = signed_in(personas.rep_east)
    page = rep.get(reverse("sales:setup")).content.decode()
    assert "Decision maker" in page and reverse("sales:rule-create") not in page
    assert rep.post(reverse("sales:rule-delete", args=[rules[0].pk])).status_code == 403
    assert ScoringRule.objects.count() == 4
    admin = signed_in(personas.admin)
    form = {"name": "Big company", "category": "fit", "field": "company_name", "operator": "is_set", "value": "", "points": "5",
            "is_active": "on"}  # fmt: skip
    assert admin.post(reverse("sales:rule-create"), form).status_code == 302
    assert admin.post(reverse("sales:rule-create"), {**form, "points": "500"}).status_code == 400
    assert admin.post(reverse("sales:rule-delete", args=[rules[1].pk])).status_code == 302
    assert set(ScoringRule.objects.values_list("name", flat=True)) == {"Decision maker", "Came through the form", "Talking to us",
                                                                       "Big company"}  # fmt: skip


def test_the_lead_pages_show_the_score_and_why(personas: Any, signed_in: Any, rules: Any) -> None:
    lead = actions_leads.create_lead(personas.rep_east, {"given_name": "Ana", "job_title": "IT Director", "email": "a@x.example"})
    client = signed_in(personas.rep_east)
    detail = client.get(reverse("sales:lead-detail", args=[lead.pk])).content.decode()
    assert "Decision maker" in detail and "fit 20, engagement 0" in detail
    actions_leads.create_lead(personas.rep_east, {"given_name": "Bo", "email": "b@x.example"})
    listing = client.get(reverse("sales:lead-list"), {"ordering": "-score"}).content.decode()
    # The names as link text: a bare "Bo" also turns up by chance in the page's random tokens.
    assert listing.index(">Ana<") < listing.index(">Bo<")
