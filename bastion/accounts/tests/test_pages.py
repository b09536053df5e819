"""Every sign-in and security page extends base.html, labels its fields and has no inline script or style."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from bastion.accounts.testing import enrol_totp
from bastion.accounts.tests.helpers import assert_clean_page, password_sign_in
from conftest import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db


def fake_security_key(user: Any, name: str = "Blue key") -> Authenticator:
    """A stored WebAuthn authenticator (the list, rename and remove pages only read its name and flags)."""
    return Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": name, "credential": {"clientExtensionResults": {"credProps": {"rk": True}}}},
    )


def reauthenticated_client(user: Any) -> Client:
    enrol_totp(user)
    client = Client()
    client.force_login(user)
    response = client.post("/accounts/reauthenticate/", {"password": PERSONA_PASSWORD})
    assert response.status_code == 302
    return client


def check(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    body = response.content.decode()
    assert_clean_page(body)
    return body


def test_login_page(db: Any) -> None:
    body = check(Client().get("/accounts/login/"))
    assert '<label for="id_login">Username or email</label>' in body
    assert 'for="id_password"' in body
    assert 'class="button primary"' in body and 'form class="stacked"' in body
    # Passkey sign-in without inline script: a data block-free button and an external script.
    assert 'data-webauthn="login"' in body and "accounts/webauthn.js" in body
    assert "sign up" not in body.lower() or "no self sign-up" in body.lower()


def test_wrong_password_shows_a_clear_error(personas: Any) -> None:
    response = password_sign_in(Client(), "rep_east", "wrong password entirely")
    body = check(response)
    assert "The username or password is not correct." in body
    assert 'class="errorlist nonfield"' in body


def test_signup_is_closed(db: Any) -> None:
    body = check(Client().get("/accounts/signup/"))
    assert "Sign-up is closed" in body
    response = Client().post("/accounts/signup/", {"username": "mallory", "email": "m@example.test", "password1": "x" * 20})
    assert response.status_code == 200
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="mallory").exists()


def test_mfa_authenticate_stage(personas: Any) -> None:
    enrol_totp(personas.rep_east)
    client = Client()
    password_sign_in(client, "rep_east", PERSONA_PASSWORD)
    body = check(client.get("/accounts/2fa/authenticate/"))
    assert '<label for="id_code">Authenticator or recovery code</label>' in body
    assert 'id="webauthn-data" type="application/json"' in body
    assert 'data-webauthn="authenticate"' in body


def test_pages_of_a_signed_in_user(personas: Any, signed_in: Any) -> None:
    user = personas.rep_east
    client = signed_in(user)
    assert "Sign out" in check(client.get("/accounts/logout/"))
    check(client.get("/accounts/reauthenticate/"))
    check(client.get("/accounts/2fa/reauthenticate/"))
    body = check(client.get("/accounts/password/change/"))
    for field in ("id_oldpassword", "id_password1", "id_password2"):
        assert f'for="{field}"' in body
    body = check(client.get("/accounts/2fa/"))
    assert "Authenticator app" in body and "Recovery codes" in body and "Security keys" in body
    check(client.get("/accounts/sessions/"))
    check(client.get("/accounts/tokens/"))
    check(client.get("/accounts/profile/"))


def test_password_set_page(personas: Any) -> None:
    user = personas.rep_east
    user.set_unusable_password()
    user.save()
    enrol_totp(user)
    client = Client()
    client.force_login(user)
    body = check(client.get("/accounts/password/set/"))
    assert 'for="id_password1"' in body


def test_totp_activation_page(personas: Any) -> None:
    client = Client()
    password_sign_in(client, "rep_west", PERSONA_PASSWORD)
    body = check(client.get("/accounts/2fa/totp/activate/"))
    assert re.search(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', body)
    assert 'data-copy="#authenticator_secret"' in body
    assert '<label for="id_code">' in body


def test_pages_after_reauthentication(personas: Any) -> None:
    user = personas.rep_east
    client = reauthenticated_client(user)
    body = check(client.get("/accounts/2fa/webauthn/add/"))
    assert 'data-webauthn="add"' in body and 'id="webauthn-data" type="application/json"' in body
    assert "mfa/js/webauthn-json.js" in body and "accounts/webauthn.js" in body
    key = fake_security_key(user)  # a stand-in row: the pages below only read its name and flags

    body = check(client.get("/accounts/2fa/totp/deactivate/"))
    assert 'class="button danger"' in body
    body = check(client.get("/accounts/2fa/recovery-codes/generate/"))
    client.post("/accounts/2fa/recovery-codes/generate/")
    body = check(client.get("/accounts/2fa/recovery-codes/"))
    assert 'data-copy="#recovery-codes"' in body
    download = client.get("/accounts/2fa/recovery-codes/download/")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/plain")
    assert len(download.content.decode().split()) == 10

    body = check(client.get("/accounts/2fa/webauthn/"))
    assert "Blue key" in body and "Passkey" in body
    body = check(client.get(f"/accounts/2fa/webauthn/keys/{key.pk}/edit/"))
    assert 'for="id_name"' in body
    response = client.post(f"/accounts/2fa/webauthn/keys/{key.pk}/edit/", {"name": "Green key"})
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.data["name"] == "Green key"
    body = check(client.get(f"/accounts/2fa/webauthn/keys/{key.pk}/remove/"))
    assert "Green key" in body
    assert client.post(f"/accounts/2fa/webauthn/keys/{key.pk}/remove/").status_code == 302
    assert not Authenticator.objects.filter(pk=key.pk).exists()


def test_a_security_key_of_someone_else_cannot_be_renamed_or_removed(personas: Any) -> None:
    key = fake_security_key(personas.rep_west, "West key")
    client = reauthenticated_client(personas.rep_east)
    for url in (f"/accounts/2fa/webauthn/keys/{key.pk}/edit/", f"/accounts/2fa/webauthn/keys/{key.pk}/remove/"):
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "stolen"}).status_code == 404
    key.refresh_from_db()
    assert key.data["name"] == "West key"


def test_passkey_login_options_are_served_as_json(db: Any) -> None:
    response = Client().get("/accounts/2fa/webauthn/login/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "challenge" in response.json()["request_options"]["publicKey"]


def test_fallback_allauth_pages_use_the_bastion_layout(personas: Any, signed_in: Any) -> None:
    # A page Bastion does not override (the password reset pages are overridden: test_password_pages.py).
    body = check(signed_in(personas.rep_east).get("/accounts/email/"))
    assert 'class="stacked card"' in body
