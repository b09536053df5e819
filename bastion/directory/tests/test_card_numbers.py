"""Card numbers are refused wherever a person's words enter the directory (L3, ADR 0071): the actions,
the API and the pages name the field and show no more than the last four digits; nothing is stored and
nothing is audited; and the audit trail masks a card number that was stored before the check."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from bastion.directory import actions
from bastion.directory.models import Company, Contact
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.audit.writer import Target, record_event

pytestmark = pytest.mark.django_db
CARD = "4111 1111 1111 1111"
HIDDEN = ("4111 1111", "41111111", "1111 1111 1111 1111")  # any run longer than the last four digits


def stored() -> list[Any]:
    return [
        list(Company.objects.order_by("pk").values()),
        list(Contact.objects.order_by("pk").values()),
        AuditEvent.objects.filter(kind__in=[EventKind.RECORD_CREATED, EventKind.RECORD_UPDATED]).count(),
    ]


def shows_no_card(text: str) -> bool:
    return not any(piece in text for piece in HIDDEN)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("notes", f"Paid with {CARD}, exp 12/27"),
        ("private_notes", f"card {CARD}"),
        ("job_title", f"Buyer {CARD}"),
        ("city", CARD),
        ("national_id", "5555-5555-5555-4444"),
        ("tags", f"VIP, {CARD}"),
        ("phones", [{"number": "4111 1111 1111 1111"}]),
    ],
)
def test_a_contact_with_a_card_number_in_any_field_is_refused_and_nothing_is_stored(
    personas: Any, company: Any, field: str, value: Any
) -> None:
    before = stored()
    with pytest.raises(ValidationError) as caught:
        actions.create_contact(personas.rep_east, {"given_name": "Ana", "company": company.pk, field: value})
    messages = caught.value.message_dict
    assert list(messages) == [field]
    assert "looks like a payment card number (ending" in messages[field][0]
    assert all(shows_no_card(message) for message in messages[field])
    assert stored() == before


def test_an_edit_that_adds_a_card_number_is_refused_and_the_stored_value_kept(personas: Any, contact: Any) -> None:
    before = stored()
    with pytest.raises(ValidationError) as caught:
        actions.update_contact(personas.rep_east, contact.pk, {"notes": f"new card {CARD}"})
    assert "ending 1111" in caught.value.message_dict["notes"][0]
    assert stored() == before
    assert Contact.objects.get(pk=contact.pk).notes == "Secret project Falcon"


def test_a_chinese_resident_identity_number_is_accepted_as_one(personas: Any, company: Any) -> None:
    contact = actions.create_contact(
        personas.rep_east, {"given_name": "Wei", "company": company.pk, "national_id": "11010519491231002X"}
    )
    assert Contact.objects.get(pk=contact.pk).national_id == "11010519491231002X"


def test_the_api_refuses_a_card_number_naming_the_field_and_stores_nothing(personas: Any, api_as: Any, company: Any) -> None:
    api = api_as(personas.rep_east)
    before = stored()
    response = api.post("/api/v1/companies/", {"name": "Card Co", "notes": f"Visa {CARD}"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert list(body["fields"]) == ["notes"] and "ending 1111" in body["fields"]["notes"][0]
    assert shows_no_card(response.content.decode())
    assert stored() == before


def test_the_company_form_shows_the_refusal_next_to_the_field(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    before = stored()
    response = client.post(reverse("directory:company-create"), {"name": "Card Co", "notes": "Amex 3782 822463 10005"})
    assert response.status_code == 400
    assert "id_notes_error" in response.content.decode() and "ending 0005" in response.content.decode()
    assert stored() == before


def test_the_refusal_is_told_in_chinese(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    response = client.post(
        reverse("directory:company-create"), {"name": "卡公司", "notes": f"卡号 {CARD}"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400 and "尾号 1111" in response.content.decode()


def test_the_audit_trail_masks_a_card_number_that_was_stored_before_the_check(personas: Any, company: Any) -> None:
    Company.objects.filter(pk=company.pk).update(name=f"Acme {CARD}")  # as a restored backup might hold it
    actions.update_company(personas.rep_east, company.pk, {"name": "Acme Ltd"})
    event = AuditEvent.objects.filter(kind=EventKind.RECORD_UPDATED, target_id=str(company.pk)).latest("sequence")
    assert event.changes["name"] == {"old": "Acme •••• •••• •••• 1111", "new": "Acme Ltd"}
    with transaction.atomic():
        record_event(
            EventKind.SETTING_CHANGED, actor=personas.admin, target=Target("x.y", "1", {"n": CARD}), extra={"why": [CARD]}
        )
    event = AuditEvent.objects.get(kind=EventKind.SETTING_CHANGED)
    assert event.extra == {"why": ["•••• •••• •••• 1111"]} and event.target_snapshot == {"n": "•••• •••• •••• 1111"}
    assert shows_no_card(str(list(AuditEvent.objects.values_list("changes", "extra", "target_snapshot"))))


def test_a_reveal_reason_with_a_card_number_is_refused() -> None:
    from bastion.directory.reveal import clean_reason

    with pytest.raises(ValidationError) as caught:
        clean_reason(f"Customer read out card {CARD} on the phone")
    assert "ending 1111" in caught.value.message_dict["reason"][0]
