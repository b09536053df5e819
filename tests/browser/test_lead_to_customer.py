"""Issue 6's must-show, end to end in a real Chromium: a visitor sends the public lead form; the lead
is scored by the organisation's rules and becomes marketing-qualified; a sales rep converts it into
a contact, a company and a deal; drags the deal across the board to won; and finds the contact a
customer, with the order the won deal became in its purchase history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bastion.accounts.models import Team
from bastion.accounts.testing import enrol_totp
from bastion.commerce.models import Order, OrderStatus
from bastion.sales import actions_routing, actions_scoring, actions_setup
from bastion.sales.models import Deal, Lead, LifecycleChange, Stage
from tests.browser.test_first_day import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAGES = [
    {"name": "Qualification", "probability": 10},
    {"name": "Proposal", "probability": 50},
    {"name": "Won", "probability": 100, "kind": "won"},
    {"name": "Lost", "probability": 0, "kind": "lost"},
]
RULES = [
    {"name": "Came through the form", "category": "fit", "field": "source", "operator": "equals", "value": "web_form",
     "points": 30},
    {"name": "Has a company", "category": "fit", "field": "company_name", "operator": "is_set", "value": "", "points": 25},
]  # fmt: skip


def send_the_public_form(page: Any, url: str) -> None:
    page.goto(f"{url}/forms/lead/")
    page.get_by_label("Given name").fill("Ana")
    page.get_by_label("Family name").fill("Souza")
    page.get_by_label("Email address").fill("ana.souza@tidewater.example")
    page.get_by_label("Company").fill("Tidewater Freight")
    page.get_by_label("I agree that my details").check()
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Thank you").wait_for()


def test_a_web_lead_becomes_a_customer_with_an_order(page: Any, live_server: Any, personas: Any) -> None:
    pipeline = actions_setup.create_pipeline(personas.admin, {"name": "New business"}, stages=STAGES)
    actions_routing.set_lead_routing(personas.admin, Team.objects.get(name="Sales East").pk)
    for rule in RULES:
        actions_scoring.create_rule(personas.admin, rule)

    send_the_public_form(page, live_server.url)
    lead = Lead.objects.get()
    assert (lead.score, lead.lifecycle_stage) == (55, "marketing_qualified")  # 30 + 25 reaches the default 50

    sign_in(page, live_server.url, "rep_east", enrol_totp(personas.rep_east))
    page.get_by_role("link", name="Leads", exact=True).click()
    page.get_by_role("link", name="Ana Souza").click()
    assert page.get_by_test_id("lead-score").locator("strong").inner_text() == "55"
    assert page.get_by_test_id("lifecycle-stage").inner_text() == "Marketing-qualified"
    page.get_by_label("Company", exact=True).select_option(label="Create the company “Tidewater Freight”")
    page.get_by_label("Deal name").fill("Tidewater fleet")
    page.get_by_label("Amount").fill("4200")
    page.get_by_role("button", name="Convert lead").click()
    page.get_by_role("heading", name="Tidewater fleet").wait_for()
    deal = Deal.objects.get(name="Tidewater fleet")
    assert deal.contact is not None and deal.contact.lifecycle_stage == "opportunity"

    page.get_by_role("link", name="Pipeline", exact=True).click()
    page.get_by_role("heading", name="Pipeline: New business").wait_for()
    won = Stage.objects.get(pipeline=pipeline, name="Won")
    page.locator(f"[data-deal-card='{deal.pk}']").drag_to(page.locator(f"[data-stage-column='{won.pk}']"))
    page.locator(f"[data-stage-column='{won.pk}'] [data-deal-card='{deal.pk}'].moved").wait_for()

    page.goto(f"{live_server.url}/contacts/{deal.contact_id}/")
    assert page.get_by_test_id("lifecycle-stage").inner_text() == "Customer"
    history = page.get_by_test_id("lifecycle-history").inner_text()
    assert "Deal won" in history and "Lead converted" in history
    # The contact page is styled like the lead page: the stage is a badge and the history a plain
    # list (these styles were once only in the sales pages' stylesheet, and showed "1." here).
    assert page.get_by_test_id("lifecycle-history").evaluate("e => getComputedStyle(e).listStyleType") == "none"
    assert page.get_by_test_id("lifecycle-stage").evaluate("e => getComputedStyle(e).borderRadius") != "0px"
    order = Order.objects.get(deal=deal)
    assert order.status == OrderStatus.CONFIRMED and order.total == Decimal("4200.00")
    purchases = page.get_by_test_id("purchase-history")
    assert order.number in purchases.inner_text() and "Confirmed" in purchases.inner_text()
    purchases.get_by_role("link", name=order.number).click()
    page.get_by_role("heading", name=order.number).wait_for()
    reasons = list(LifecycleChange.objects.filter(contact_id=deal.contact_id).values_list("reason", flat=True))
    assert sorted(reasons) == ["deal_opened", "deal_won", "lead_converted"]
