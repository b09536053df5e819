"""The deals of a company or contact on their pages, what deleting a company says and does, the empty timeline."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bastion.commerce import actions as commerce
from bastion.commerce.models import Order
from bastion.directory.models import Company
from bastion.sales.models import Activity, Deal
from bastion.sales.tests.factories import ActivityFactory, DealFactory, pipeline_with_stages, stage_named

pytestmark = pytest.mark.django_db


@pytest.fixture
def stages() -> dict[str, Any]:
    pipeline = pipeline_with_stages("Main", is_default=True)
    return {name: stage_named(pipeline, name) for name in ("Qualification", "Proposal", "Won", "Lost")}


def deal(owner: Any, stage: Any, **fields: Any) -> Deal:
    made: Any = DealFactory(owner=owner, stage=stage, **fields)
    return made


def section(page: str, testid: str) -> str:
    found = re.search(rf'<section[^>]*data-testid="{testid}".*?</section>', page, re.S)
    assert found, f"no {testid} section"
    return found.group(0)


def confirm_question(page: str) -> str:
    found = re.search(r'data-confirm="([^"]*)"', page)
    assert found, "no delete dialog"
    return unescape(found.group(1))


# --- deleting a company ---------------------------------------------------------------------------


def test_delete_dialog_and_page_count_what_is_kept_and_what_goes(
    personas: Any, signed_in: Any, company: Any, contact: Any, stages: dict[str, Any]
) -> None:
    mine = [deal(personas.rep_east, stages["Proposal"], company=company) for _ in range(2)]
    hidden = deal(personas.rep_west, stages["Proposal"], company=company)  # rep_east may not see it: not counted
    order = commerce.create_order(personas.rep_east, {"company": company.pk})
    task: Any = ActivityFactory(assignee=personas.rep_east, company=company)
    client = signed_in(personas.rep_east)

    question = confirm_question(client.get(reverse("directory:company-detail", args=[company.pk])).content.decode())
    assert question == (
        "Delete the company “Acme Ltd”? Its 1 contact is kept, no longer linked to a company. "
        "Its 2 deals are kept, no longer linked to a company. Its 1 order is kept, no longer linked to a company. "
        "Its 1 task, call, meeting or note is deleted with it. This cannot be undone."
    )
    page = client.get(reverse("directory:company-delete", args=[company.pk])).content.decode()
    assert "Its 2 deals are kept, no longer linked to a company." in page
    assert "Its 1 order is kept, no longer linked to a company." in page
    assert "Its 1 task, call, meeting or note is deleted with it." in page

    # ...and that is what happens.
    response = client.post(reverse("directory:company-delete", args=[company.pk]), {"confirmed": "yes"})
    assert response.status_code == 302
    assert not Company.objects.filter(pk=company.pk).exists()
    assert Deal.objects.filter(pk__in=[d.pk for d in [*mine, hidden]], company=None).count() == 3
    assert Order.objects.filter(pk=order.pk, company=None).exists()
    assert not Activity.objects.filter(pk=task.pk).exists()


def test_delete_dialog_of_a_company_with_nothing_linked(personas: Any, signed_in: Any, company: Any) -> None:
    client = signed_in(personas.rep_east)
    question = confirm_question(client.get(reverse("directory:company-detail", args=[company.pk])).content.decode())
    assert question == "Delete the company “Acme Ltd”? This cannot be undone."


# --- deals on company and contact pages -----------------------------------------------------------


def test_company_page_lists_visible_deals_open_first(personas: Any, signed_in: Any, company: Any, stages: dict[str, Any]) -> None:
    won = deal(personas.rep_east, stages["Won"], company=company, name="Old win")
    proposal = deal(personas.rep_east, stages["Proposal"], company=company, name="Big proposal", amount=Decimal("1234.50"))
    proposal.expected_close_date = dt.date(2031, 5, 17)
    proposal.save()
    deal(personas.rep_west, stages["Proposal"], company=company, name="West secret")
    deal(personas.rep_east, stages["Proposal"], name="Elsewhere")
    page = signed_in(personas.rep_east).get(reverse("directory:company-detail", args=[company.pk])).content.decode()
    deals = section(page, "customer-deals")
    assert f'href="{reverse("sales:deal-detail", args=[proposal.pk])}"' in deals
    assert f'href="{reverse("sales:deal-detail", args=[won.pk])}"' in deals
    assert deals.index("Big proposal") < deals.index("Old win")  # open deals first
    assert "Proposal" in deals and "1,234.50 USD" in deals and 'datetime="2031-05-17"' in deals
    assert "West secret" not in page and "Elsewhere" not in deals
    assert f"{reverse('sales:deal-create')}?company={company.pk}" in deals


def test_contact_page_lists_its_deals_and_an_empty_state(
    personas: Any, signed_in: Any, company: Any, contact: Any, stages: dict[str, Any]
) -> None:
    client = signed_in(personas.rep_east)
    url = reverse("directory:contact-detail", args=[contact.pk])
    assert "No deals yet." in section(client.get(url).content.decode(), "customer-deals")
    deal(personas.rep_east, stages["Qualification"], contact=contact, name="Falcon renewal")
    deals = section(client.get(url).content.decode(), "customer-deals")
    assert "Falcon renewal" in deals and "No deals yet." not in deals
    assert f"{reverse('sales:deal-create')}?contact={contact.pk}" in deals


def test_company_deals_are_limited_and_read_in_one_query(
    personas: Any, signed_in: Any, company: Any, stages: dict[str, Any]
) -> None:
    client = signed_in(personas.admin)
    url = reverse("directory:company-detail", args=[company.pk])
    deal(personas.rep_east, stages["Proposal"], company=company)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(24):
        deal(personas.rep_east, stages["Proposal"], company=company)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many.captured_queries) == len(one.captured_queries)
    deals = section(page, "customer-deals")
    assert deals.count("<tr>") == 21  # the header and 20 deals
    assert "Showing the first 20 deals: open ones first, then the newest." in deals


# --- the empty timeline ---------------------------------------------------------------------------


def test_empty_timeline_is_a_paragraph_not_a_list_item(personas: Any, signed_in: Any, company: Any) -> None:
    timeline = section(
        signed_in(personas.rep_east).get(reverse("directory:company-detail", args=[company.pk])).content.decode(), "timeline"
    )
    assert re.search(r"<p[^>]*>Nothing yet: no tasks, calls, meetings or notes.</p>", timeline)
    assert "<ol" not in timeline and "<li" not in timeline


def test_timeline_with_entries_is_a_list(personas: Any, signed_in: Any, company: Any) -> None:
    ActivityFactory(assignee=personas.rep_east, company=company, subject="Call the buyer")
    timeline = section(
        signed_in(personas.rep_east).get(reverse("directory:company-detail", args=[company.pk])).content.decode(), "timeline"
    )
    assert "<ol" in timeline and "Call the buyer" in timeline and "Nothing yet" not in timeline
