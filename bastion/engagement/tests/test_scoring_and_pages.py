"""Interactions feed lead scoring (interactions, page visits and email opens of the last 30 days,
interests) in bulk; they show on the contact's and lead's timeline, with an "Interests" panel."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bastion.engagement import actions
from bastion.sales import actions_leads, actions_scoring, scoring
from bastion.sales.models import Lead

pytestmark = pytest.mark.django_db

RULES = [
    {"name": "Busy", "category": "engagement", "field": "interactions_30d", "operator": "at_least", "value": "3", "points": 10},
    {"name": "Reader", "category": "engagement", "field": "email_opens_30d", "operator": "at_least", "value": "1", "points": 5},
    {"name": "Pricing", "category": "engagement", "field": "page_visits_30d", "operator": "at_least", "value": "2",
     "points": 7},
    {"name": "Gadget fan", "category": "engagement", "field": "interests", "operator": "equals", "value": "gadget",
     "points": 20},
    {"name": "Automation", "category": "fit", "field": "interests", "operator": "contains", "value": "AUTOMATION",
     "points": 3},
]  # fmt: skip


@pytest.fixture
def rules(personas: Any) -> list[Any]:
    return [actions_scoring.create_rule(personas.admin, rule) for rule in RULES]


def test_recorded_interactions_rescore_the_lead_once_committed(
    personas: Any, rules: Any, lead: Any, catalogue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rep, old = personas.rep_east, (timezone.now() - dt.timedelta(days=40)).isoformat()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        actions.record_interactions(rep, [
            {"lead": str(lead.pk), "kind": "email_opened"},
            {"lead": str(lead.pk), "kind": "page_visited", "occurred_at": old},  # too old to count
            {"lead": str(lead.pk), "kind": "page_visited", "properties": {"topic": "Home automation"}},
        ])  # fmt: skip
    assert len(queued) == 1
    lead = Lead.objects.get(pk=lead.pk)
    assert (lead.fit_score, lead.engagement_score) == (3, 5)  # two recent, one email opened, an interest
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_interaction(rep, lead, "product_viewed", None, {"product": "G-1"})
        actions.record_interaction(rep, lead, "page_visited")
    assert Lead.objects.get(pk=lead.pk).engagement_score == 5 + 10 + 7 + 20


def test_facts_are_computed_in_bulk(personas: Any, catalogue: Any) -> None:
    def make(count: int) -> list[Any]:
        leads = [
            actions_leads.create_lead(personas.rep_east, {"given_name": f"L{i}", "email": f"l{count}-{i}@x.example"})
            for i in range(count)
        ]
        for lead in leads:
            actions.record_interaction(personas.rep_east, lead, "product_viewed", None, {"product": "W-1", "topic": "t"})
        return [lead.pk for lead in leads]

    few, many = make(2), make(12)
    with CaptureQueriesContext(connection) as small:
        facts = scoring.engagement_facts(few)
    with CaptureQueriesContext(connection) as large:
        facts = scoring.engagement_facts(many)
    assert len(small.captured_queries) == len(large.captured_queries) == 3
    assert facts[many[0]]["interests"] == {"t", "widget", "w-1"} and facts[many[0]]["interactions_30d"] == 1


def test_rules_on_the_new_fields_are_checked(personas: Any) -> None:
    bad = {"name": "X", "category": "engagement", "field": "interactions_30d", "operator": "contains", "value": "a", "points": 1}
    with pytest.raises(ValidationError) as refused:
        actions_scoring.create_rule(personas.admin, bad)
    assert set(refused.value.message_dict) == {"operator"}
    with pytest.raises(ValidationError) as refused:
        actions_scoring.create_rule(personas.admin, {**bad, "field": "interests", "operator": "at_least", "value": "2"})
    assert set(refused.value.message_dict) == {"operator"}


def test_the_rule_form_offers_the_new_fields(personas: Any, signed_in: Any) -> None:
    admin = signed_in(personas.admin)
    assert "Interactions in the last 30 days" in admin.get(reverse("sales:rule-create")).content.decode()
    form = {"name": "Interested", "category": "engagement", "field": "interests", "operator": "is_set", "value": "",
            "points": "4", "is_active": "on"}  # fmt: skip
    assert admin.post(reverse("sales:rule-create"), form).status_code == 302


def test_the_timeline_and_interests_show_on_the_lead_and_contact_pages(
    personas: Any, signed_in: Any, lead: Any, contact: Any, catalogue: Any
) -> None:
    rep = signed_in(personas.rep_east)
    page = rep.get(reverse("sales:lead-detail", args=[lead.pk])).content.decode()
    assert 'data-testid="interests"' in page and "No interests yet" in page and 'data-testid="interaction"' not in page
    actions.record_interaction(personas.rep_east, lead, "page_visited", None, {"title": "Pricing plans", "topic": "pricing",
                                                                             "url": "https://x.example/pricing"})  # fmt: skip
    actions.record_interaction(personas.rep_east, contact, "product_viewed", None, {"product": "G-1"})
    page = rep.get(reverse("sales:lead-detail", args=[lead.pk])).content.decode()
    assert "Pricing plans" in page and "https://x.example/pricing" in page and "Page visited" in page
    assert "pricing · 1" in page and "No interests yet" not in page
    page = rep.get(reverse("directory:contact-detail", args=[contact.pk])).content.decode()
    assert 'data-testid="interaction"' in page and "Product viewed" in page and "Gadget · 1" in page
    assert "Product: Gadget" in page
    zh = rep.get(reverse("directory:contact-detail", args=[contact.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "产品：Gadget" in zh
    assert "Pricing plans" not in page  # the lead's, not the contact's
    other = signed_in(personas.rep_west).get(reverse("sales:lead-detail", args=[lead.pk]))
    assert other.status_code == 404 and "Pricing plans" not in other.content.decode()
