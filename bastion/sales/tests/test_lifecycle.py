"""Lifecycle stages (issue 6 item 6; ADR 0044): automatic moves on the obvious events, moves by hand,
their history and audit, the policy, and a won deal becoming the customer's order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from bastion.commerce import actions as commerce
from bastion.commerce.models import Order, OrderStatus
from bastion.directory import actions as directory
from bastion.directory.models import Contact
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions, actions_leads, actions_scoring, lifecycle
from bastion.sales.models import Lead, LifecycleChange, LifecyclePolicy

pytestmark = pytest.mark.django_db


def stage_of(record: Any) -> str:
    return str(type(record)._base_manager.get(pk=record.pk).lifecycle_stage)


def moves(**person: Any) -> list[tuple[str, str, str]]:
    changes = LifecycleChange.objects.filter(**person).order_by("changed_at", "id")
    return [(c.from_stage, c.to_stage, c.reason) for c in changes]


def test_a_deal_makes_its_contact_an_opportunity_and_winning_it_a_customer_with_an_order(
    personas: Any, stages: Any, customer: Any
) -> None:
    company, contact = customer
    assert stage_of(contact) == "lead"
    deal = actions.create_deal(
        personas.rep_east, {"name": "Robots", "amount": "900.00", "company": company.pk, "contact": contact.pk}
    )
    assert stage_of(contact) == "opportunity"
    actions.move_deal(personas.rep_east, deal.pk, stages["Won"].pk)
    assert stage_of(contact) == "customer"
    assert moves(contact=contact) == [("lead", "opportunity", "deal_opened"), ("opportunity", "customer", "deal_won")]
    order = Order.objects.get(deal=deal)
    assert order.status == OrderStatus.CONFIRMED and order.contact == contact and order.company == company
    assert [(line.description, line.quantity, line.unit_price) for line in order.lines.all()] == [
        ("Robots", Decimal("1.000"), Decimal("900.00"))
    ]
    assert order.total == Decimal("900.00") and order.owner == personas.rep_east
    event = AuditEvent.objects.filter(target_id=str(contact.pk), kind=EventKind.RECORD_UPDATED).latest("sequence")
    assert event.changes == {"lifecycle_stage": {"old": "opportunity", "new": "customer"}}
    order_events = AuditEvent.objects.filter(target_type="commerce.order", target_id=str(order.pk)).order_by("sequence")
    assert order_events.count() == 2  # created, then confirmed
    assert order_events[0].changes["deal"] == {"old": None, "new": str(deal.pk)}  # the order's own event names its deal
    # Reopened and won again: still one order, and the customer stays a customer.
    actions.move_deal(personas.rep_east, deal.pk, stages["Proposal"].pk)
    actions.move_deal(personas.rep_east, deal.pk, stages["Won"].pk)
    assert Order.objects.filter(deal=deal).count() == 1 and stage_of(contact) == "customer"


def test_a_deals_product_lines_set_its_amount_and_become_the_order_lines(personas: Any, stages: Any, customer: Any) -> None:
    company, contact = customer
    product = commerce.create_product(personas.admin, {"name": "Arm", "sku": "ARM-1", "unit_price": "250.00"})
    lines = [{"product": product.pk, "quantity": "3"}, {"description": "Installation", "quantity": "1", "unit_price": "99.5"}]
    deal = actions.create_deal(personas.rep_east, {"name": "Arms", "contact": contact.pk, "lines": lines})
    deal.refresh_from_db()
    assert deal.amount == Decimal("849.50") and deal.lines.count() == 2
    actions.move_deal(personas.rep_east, deal.pk, stages["Won"].pk)
    order = Order.objects.get(deal=deal)
    assert [(line.product_id, line.description, line.line_total) for line in order.lines.order_by("position")] == [
        (product.pk, "Arm", Decimal("750.00")),
        (None, "Installation", Decimal("99.50")),
    ]
    assert order.total == Decimal("849.50")


def test_bad_deal_lines_are_refused_naming_the_line_and_nothing_is_stored(personas: Any, stages: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.create_deal(personas.rep_east, {"name": "Bad", "lines": [{"description": "x", "quantity": "0"}]})
    assert "lines[0].quantity" in refused.value.message_dict
    assert not actions.Deal.objects.filter(name="Bad").exists()


def test_all_deals_lost_sends_an_opportunity_back_to_lead_but_a_customer_stays(personas: Any, stages: Any, customer: Any) -> None:
    _company, contact = customer
    first = actions.create_deal(personas.rep_east, {"name": "One", "amount": "10", "contact": contact.pk})
    second = actions.create_deal(personas.rep_east, {"name": "Two", "amount": "10", "contact": contact.pk})
    actions.move_deal(personas.rep_east, first.pk, stages["Lost"].pk)
    assert stage_of(contact) == "opportunity"  # the second deal is still open
    actions.move_deal(personas.rep_east, second.pk, stages["Lost"].pk)
    assert stage_of(contact) == "lead"
    assert moves(contact=contact)[-1] == ("opportunity", "lead", "deals_lost")
    won = actions.create_deal(personas.rep_east, {"name": "Three", "amount": "10", "contact": contact.pk})
    actions.move_deal(personas.rep_east, won.pk, stages["Won"].pk)
    lost = actions.create_deal(personas.rep_east, {"name": "Four", "amount": "10", "contact": contact.pk})
    actions.move_deal(personas.rep_east, lost.pk, stages["Lost"].pk)
    assert stage_of(contact) == "customer"


def test_a_lead_moves_with_its_score_its_qualification_and_its_conversion(personas: Any, stages: Any) -> None:
    actions_scoring.create_rule(
        personas.admin,
        {"name": "Director", "category": "fit", "field": "job_title", "operator": "contains", "value": "director",
         "points": 60},
    )  # fmt: skip
    lead = actions_leads.create_lead(personas.rep_east, {"given_name": "Ana", "email": "ana@x.example"})
    assert stage_of(lead) == "lead"
    actions_leads.update_lead(personas.rep_east, lead.pk, {"job_title": "Sales Director"})
    assert stage_of(lead) == "marketing_qualified"
    scored = LifecycleChange.objects.get(lead=lead, reason="score_reached")
    assert scored.changed_by == personas.rep_east  # the edit that raised the score made the move: it is theirs
    actions_leads.update_lead(personas.rep_east, lead.pk, {"status": "qualified"})
    assert stage_of(lead) == "sales_qualified"
    converted = actions_leads.convert_lead(personas.rep_east, lead.pk, {"create_deal": True, "amount": "500"})
    contact = converted.converted_contact
    assert moves(contact=contact) == [
        ("lead", "sales_qualified", "lead_converted"),
        ("sales_qualified", "opportunity", "deal_opened"),
    ]
    assert stage_of(lead) == "opportunity"
    assert [m[2] for m in moves(lead=lead)] == ["score_reached", "lead_qualified", "lead_converted"]


def test_an_order_makes_a_customer_and_no_order_for_the_churn_period_churns_them(personas: Any, customer: Any) -> None:
    _company, contact = customer
    order = commerce.create_order(
        personas.rep_east, {"contact": contact.pk, "lines": [{"description": "Parts", "quantity": 1, "unit_price": "5"}]}
    )
    assert stage_of(contact) == "lead"  # a draft is not a sale
    commerce.change_order_status(personas.rep_east, order.pk, "confirmed")
    assert stage_of(contact) == "customer"
    assert lifecycle.churn_inactive_customers() == 0  # ordered just now
    later = timezone.now() + dt.timedelta(days=366)
    assert lifecycle.churn_inactive_customers(now=later) == 1
    assert stage_of(contact) == "churned" and moves(contact=contact)[-1] == ("customer", "churned", "no_recent_order")
    assert lifecycle.churn_inactive_customers(now=later) == 0  # idempotent
    again = commerce.create_order(
        personas.rep_east, {"contact": contact.pk, "lines": [{"description": "More", "quantity": 1, "unit_price": "5"}]}
    )
    commerce.change_order_status(personas.rep_east, again.pk, "confirmed")
    assert stage_of(contact) == "customer"


def _confirmed_order(actor: Any, when: dt.datetime, **customer: Any) -> None:
    lines = [{"description": "Parts", "quantity": 1, "unit_price": "5"}]
    order = commerce.create_order(actor, {**customer, "ordered_at": when, "lines": lines})
    commerce.change_order_status(actor, order.pk, "confirmed")


def test_a_company_that_keeps_ordering_keeps_its_people_customers(personas: Any, customer: Any) -> None:
    company, contact = customer
    other_company = directory.create_company(personas.rep_east, {"name": "Borealis Freight"})
    colleague = directory.create_contact(personas.rep_east, {"given_name": "Li", "family_name": "Wu", "company": company})
    elsewhere = directory.create_contact(
        personas.rep_east, {"given_name": "Ana", "family_name": "Silva", "company": other_company}
    )
    alone = directory.create_contact(personas.rep_east, {"given_name": "Sam", "family_name": "Okafor"})
    now = timezone.now()
    for person in (contact, colleague, elsewhere, alone):
        _confirmed_order(personas.rep_east, now, contact=person.pk)
    later = now + dt.timedelta(days=400)
    # Within the churn period before ``later``: an order of the company alone, naming nobody, and
    # one of the other company naming nobody either (a null contact in the subquery must not stop
    # everyone else churning).
    _confirmed_order(personas.rep_east, later - dt.timedelta(days=30), company=company.pk)
    _confirmed_order(personas.rep_west, later - dt.timedelta(days=30), company=directory.create_company(
        personas.rep_west, {"name": "Western Spares"}).pk)  # fmt: skip
    assert lifecycle.churn_inactive_customers(now=later) == 2
    assert [stage_of(person) for person in (contact, colleague, elsewhere, alone)] == [
        "customer", "customer", "churned", "churned"
    ]  # fmt: skip
    assert lifecycle.churn_inactive_customers(now=later + dt.timedelta(days=400)) == 2  # the company stopped too
    assert stage_of(contact) == stage_of(colleague) == "churned"


def test_a_stage_changed_by_hand_is_kept_and_audited(personas: Any, customer: Any) -> None:
    _company, contact = customer
    lifecycle.set_contact_lifecycle_stage(personas.rep_east, contact.pk, "advocate")
    assert stage_of(contact) == "advocate"
    change = LifecycleChange.objects.get(contact=contact)
    assert (change.from_stage, change.to_stage, change.reason, change.changed_by) == (
        "lead",
        "advocate",
        "manual",
        personas.rep_east,
    )
    with pytest.raises(ValidationError) as refused:
        lifecycle.set_contact_lifecycle_stage(personas.rep_east, contact.pk, "royalty")
    assert "lifecycle_stage" in refused.value.message_dict


def test_nobody_moves_a_person_they_may_not_change(personas: Any, customer: Any) -> None:
    _company, contact = customer
    before = AuditEvent.objects.count()
    with pytest.raises(Http404):
        lifecycle.set_contact_lifecycle_stage(personas.rep_west, contact.pk, "customer")  # another team's contact
    with pytest.raises(PermissionDenied):
        lifecycle.set_contact_lifecycle_stage(personas.auditor, contact.pk, "customer")  # reads only
    assert stage_of(contact) == "lead" and not LifecycleChange.objects.exists()
    assert AuditEvent.objects.count() == before
    assert lifecycle.history(personas.rep_west, "contact", contact.pk) == []


def test_only_administrators_set_the_policy_and_bad_values_are_named(personas: Any) -> None:
    with pytest.raises(PermissionDenied):
        lifecycle.set_lifecycle_policy(personas.rep_east, {"qualifying_score": 10, "churn_after_days": 90})
    with pytest.raises(ValidationError) as refused:
        lifecycle.set_lifecycle_policy(personas.admin, {"qualifying_score": "ten", "churn_after_days": 5})
    assert set(refused.value.message_dict) == {"qualifying_score", "churn_after_days"}
    assert not LifecyclePolicy.objects.exists()
    lifecycle.set_lifecycle_policy(personas.admin, {"qualifying_score": 10, "churn_after_days": 90})
    assert (lifecycle.policy().qualifying_score, lifecycle.policy().churn_after_days) == (10, 90)
    event = AuditEvent.objects.filter(kind=EventKind.SETTING_CHANGED, target_id="lifecycle_policy").get()
    assert event.changes["churn_after_days"] == {"old": 365, "new": 90}


def test_the_contact_page_shows_the_stage_and_history_and_moves_it(personas: Any, signed_in: Any, customer: Any) -> None:
    _company, contact = customer
    client = signed_in(personas.rep_east)
    page = client.get(reverse("directory:contact-detail", args=[contact.pk]))
    assert b'data-testid="lifecycle-stage">Lead<' in page.content
    response = client.post(reverse("sales:contact-lifecycle", args=[contact.pk]), {"lifecycle_stage": "subscriber"})
    assert response.status_code == 302 and stage_of(contact) == "subscriber"
    page = client.get(reverse("directory:contact-detail", args=[contact.pk]))
    assert b"Changed by hand" in page.content
    outsider = signed_in(personas.rep_west)
    denied = outsider.post(reverse("sales:contact-lifecycle", args=[contact.pk]), {"lifecycle_stage": "churned"})
    assert denied.status_code == 404 and stage_of(contact) == "subscriber"


def test_the_set_up_page_sets_the_policy(personas: Any, signed_in: Any) -> None:
    admin = signed_in(personas.admin)
    assert b'data-testid="lifecycle-policy"' in admin.get(reverse("sales:setup")).content
    bad = admin.post(reverse("sales:lifecycle-policy"), {"qualifying_score": "0", "churn_after_days": "90"})
    assert bad.status_code == 400 and not LifecyclePolicy.objects.exists()
    good = admin.post(reverse("sales:lifecycle-policy"), {"qualifying_score": "40", "churn_after_days": "90"})
    assert good.status_code == 302 and lifecycle.policy().qualifying_score == 40
    rep = signed_in(personas.rep_east)
    refused = rep.post(reverse("sales:lifecycle-policy"), {"qualifying_score": "1", "churn_after_days": "30"})
    assert refused.status_code == 403 and lifecycle.policy().qualifying_score == 40


def test_the_api_reads_and_moves_a_stage(personas: Any, customer: Any, api_as: Any) -> None:
    _company, contact = customer
    url = reverse("api-contact-lifecycle", args=[contact.pk])
    reader = api_as(personas.rep_east, scopes=["contact:read"])
    assert reader.get(url).json() == {"lifecycle_stage": "lead", "history": []}
    refused = reader.post(url, {"lifecycle_stage": "customer"}, format="json")
    assert refused.status_code == 403 and stage_of(contact) == "lead"
    writer = api_as(personas.rep_east)
    bad = writer.post(url, {"lifecycle_stage": "royalty"}, format="json")
    assert bad.status_code == 400 and "lifecycle_stage" in bad.json()["fields"] and stage_of(contact) == "lead"
    moved = writer.post(url, {"lifecycle_stage": "customer"}, format="json").json()
    assert moved["lifecycle_stage"] == "customer" and moved["history"][0]["reason"] == "manual"
    assert api_as(personas.rep_west).get(url).status_code == 404
    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == "customer"


def test_a_lead_converted_through_the_api_shows_its_stage(personas: Any, stages: Any, api_as: Any) -> None:
    lead = Lead.objects.get(pk=actions_leads.create_lead(personas.rep_east, {"given_name": "Li", "email": "li@x.example"}).pk)
    client = api_as(personas.rep_east)
    client.post(reverse("api-lead-convert", args=[lead.pk]), {"create_deal": True, "amount": "5"}, format="json")
    body = client.get(reverse("api-lead-lifecycle", args=[lead.pk])).json()
    assert body["lifecycle_stage"] == "opportunity"
    assert client.get(reverse("api-lead-detail", args=[lead.pk])).json()["lifecycle_stage"] == "opportunity"
    contact_id = Lead.objects.get(pk=lead.pk).converted_contact_id
    assert client.get(reverse("api-contact-lifecycle", args=[contact_id])).json()["lifecycle_stage"] == "opportunity"


def test_the_deal_products_page_sets_the_lines_and_names_a_bad_row(
    personas: Any, signed_in: Any, stages: Any, customer: Any
) -> None:
    _company, contact = customer
    product = commerce.create_product(personas.admin, {"name": "Arm", "sku": "ARM-1", "unit_price": "250.00"})
    deal = actions.create_deal(personas.rep_east, {"name": "Arms", "amount": "10", "contact": contact.pk})
    client = signed_in(personas.rep_east)
    url = reverse("sales:deal-products", args=[deal.pk])
    assert b"Arm (250.00 USD)" in client.get(url).content
    form = {"lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "lines-0-product": str(product.pk), "lines-0-quantity": "2"}
    bad = client.post(url, {**form, "lines-1-description": "Setup", "lines-1-quantity": "-1", "lines-1-unit_price": "5"})
    assert bad.status_code == 400 and "Quantity must be more than zero." in bad.content.decode()
    assert actions.Deal.objects.get(pk=deal.pk).amount == Decimal("10.00") and not deal.lines.exists()
    more = client.post(url, {**form, "add_lines": "1"})
    assert more.status_code == 200 and more.content.count(b'name="lines-') > 8  # the typed row and empty ones
    saved = client.post(url, form)
    assert saved.status_code == 302 and actions.Deal.objects.get(pk=deal.pk).amount == Decimal("500.00")
    assert b"Arm" in client.get(reverse("sales:deal-detail", args=[deal.pk])).content
    outsider = signed_in(personas.rep_west)
    assert outsider.post(url, {**form, "lines-0-quantity": "9"}).status_code == 404
    assert actions.Deal.objects.get(pk=deal.pk).amount == Decimal("500.00")
