"""Step-up authentication (a second factor within 5 minutes) and the per-request network re-check of sessions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse

from bastion.accounts.stepup import has_fresh_second_factor, last_second_factor_at, stepup_required
from bastion.accounts.testing import step_up
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from conftest import PERSONA_PASSWORD


def _request_of(client: Any, user: Any) -> HttpRequest:
    """A request carrying ``client``'s session, to ask the step-up questions directly."""
    from importlib import import_module

    from django.conf import settings

    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(client.session.session_key)
    request.user = user
    return request


def test_only_a_second_factor_counts_and_only_for_five_minutes(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    assert not has_fresh_second_factor(_request_of(client, personas.rep_east))
    assert client.post("/accounts/reauthenticate/", {"password": PERSONA_PASSWORD}).status_code == 302
    assert not has_fresh_second_factor(_request_of(client, personas.rep_east))  # a password is not a second factor
    step_up(client, personas.rep_east)
    request = _request_of(client, personas.rep_east)
    at = last_second_factor_at(request)
    assert at is not None and has_fresh_second_factor(request)
    assert has_fresh_second_factor(request, now=at + 299)
    assert not has_fresh_second_factor(request, now=at + 300)
    with override_settings(STEP_UP_SECONDS=600):
        assert has_fresh_second_factor(request, now=at + 599)


def test_decorator_sends_the_user_to_confirm_and_back(personas: Any, signed_in: Any) -> None:
    calls: list[str] = []

    @stepup_required
    def sensitive(request: HttpRequest) -> HttpResponse:
        calls.append(request.user.username)
        return HttpResponse("done")

    client = signed_in(personas.admin)
    request = _request_of(client, personas.admin)
    response = sensitive(request)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/reauthenticate/?next=%2F"
    assert calls == []
    # Through the real confirmation page: it returns to where the user was going.
    export = reverse("directory:company-export")
    first = client.get(export)
    assert first["Location"].endswith("?next=" + export.replace("/", "%2F"))
    from bastion.accounts.testing import current_totp_code, enrol_totp

    back = client.post(first["Location"], {"code": current_totp_code(enrol_totp(personas.admin))})
    assert back.status_code == 302 and back["Location"] == export
    assert client.get(export).status_code == 200
    step_up_events = AuditEvent.objects.filter(kind=EventKind.MFA_USED)
    assert step_up_events.exists()  # the confirmation itself is in the audit trail
    assert sensitive(_request_of(client, personas.admin)).status_code == 200 and calls == ["admin"]


@override_settings(ACCESS_ROLE_NETWORKS={"sales_rep": ("10.2.0.0/16",)})
def test_a_signed_in_session_is_rechecked_against_the_networks_on_every_request(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    inside = client.get(reverse("directory:company-list"), REMOTE_ADDR="10.2.3.4")
    assert inside.status_code == 200
    outside = client.get(reverse("directory:company-list"), REMOTE_ADDR="192.0.2.7")
    assert outside.status_code == 403 and "192.0.2.7" in outside.content.decode()
    assert "company-table" not in outside.content.decode()
    api = client.get("/api/v1/companies/", REMOTE_ADDR="192.0.2.7")
    assert api.status_code == 403 and api.json()["error"] == "network_not_allowed"
    denials = AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED, extra__reason="network_not_allowed:session")
    assert denials.count() == 2 and {event.client_ip for event in denials} == {"192.0.2.7"}
    assert client.get(reverse("directory:company-list"), REMOTE_ADDR="10.2.3.4").status_code == 200
    # Other roles have no list of their own: the organisation's (empty: anywhere) applies.
    assert signed_in(personas.marketer).get(reverse("directory:company-list"), REMOTE_ADDR="192.0.2.7").status_code == 200
