"""CSV exports: what the user can see with the list's filters applied, masked, streamed, audited, behind
a fresh second factor and the export rate limits."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.test import override_settings
from django.urls import reverse

from bastion.accounts.testing import step_up
from bastion.directory import actions
from bastion.directory.models import Contact
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent

LIMITS = {
    "search": {"user": "100/min", "ip": "100/min"},
    "reveal": {"user": "10/hour", "ip": "10/hour"},
    "export": {"user": "2/day", "ip": "100/hour"},
}


def rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    assert response.streaming and 'attachment; filename="' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def exports() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=EventKind.EXPORTED).order_by("sequence"))


def test_export_needs_a_fresh_second_factor(personas: Any, signed_in: Any, contact: Any) -> None:
    client = signed_in(personas.rep_east)
    response = client.get(reverse("directory:contact-export"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/reauthenticate/")
    api = client.get("/api/v1/contacts/export/")
    assert api.status_code == 403 and api.json()["error"] == "step_up_required"
    assert exports() == []
    assert "Alice" not in response.content.decode() + api.content.decode()


def test_export_applies_the_lists_filters_and_records_count_and_filters(
    personas: Any, signed_in: Any, company: Any, contact: Any
) -> None:
    for name in ("Bob", "Carol"):
        actions.create_contact(personas.rep_east, {"given_name": name, "family_name": "Jones", "tags": ["VIP"]})
    client = signed_in(personas.rep_east)
    step_up(client, personas.rep_east)
    everyone = rows(client.get(reverse("directory:contact-export")))
    assert [row[1] for row in everyone[1:]] == ["Bob", "Carol", "Alice"]  # family name order, as the list
    vip = rows(client.get(reverse("directory:contact-export"), {"tag": "vip", "ordering": "-name"}))
    assert [row[1] for row in vip[1:]] == ["Carol", "Bob"]
    at_acme = rows(client.get("/api/v1/contacts/export/", {"company": str(company.pk)}))
    assert [row[1] for row in at_acme[1:]] == ["Alice"] and "a***@a***.example" in at_acme[1]
    first, second, third = exports()
    assert first.extra == {"format": "csv", "count": 3, "filters": {}, "ordering": "name"}
    assert second.extra["count"] == 2 and second.extra["filters"] == {"tag": "vip"} and second.extra["ordering"] == "-name"
    assert third.extra["filters"] == {"company_id": str(company.pk)} and third.target_type == "directory.contact"
    companies = rows(client.get(reverse("directory:company-export"), {"q": "acme"}))
    assert companies[0][:3] == ["Id", "Name", "Web domain"] and companies[1][1:3] == ["Acme Ltd", "acme.example"]


def test_export_shows_only_what_the_role_may_read(personas: Any, signed_in: Any, api_as: Any, contact: Any) -> None:
    auditor = signed_in(personas.auditor)
    step_up(auditor, personas.auditor)
    assert auditor.get(reverse("directory:contact-export")).status_code == 403
    assert auditor.get("/api/v1/contacts/export/").status_code == 403
    token = api_as(personas.admin).get("/api/v1/contacts/export/")
    assert token.status_code == 403 and token.json()["error"] == "step_up_unavailable"
    assert "Alice" not in token.content.decode()
    assert exports() == []


def test_cells_a_spreadsheet_would_run_are_defused(personas: Any, signed_in: Any) -> None:
    actions.create_company(personas.rep_east, {"name": '=HYPERLINK("http://evil.example")', "notes": "x"})
    client = signed_in(personas.rep_east)
    step_up(client, personas.rep_east)
    [_header, row] = rows(client.get(reverse("directory:company-export")))
    assert row[1] == '\'=HYPERLINK("http://evil.example")'


@override_settings(ACCESS_RATE_LIMITS=LIMITS)
def test_exports_are_rate_limited_and_the_refusal_audited(personas: Any, signed_in: Any, contact: Any) -> None:
    client = signed_in(personas.rep_east)
    step_up(client, personas.rep_east)
    assert rows(client.get(reverse("directory:contact-export")))
    assert rows(client.get("/api/v1/contacts/export/"))
    page = client.get(reverse("directory:contact-export"))
    api = client.get("/api/v1/contacts/export/")
    assert page.status_code == 429 and "limit of 2 exports per day" in page.content.decode()
    assert api.status_code == 429 and api.json()["error"] == "rate_limited" and "Alice" not in api.content.decode()
    assert len(exports()) == 2
    reasons = list(AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED).values_list("extra__reason", flat=True))
    assert reasons.count("rate_limited:export:user") == 2


@override_settings(ACCESS_RATE_LIMITS={**LIMITS, "search": {"user": "100/min", "ip": "3/day"}})
def test_searches_are_limited_per_ip_too(personas: Any, signed_in: Any, api_as: Any, contact: Any) -> None:
    assert signed_in(personas.rep_east).get(reverse("directory:search"), {"q": "ali"}).status_code == 200
    assert signed_in(personas.rep_west).get(reverse("directory:contact-list"), {"q": "ali"}).status_code == 200
    assert api_as(personas.marketer).get("/api/v1/contacts/", {"q": "ali"}).status_code == 200
    refused = api_as(personas.admin).get("/api/v1/contacts/", {"q": "ali"})
    assert refused.status_code == 429 and "network address" in refused.json()["detail"]
    page = signed_in(personas.admin).get(reverse("directory:search"), {"q": "ali"})
    assert page.status_code == 429 and "Alice" not in page.content.decode()
    assert signed_in(personas.admin).get(reverse("directory:contact-list")).status_code == 200  # no search, no charge
    denials = AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED, extra__reason="rate_limited:search:ip")
    assert denials.count() == 2
    assert Contact.objects.count() == 1
