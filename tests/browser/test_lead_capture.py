"""A lead in a real Chromium: a visitor sends the public form (no sign-in), a sales rep finds the
lead, sees the consent it came with and converts it into a contact, a company and a deal."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.accounts.models import Team
from bastion.accounts.testing import enrol_totp
from bastion.sales import actions_routing, actions_setup
from bastion.sales.models import Deal, Lead
from tests.browser.test_first_day import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_capture_a_lead_through_the_public_form_and_convert_it(page: Any, live_server: Any, personas: Any) -> None:
    actions_setup.create_pipeline(personas.admin, {"name": "New business"})
    east = Team.objects.get(name="Sales East")
    actions_routing.set_lead_routing(personas.admin, east.pk)  # web-form leads go to Sales East, in turn
    page.goto(f"{live_server.url}/forms/lead/")
    page.get_by_label("Given name").fill("Ana")
    page.get_by_label("Family name").fill("Souza")
    page.get_by_label("Email address").fill("ana.souza@tidewater.example")
    page.get_by_label("Company").fill("Tidewater Freight")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Tick the box to agree before sending.").wait_for()  # no consent, nothing stored
    assert not Lead.objects.exists()
    box, words = page.locator("#id_consent").bounding_box(), page.locator("label[for=id_consent]").bounding_box()
    assert box and words and box["x"] + box["width"] <= words["x"]  # the tick box first, then its (long) text
    page.get_by_label("I agree that my details").check()
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    lead = Lead.objects.get()
    assert lead.consent_given_at is not None and lead.consent_text.startswith("I agree that my details")
    assert (lead.owner, lead.team) == (personas.rep_east, east)

    sign_in(page, live_server.url, "rep_east", enrol_totp(personas.rep_east))
    page.get_by_role("link", name="Leads", exact=True).click()
    page.get_by_role("link", name="Ana Souza").click()
    assert "I agree that my details" in page.get_by_test_id("consent").inner_text()
    page.get_by_label("Company", exact=True).select_option(label="Create the company “Tidewater Freight”")
    page.get_by_label("Deal name").fill("Tidewater fleet")
    page.get_by_role("button", name="Convert lead").click()
    page.get_by_role("heading", name="Tidewater fleet").wait_for()
    deal = Deal.objects.get(name="Tidewater fleet")
    assert deal.company is not None and deal.company.name == "Tidewater Freight"
    assert deal.contact is not None and deal.contact.display_name == "Ana Souza"
    lead.refresh_from_db()
    assert lead.is_converted and lead.converted_deal == deal
