"""Revealing a masked field: a role that may, a fresh second factor, a stated reason, an audit event
holding the field and the reason (never the value), and a per-user hourly limit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from bastion.accounts.testing import step_up
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent

REASON = "Customer asked us to confirm the ID on ticket 4711"


@pytest.fixture(autouse=True)
def _shared(person_shared: Any) -> None:
    """Every test here works on ``person`` shared with the marketer and rep_west (see ``person_shared``)."""


def reveal_url(contact: Any, field: str = "national_id") -> str:
    return reverse("directory:contact-reveal", args=[contact.pk, field])


def reveals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=EventKind.FIELD_REVEALED).order_by("sequence"))


def test_reveal_needs_a_fresh_second_factor(personas: Any, signed_in: Any, person: Any) -> None:
    client = signed_in(personas.rep_west)
    response = client.get(reveal_url(person))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/?next=")
    asked = client.get(response["Location"]).content.decode()  # says why, in words that fit a reveal
    assert "it shows or exports protected data" in asked and "This action changes how your account" not in asked
    response = client.post(reveal_url(person), {"reason": REASON})
    assert response.status_code == 302 and "110101199003078888" not in response.content.decode()
    assert reveals() == []
    # A password alone is not a second factor.
    from conftest import PERSONA_PASSWORD

    assert client.post("/accounts/reauthenticate/", {"password": PERSONA_PASSWORD}).status_code == 302
    assert client.get(reveal_url(person)).status_code == 302


def test_reveal_with_a_reason_shows_the_value_once_and_audits_it(personas: Any, signed_in: Any, person: Any) -> None:
    client = signed_in(personas.rep_west)
    step_up(client, personas.rep_west)
    form = client.get(reveal_url(person))
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    assert "110101199003078888" not in form.content.decode()
    missing = client.post(reveal_url(person), {"reason": "  "})
    assert missing.status_code == 400 and "110101199003078888" not in missing.content.decode()
    assert reveals() == []
    shown = client.post(reveal_url(person), {"reason": REASON})
    assert shown.status_code == 200 and shown["Cache-Control"] == "no-store"
    assert "110101199003078888" in shown.content.decode()
    [event] = reveals()
    assert event.extra == {"field": "national_id", "reason": REASON}
    assert event.actor_id == personas.rep_west.pk and event.target_id == str(person.pk)
    assert "110101199003078888" not in str(event.extra) + str(event.target_snapshot) + str(event.changes)
    emails = client.post(reveal_url(person, "emails"), {"reason": REASON}).content.decode()
    assert "wang.fang@privatemail.example" in emails and "fang.wang@home.example" in emails
    assert client.get(reveal_url(person, "given_name")).status_code == 404  # not a restricted field


def test_a_role_that_may_not_reveal_is_refused(personas: Any, signed_in: Any, person: Any) -> None:
    client = signed_in(personas.marketer)
    step_up(client, personas.marketer)
    response = client.post(reveal_url(person), {"reason": REASON})
    assert response.status_code == 403 and "110101199003078888" not in response.content.decode()
    assert reveals() == []
    assert AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED).exists()
    assert signed_in(personas.auditor).get(reveal_url(person)).status_code == 403


@override_settings(ACCESS_RATE_LIMITS={
    "search": {"user": "100/min", "ip": "100/min"},
    "reveal": {"user": "2/day", "ip": "100/hour"},
    "export": {"user": "10/hour", "ip": "10/hour"},
})  # fmt: skip
def test_reveals_are_limited_per_user_per_hour(personas: Any, signed_in: Any, person: Any) -> None:
    client = signed_in(personas.rep_west)
    step_up(client, personas.rep_west)
    for _ in range(2):
        assert client.post(reveal_url(person), {"reason": REASON}).status_code == 200
    refused = client.post(reveal_url(person), {"reason": REASON})
    body = refused.content.decode()
    assert refused.status_code == 429 and "limit of 2 reveals per day" in body and "110101199003078888" not in body
    assert len(reveals()) == 2
    denial = AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED).latest("sequence")
    assert denial.extra["reason"] == "rate_limited:reveal:user" and denial.extra["status"] == 429
    other = signed_in(personas.service_agent)  # another user's budget is their own
    step_up(other, personas.service_agent)
    assert other.post(reveal_url(person), {"reason": REASON}).status_code == 200


def test_api_reveal_for_a_stepped_up_session_and_refusal_for_tokens(
    personas: Any, signed_in: Any, api_as: Any, person: Any
) -> None:
    url = f"/api/v1/contacts/{person.pk}/reveal/"
    token = api_as(personas.rep_west).post(url, {"field": "national_id", "reason": REASON}, format="json")
    assert token.status_code == 403 and token.json()["error"] == "step_up_unavailable"
    assert "web interface" in token.json()["detail"] and "110101199003078888" not in token.content.decode()
    session = signed_in(personas.rep_west)
    stale = session.post(url, {"field": "national_id", "reason": REASON}, content_type="application/json")
    assert stale.status_code == 403 and stale.json()["error"] == "step_up_required"
    step_up(session, personas.rep_west)
    no_reason = session.post(url, {"field": "national_id"}, content_type="application/json")
    assert no_reason.status_code == 400 and set(no_reason.json()["fields"]) == {"reason"}
    ok = session.post(url, {"field": "phones", "reason": REASON}, content_type="application/json")
    assert ok.status_code == 200 and ok.json() == {"field": "phones", "values": ["+86 138 0013 8000"]}
    assert [event.extra["field"] for event in reveals()] == ["phones"]
    marketer = signed_in(personas.marketer)
    step_up(marketer, personas.marketer)
    refused = marketer.post(url, {"field": "phones", "reason": REASON}, content_type="application/json")
    assert refused.status_code == 403 and "+86" not in refused.content.decode()


@pytest.mark.parametrize("field", ["address", "date_of_birth", "private_notes", "primary_email"])
def test_every_revealable_field(personas: Any, signed_in: Any, person: Any, field: str) -> None:
    client = signed_in(personas.sales_manager)
    step_up(client, personas.sales_manager)
    body = client.post(reveal_url(person, field), {"reason": REASON}).content.decode()
    expected = {
        "address": "Room 1204, 88 Huaihai Road",
        "date_of_birth": "1990-03-07",
        "private_notes": "Prefers not to be called on Fridays (medical)",
        "primary_email": "wang.fang@privatemail.example",
    }[field]
    assert expected in body
