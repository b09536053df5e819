"""Field-level security on leads (docs/adr/0030): a lead is a person, so its email, phone and message
are masked for roles that may not see restricted data (the marketer), in pages and the API; writing
them or searching by them is refused to such roles; nothing raw leaks."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions_leads
from bastion.sales.models import Lead

pytestmark = pytest.mark.django_db
RAW = ["li.na@harbour.example", "+86 21 5555 0188", "5555", "harbour.example", "budget is 2 million"]


@pytest.fixture
def lead(personas: Any) -> Lead:
    """A lead of the marketer's own team, so the record itself is theirs to read and change."""
    data = {
        "given_name": "娜", "family_name": "李", "company_name": "Harbour Logistics", "email": RAW[0], "phone": RAW[1],
        "message": "Our budget is 2 million", "owner": personas.marketer.pk,
    }  # fmt: skip
    return actions_leads.create_lead(personas.marketer, data)


def assert_nothing_raw(text: str) -> None:
    for value in RAW:
        assert value not in text, f"{value!r} leaked"


def test_the_marketer_sees_leads_masked_in_pages_and_the_api(personas: Any, signed_in: Any, api_as: Any, lead: Lead) -> None:
    client = signed_in(personas.marketer)
    pages = [reverse("sales:lead-list"), reverse("sales:lead-detail", args=[lead.pk]), reverse("sales:lead-edit", args=[lead.pk])]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_nothing_raw(response.content.decode())
    assert "l***@h***.example" in client.get(reverse("sales:lead-detail", args=[lead.pk])).content.decode()
    api = api_as(personas.marketer, ["lead:write"])
    listed, detail = api.get("/api/v1/leads/"), api.get(f"/api/v1/leads/{lead.pk}/")
    assert listed.status_code == 200 and detail.status_code == 200
    for response in (listed, detail):
        assert_nothing_raw(response.content.decode())
    assert detail.json()["email"] == "l***@h***.example" and detail.json()["family_name"] == "李"
    assert str(lead.email) == RAW[0]  # stored as given


def test_the_marketer_may_not_change_or_search_by_restricted_fields(
    personas: Any, signed_in: Any, api_as: Any, lead: Lead
) -> None:
    api = api_as(personas.marketer, ["lead:write"])
    refused = api.patch(f"/api/v1/leads/{lead.pk}/", {"email": "other@x.example", "job_title": "CEO"}, format="json")
    assert refused.status_code == 403 and refused.json()["error"] == "field_not_editable"
    assert "email" in refused.json()["detail"] and "other@x.example" not in refused.content.decode()
    created = api.post("/api/v1/leads/", {"given_name": "New", "phone": "+1 555 0100"}, format="json")
    assert created.status_code == 403 and Lead.objects.count() == 1
    search = api.get("/api/v1/leads/", {"q": RAW[0]})
    assert search.status_code == 400 and set(search.json()["fields"]) == {"q"}
    page = signed_in(personas.marketer).get(reverse("sales:lead-list"), {"q": RAW[0]})
    assert page.status_code == 400 and "李娜" not in page.content.decode()
    assert AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED, extra__reason__startswith="field_not_visible").count() == 2
    # The form shows the email locked and masked; a forged value is ignored, the rest is saved.
    client = signed_in(personas.marketer)
    form = client.get(reverse("sales:lead-edit", args=[lead.pk])).content.decode()
    assert 'name="email"' in form and "disabled" in form
    data = {"given_name": "娜", "family_name": "李", "job_title": "COO", "email": "forged@x.example", "phone": "1",
            "preferred_language": "en", "status": "contacted", "owner": personas.marketer.pk}  # fmt: skip
    assert client.post(reverse("sales:lead-edit", args=[lead.pk]), data).status_code == 302
    lead.refresh_from_db()
    assert (lead.job_title, lead.status, str(lead.email), str(lead.phone)) == ("COO", "contacted", RAW[0], RAW[1])


def test_a_sales_rep_reveals_a_leads_email_with_a_reason_and_it_is_audited(
    personas: Any, signed_in: Any, api_as: Any, lead: Lead
) -> None:
    from bastion.accounts.testing import step_up

    rep_lead = actions_leads.create_lead(personas.rep_east, {"given_name": "Wei", "email": RAW[0], "phone": RAW[1]})
    client = signed_in(personas.rep_east)
    detail = client.get(reverse("sales:lead-detail", args=[rep_lead.pk])).content.decode()
    assert 'data-testid="reveal-email"' in detail and "mailto:" not in detail
    url = reverse("sales:lead-reveal", args=[rep_lead.pk, "email"])
    assert client.get(url).status_code == 302  # a fresh second factor first
    step_up(client, personas.rep_east)
    missing = client.post(url, {"reason": "  "})
    assert missing.status_code == 400 and RAW[0] not in missing.content.decode()
    shown = client.post(url, {"reason": "Calling back about the quote request"})
    assert shown.status_code == 200 and RAW[0] in shown.content.decode() and shown["Cache-Control"] == "no-store"
    body = {"field": "phone", "reason": "Calling back today"}
    api = client.post(f"/api/v1/leads/{rep_lead.pk}/reveal/", body, content_type="application/json")
    assert api.status_code == 200 and api.json() == {"field": "phone", "values": [RAW[1]]}
    events = AuditEvent.objects.filter(kind=EventKind.FIELD_REVEALED).order_by("sequence")
    assert [(e.target_type, e.extra["field"]) for e in events] == [("sales.lead", "email"), ("sales.lead", "phone")]
    assert all(RAW[0] not in str(e.extra) and RAW[1] not in str(e.extra) for e in events)
    # Refused: a role that may not reveal, a token, and another team's rep (the lead looks missing).
    marketer = signed_in(personas.marketer)
    step_up(marketer, personas.marketer)
    denied = marketer.post(reverse("sales:lead-reveal", args=[lead.pk, "email"]), {"reason": "Campaign follow-up"})
    assert denied.status_code == 403 and RAW[0] not in denied.content.decode()
    token = api_as(personas.rep_east, ["lead:read"]).post(
        f"/api/v1/leads/{rep_lead.pk}/reveal/", {"field": "email", "reason": "Calling back today"}, format="json"
    )
    assert token.status_code == 403 and token.json()["error"] == "step_up_unavailable"
    west = signed_in(personas.rep_west)
    step_up(west, personas.rep_west)
    hidden = west.post(reverse("sales:lead-reveal", args=[rep_lead.pk, "email"]), {"reason": "Just curious about it"})
    assert hidden.status_code == 404 and RAW[0] not in hidden.content.decode()
    assert AuditEvent.objects.filter(kind=EventKind.FIELD_REVEALED).count() == 2
