"""CSV exports of the deal and lead lists: what the user sees (scoped, filtered), masked for the role,
audited, behind a fresh second factor; tokens, other roles and other teams get nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from bastion.accounts.testing import step_up
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions, actions_leads

pytestmark = pytest.mark.django_db


def csv_text(response: Any) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv") and response["Cache-Control"] == "no-store"
    return b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")


@pytest.fixture
def sales_data(personas: Any, stages: Any) -> None:
    actions.create_deal(personas.rep_east, {"name": "=HYPERLINK(east)", "amount": "1200", "stage": stages["Proposal"].pk})
    actions.create_deal(personas.rep_west, {"name": "West coast fleet", "amount": "800"})
    actions_leads.create_lead(personas.rep_east, {"given_name": "Ana", "family_name": "Souza", "email": "ana@tide.example"})
    actions_leads.create_lead(personas.rep_west, {"given_name": "Bo", "family_name": "Li", "phone": "+86 21 5555 0199"})


def test_a_rep_exports_their_teams_deals_and_leads_masked(personas: Any, signed_in: Any, sales_data: None) -> None:
    client = signed_in(personas.rep_east)
    step_up(client, personas.rep_east)
    deals = csv_text(client.get(reverse("sales:deal-export"), {"ordering": "name"}))
    header, *rows = deals.splitlines()
    assert header.startswith("Id,Deal,Pipeline,Stage,Amount")
    assert len(rows) == 1 and "'=HYPERLINK(east)" in rows[0] and "West coast" not in deals  # formula defused
    leads = csv_text(client.get("/api/v1/leads/export/"))
    assert "Souza" in leads and "a***@t***.example" in leads and "ana@tide.example" not in leads and "Li" not in leads
    events = AuditEvent.objects.filter(kind=EventKind.EXPORTED).order_by("sequence")
    assert [(e.target_type, e.extra["count"]) for e in events] == [("sales.deal", 1), ("sales.lead", 1)]


def test_exports_need_a_fresh_second_factor_and_refuse_tokens_and_other_roles(
    personas: Any, signed_in: Any, api_as: Any, sales_data: None
) -> None:
    client = signed_in(personas.rep_east)
    page = client.get(reverse("sales:lead-export"))
    assert page.status_code == 302 and page["Location"].startswith("/accounts/2fa/reauthenticate/")
    token = api_as(personas.rep_east, ["deal:read", "lead:read"])
    for url in ("/api/v1/deals/export/", "/api/v1/leads/export/"):
        refused = token.get(url)
        assert refused.status_code == 403 and refused.json()["error"] == "step_up_unavailable" and b"Souza" not in refused.content
    auditor = signed_in(personas.auditor)
    step_up(auditor, personas.auditor)
    assert auditor.get(reverse("sales:deal-export")).status_code == 403
    assert not AuditEvent.objects.filter(kind=EventKind.EXPORTED).exists()


def test_a_lead_export_searching_by_email_is_refused_to_a_role_that_may_not_see_it(
    personas: Any, signed_in: Any, sales_data: None
) -> None:
    client = signed_in(personas.marketer)
    step_up(client, personas.marketer)
    response = client.get(reverse("sales:lead-export"), {"q": "ana@tide.example"})
    assert response.status_code == 400 and "Souza" not in response.content.decode()
    assert not AuditEvent.objects.filter(kind=EventKind.EXPORTED).exists()
