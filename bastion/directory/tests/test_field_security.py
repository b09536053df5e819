"""Field-level security: restricted values masked per role in the API, pages, exports, errors and the
audit trail; writes, searches and sorts on fields the role may not use are refused (docs/adr/0030)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from bastion.accounts.testing import step_up
from bastion.directory import actions_erase
from bastion.directory.models import Contact
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent

# Every restricted value of the person, and telling pieces of them (a mask keeps none of these).
RAW = [
    "wang.fang@privatemail.example", "fang.wang@home.example", "+86 138 0013 8000", "13800138000",
    "Room 1204, 88 Huaihai Road", "Xuhui", "200031", "110101199003078888", "1990-03-07",
    "Prefers not to be called on Fridays (medical)", "Huaihai", "privatemail", "00138",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _shared(person_shared: Any) -> None:
    """Every test here works on ``person`` shared with the marketer and rep_west (see ``person_shared``)."""


def assert_no_raw_value(text: str) -> None:
    for value in RAW:
        assert value not in text, f"{value!r} leaked"


def test_marketers_api_responses_hold_no_restricted_value(personas: Any, api_as: Any, person: Contact) -> None:
    """Must-show: list and retrieve, as a marketer with an API token; the raw values appear nowhere."""
    client = api_as(personas.marketer)
    listed = client.get("/api/v1/contacts/")
    detail = client.get(f"/api/v1/contacts/{person.pk}/")
    assert listed.status_code == 200 and detail.status_code == 200
    for response in (listed, detail):
        assert_no_raw_value(response.content.decode())
    [row] = listed.json()["results"]
    assert row["display_name"] == "王芳" and row["primary_email"] == "w***@p***.example"
    body = detail.json()
    assert body["phones"] == [{"number": "861****8000", "label": "mobile", "is_primary": True}]
    assert (body["national_id"], body["date_of_birth"], body["street"]) == ("****8888", "****-**-**", "R***")
    assert person.national_id == "110101199003078888"  # stored as given, shown masked


def _csv(response: Any) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv") and response["Cache-Control"] == "no-store"
    return b"".join(response.streaming_content).decode("utf-8")


def test_marketers_csv_exports_hold_no_restricted_value(personas: Any, signed_in: Any, person: Contact) -> None:
    """Must-show: the contacts CSV, from the list page and from the API (a session with a fresh second factor)."""
    client = signed_in(personas.marketer)
    step_up(client, personas.marketer)
    for url in (reverse("directory:contact-export"), "/api/v1/contacts/export/"):
        text = _csv(client.get(url))
        assert_no_raw_value(text)
        header, row = text.lstrip("\ufeff").splitlines()
        assert header.startswith("Id,Given name,Family name") and "w***@p***.example" in row and "****8888" in row
    assert AuditEvent.objects.filter(kind=EventKind.EXPORTED).count() == 2


def test_pages_show_restricted_values_masked(personas: Any, signed_in: Any, person: Contact) -> None:
    client = signed_in(personas.marketer)
    pages = [
        reverse("directory:contact-list"),
        reverse("directory:contact-detail", args=[person.pk]),
        reverse("directory:contact-edit", args=[person.pk]),
        reverse("directory:company-detail", args=[person.company_id]),
        reverse("directory:search") + "?q=%E7%8E%8B",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_raw_value(response.content.decode())
    detail = client.get(reverse("directory:contact-detail", args=[person.pk])).content.decode()
    assert "w***@p***.example" in detail and "mailto:" not in detail and 'href="tel:' not in detail
    assert 'data-testid="reveal-' not in detail  # a marketer may not reveal
    assert (
        'data-testid="reveal-emails"'
        in signed_in(personas.rep_east).get(reverse("directory:contact-detail", args=[person.pk])).content.decode()
    )


def test_search_by_email_or_phone_is_refused_to_a_role_that_may_not_see_them(
    personas: Any, signed_in: Any, api_as: Any, person: Contact
) -> None:
    api = api_as(personas.marketer)
    for value in ("wang.fang@privatemail.example", "+86 138 0013 8000", "nobody@nowhere.example"):
        response = api.get("/api/v1/contacts/", {"q": value})
        assert response.status_code == 400 and set(response.json()["fields"]) == {"q"}
        assert "王" not in response.content.decode() and str(person.pk) not in response.content.decode()
        for url in (reverse("directory:contact-list"), reverse("directory:search"), reverse("directory:contact-export")):
            page = signed_in(personas.marketer).get(url, {"q": value})
            assert page.status_code in (302, 400) and "王芳" not in page.content.decode()
    denials = AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED, extra__reason__startswith="field_not_visible")
    assert denials.count() >= 6
    # A role that may reveal emails may look one up (an exact value it already holds).
    found = api_as(personas.rep_west).get("/api/v1/contacts/", {"q": "WANG.FANG@privatemail.example"}).json()
    assert [row["id"] for row in found["results"]] == [str(person.pk)]
    # Names stay searchable for everyone with customer-data access.
    assert api.get("/api/v1/contacts/", {"q": "王"}).json()["results"][0]["id"] == str(person.pk)


def test_sorting_by_a_restricted_field_is_refused(personas: Any, api_as: Any, signed_in: Any, person: Contact) -> None:
    for ordering in ("primary_email", "-national_id", "date_of_birth"):
        response = api_as(personas.rep_east).get("/api/v1/contacts/", {"ordering": ordering})
        assert response.status_code == 400 and set(response.json()["fields"]) == {"ordering"}
        page = signed_in(personas.rep_east).get(reverse("directory:contact-list"), {"ordering": ordering})
        assert page.status_code == 400 and "王芳" not in page.content.decode()


def test_api_refuses_writes_to_fields_the_role_may_not_change(personas: Any, api_as: Any, person: Contact) -> None:
    client = api_as(personas.marketer)
    before = Contact.objects.get(pk=person.pk)
    response = client.patch(
        f"/api/v1/contacts/{person.pk}/", {"national_id": "ZZ9999999", "notes": "x", "emails": []}, format="json"
    )
    assert response.status_code == 403 and response.json()["error"] == "field_not_editable"
    assert "emails, national_id" in response.json()["detail"] and "ZZ9999999" not in response.content.decode()
    after = Contact.objects.get(pk=person.pk)
    assert (after.national_id, after.notes, after.emails.count()) == (before.national_id, before.notes, 2)
    created = client.post("/api/v1/contacts/", {"given_name": "New", "phones": [{"number": "+1 555 0100"}]}, format="json")
    assert created.status_code == 403 and "phones" in created.json()["detail"]
    assert Contact.objects.count() == 1
    assert client.patch(f"/api/v1/contacts/{person.pk}/", {"notes": "Met at the fair"}, format="json").status_code == 200


def test_forms_lock_fields_the_role_may_not_change(personas: Any, signed_in: Any, person: Contact) -> None:
    from bastion.directory.tests.test_views import contact_form

    client = signed_in(personas.marketer)
    url = reverse("directory:contact-edit", args=[person.pk])
    form = client.get(url).content.decode()
    assert 'name="national_id" value="****8888"' in form and "disabled" in form
    assert 'data-testid="listed-emails"' in form and 'name="emails-0-address"' not in form
    forged = contact_form(
        given_name="芳", family_name="王", preferred_language="zh-hans", job_title="CFO", national_id="FORGED1",
        **{"emails-0-address": "forged@example.com"},
    )  # fmt: skip
    assert client.post(url, forged).status_code == 302
    person.refresh_from_db()
    assert person.job_title == "CFO" and person.national_id == "110101199003078888"
    assert [e.address for e in person.emails.all()] == ["wang.fang@privatemail.example", "fang.wang@home.example"]


def test_a_role_that_may_change_but_not_see_writes_blind(personas: Any, signed_in: Any, person: Contact) -> None:
    from bastion.directory.tests.test_views import contact_form

    client = signed_in(personas.rep_east)
    url = reverse("directory:contact-edit", args=[person.pk])
    form = client.get(url).content.decode()
    assert_no_raw_value(form)
    assert 'placeholder="****8888"' in form
    data = contact_form(given_name="芳", family_name="王", preferred_language="zh-hans", national_id="E12345678")
    assert client.post(url, data).status_code == 302
    person.refresh_from_db()
    assert person.national_id == "E12345678" and person.street == "Room 1204, 88 Huaihai Road"  # empty keeps


def test_errors_and_audit_trail_hold_no_restricted_value(personas: Any, api_as: Any, signed_in: Any, person: Contact) -> None:
    rep = api_as(personas.rep_east)
    bad = rep.patch(f"/api/v1/contacts/{person.pk}/", {"emails": [{"address": "not-an-email"}]}, format="json")
    assert bad.status_code == 400
    assert_no_raw_value(bad.content.decode())
    rep.patch(f"/api/v1/contacts/{person.pk}/", {"street": "1 Other Street", "national_id": "E7654321"}, format="json")
    client = signed_in(personas.rep_west)
    step_up(client, personas.rep_west)
    reveal_url = reverse("directory:contact-reveal", args=[person.pk, "national_id"])
    client.post(reveal_url, {"reason": "Verifying identity for ticket 42"})
    _csv(client.get(reverse("directory:contact-export"), {"q": "wang.fang@privatemail.example"}))
    actions_erase.shred_contact(personas.admin, person.pk)
    events = list(AuditEvent.objects.values("actor_snapshot", "target_snapshot", "changes", "extra"))
    kinds = set(AuditEvent.objects.values_list("kind", flat=True))
    assert {EventKind.RECORD_CREATED, EventKind.RECORD_UPDATED, EventKind.FIELD_REVEALED, EventKind.EXPORTED} <= kinds
    text = json.dumps(events, ensure_ascii=False)
    assert_no_raw_value(text)
    for value in ("1 Other Street", "E7654321"):
        assert value not in text
    assert "w***@p***.example" in text  # the export's search is recorded, masked
