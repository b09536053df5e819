"""Security keys and passkeys, through the real WebAuthn ceremonies (a software key plays the browser)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from bastion.accounts.testing import SoftwareSecurityKey
from bastion.accounts.tests.helpers import assert_clean_page, password_sign_in
from conftest import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db


def page_options(response: Any) -> dict[str, Any]:
    return dict(response.context["js_data"])


def add_key_after_password_sign_in(client: Client, username: str, key: SoftwareSecurityKey) -> None:
    """First sign-in: enrol a passkey instead of an authenticator app."""
    password_sign_in(client, username, PERSONA_PASSWORD)
    response = client.get("/accounts/2fa/webauthn/add/")
    assert response.status_code == 200
    credential = key.register(page_options(response)["creation_options"])
    response = client.post(
        "/accounts/2fa/webauthn/add/", {"name": "Laptop key", "passwordless": "on", "credential": json.dumps(credential)}
    )
    assert response.status_code == 302, response.content.decode()[:3000]


def test_a_passkey_satisfies_the_mfa_requirement_and_signs_in_at_the_mfa_stage(personas: Any) -> None:
    key = SoftwareSecurityKey()
    client = Client()
    add_key_after_password_sign_in(client, "rep_east", key)
    assert Authenticator.objects.filter(user=personas.rep_east, type=Authenticator.Type.WEBAUTHN).exists()
    assert client.get("/accounts/profile/").status_code == 200

    later = Client()
    assert password_sign_in(later, "rep_east", PERSONA_PASSWORD)["Location"] == "/accounts/2fa/authenticate/"
    stage = later.get("/accounts/2fa/authenticate/")
    assert_clean_page(stage.content.decode())
    assertion = key.sign(page_options(stage)["request_options"])
    response = later.post("/accounts/2fa/authenticate/", {"credential": json.dumps(assertion)})
    assert response.status_code == 302
    assert later.get("/accounts/profile/").status_code == 200


def test_passkey_login_without_a_password(personas: Any) -> None:
    key = SoftwareSecurityKey()
    add_key_after_password_sign_in(Client(), "rep_east", key)
    client = Client()
    options = client.get("/accounts/2fa/webauthn/login/", HTTP_ACCEPT="application/json").json()
    response = client.post("/accounts/2fa/webauthn/login/", {"credential": json.dumps(key.sign(options["request_options"]))})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(personas.rep_east.pk)
    assert client.get("/accounts/profile/").status_code == 200


def test_a_forged_assertion_is_refused(personas: Any) -> None:
    key = SoftwareSecurityKey()
    add_key_after_password_sign_in(Client(), "rep_east", key)
    impostor = SoftwareSecurityKey()
    impostor.credential_id, impostor.user_handle = key.credential_id, key.user_handle  # same id, wrong private key
    client = Client()
    options = client.get("/accounts/2fa/webauthn/login/", HTTP_ACCEPT="application/json").json()
    response = client.post("/accounts/2fa/webauthn/login/", {"credential": json.dumps(impostor.sign(options["request_options"]))})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_security_key_reauthentication_page(personas: Any) -> None:
    key = SoftwareSecurityKey()
    client = Client()
    add_key_after_password_sign_in(client, "rep_east", key)
    response = client.get("/accounts/2fa/webauthn/reauthenticate/")
    assert response.status_code == 200
    body = response.content.decode()
    assert_clean_page(body)
    assert 'data-webauthn="authenticate"' in body
    assertion = key.sign(page_options(response)["request_options"])
    response = client.post("/accounts/2fa/webauthn/reauthenticate/", {"credential": json.dumps(assertion)})
    assert response.status_code == 302
