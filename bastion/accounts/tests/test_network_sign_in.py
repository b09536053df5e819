"""Organisation-wide and per-role network allow-lists at sign-in and on the API, each refusal audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings

from bastion.accounts.testing import enrol_totp
from bastion.accounts.tests.helpers import full_sign_in, password_sign_in
from bastion.accounts.tokens import issue_token
from bastion.directory.actions import create_company
from bastion.kernel.audit.kinds import EventKind, Outcome
from bastion.kernel.audit.models import AuditEvent
from conftest import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db
ORG_ONLY_10 = override_settings(ACCESS_ALLOWED_NETWORKS=("10.0.0.0/8",))
ADMINS_FROM_10_1 = override_settings(ACCESS_ROLE_NETWORKS={"administrator": ("10.1.0.0/16",)})


def _denials() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED, outcome=Outcome.DENIED).order_by("sequence"))


@ORG_ONLY_10
def test_sign_in_from_outside_the_organisations_networks_is_refused_before_the_password(personas: Any) -> None:
    client = Client()
    response = password_sign_in(client, "rep_east", PERSONA_PASSWORD)  # REMOTE_ADDR 127.0.0.1
    assert response.status_code == 200
    assert "Signing in from 127.0.0.1 is not allowed" in response.content.decode()
    assert SESSION_KEY not in client.session
    [event] = _denials()
    assert event.client_ip == "127.0.0.1"
    assert event.actor_id is None
    assert event.extra["reason"] == "network_not_allowed:organisation"


@ORG_ONLY_10
def test_sign_in_from_inside_the_organisations_networks_works(personas: Any) -> None:
    secret = enrol_totp(personas.rep_east)
    client = Client(REMOTE_ADDR="10.9.8.7")
    full_sign_in(client, "rep_east", PERSONA_PASSWORD, secret)
    assert client.session[SESSION_KEY] == str(personas.rep_east.pk)
    assert _denials() == []


@ADMINS_FROM_10_1
def test_a_role_outside_its_networks_is_refused_after_the_password(personas: Any) -> None:
    client = Client(REMOTE_ADDR="10.2.0.1")
    response = password_sign_in(client, "admin", PERSONA_PASSWORD)
    assert response.status_code == 200
    assert "Signing in from 10.2.0.1 is not allowed" in response.content.decode()
    assert SESSION_KEY not in client.session
    [event] = _denials()
    assert event.actor_id == personas.admin.pk
    assert event.client_ip == "10.2.0.1"
    assert event.extra["reason"] == "network_not_allowed:role"
    # Other roles are not limited by the administrators' list.
    secret = enrol_totp(personas.rep_east)
    full_sign_in(client, "rep_east", PERSONA_PASSWORD, secret)


@ADMINS_FROM_10_1
def test_a_role_inside_its_networks_signs_in(personas: Any) -> None:
    secret = enrol_totp(personas.admin)
    client = Client(REMOTE_ADDR="10.1.2.3")
    full_sign_in(client, "admin", PERSONA_PASSWORD, secret)
    assert client.session[SESSION_KEY] == str(personas.admin.pk)


def test_pre_login_refuses_every_sign_in_flow(personas: Any, rf: Any) -> None:
    """Passkey and other flows skip the password form; pre_login is where they all meet."""
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    from bastion.accounts.adapter import BastionAccountAdapter

    request = rf.post("/accounts/login/", REMOTE_ADDR="10.2.0.1")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    adapter = BastionAccountAdapter(request)
    kwargs: dict[str, Any] = {"email_verification": "none", "signal_kwargs": None, "email": None, "signup": False}
    with ADMINS_FROM_10_1:
        response = adapter.pre_login(request, personas.admin, redirect_url=None, **kwargs)
        assert response is not None and response.status_code == 302
        assert adapter.pre_login(request, personas.rep_east, redirect_url=None, **kwargs) is None
    assert [event.extra["reason"] for event in _denials()] == ["network_not_allowed:role"]


# --- the API ------------------------------------------------------------------------------------
@ORG_ONLY_10
def test_api_token_from_outside_the_organisations_networks_is_refused(personas: Any) -> None:
    create_company(personas.rep_east, {"name": "Acme"})
    token = issue_token(personas.rep_east, name="script", days=5).plaintext
    response = Client().get("/api/v1/companies/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    assert response.json()["error"] == "network_not_allowed"
    assert "127.0.0.1" in response.json()["detail"]
    assert "Acme" not in response.content.decode()
    [event] = _denials()
    assert event.extra["reason"] == "NetworkNotAllowed"
    assert event.client_ip == "127.0.0.1"
    ok = Client(REMOTE_ADDR="10.0.0.5").get("/api/v1/companies/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert ok.status_code == 200


@ADMINS_FROM_10_1
def test_api_session_from_outside_the_roles_networks_is_refused(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.admin)
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["error"] == "network_not_allowed"
    assert client.get("/api/v1/me/", REMOTE_ADDR="10.1.0.9").status_code == 200
    assert signed_in(personas.rep_east).get("/api/v1/me/").status_code == 200
