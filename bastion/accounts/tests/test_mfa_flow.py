"""MFA is required for everyone: enrolment at first sign-in, codes at every later sign-in."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from bastion.accounts.testing import current_totp_code, enrol_totp
from bastion.accounts.tests.helpers import full_sign_in, password_sign_in
from conftest import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db


def enrol_through_the_ui(client: Client, username: str) -> tuple[str, list[str]]:
    """Sign in with a password, get forced to enrolment, activate TOTP; return (secret, recovery codes)."""
    response = password_sign_in(client, username, PERSONA_PASSWORD)
    assert response.status_code == 302
    # Whatever page comes next, a user without a second factor ends up at enrolment.
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/2fa/totp/activate/"
    assert response.status_code == 200
    secret = response.context["form"].secret
    assert secret in response.content.decode()  # shown for typing into the app

    response = client.post("/accounts/2fa/totp/activate/", {"code": current_totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    response = client.get("/accounts/2fa/recovery-codes/")
    codes = list(response.context["unused_codes"])
    assert len(codes) == 10
    return secret, codes


def test_first_password_sign_in_is_forced_to_totp_enrolment_then_reaches_the_app(personas: Any) -> None:
    client = Client()
    for path in ("/accounts/profile/", "/", "/accounts/tokens/"):
        password_sign_in(client, "rep_east", PERSONA_PASSWORD)
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/", path
        client.post("/accounts/logout/")

    secret, _codes = enrol_through_the_ui(client, "rep_east")
    assert Authenticator.objects.filter(user=personas.rep_east, type=Authenticator.Type.TOTP).exists()
    assert client.get("/accounts/profile/").status_code == 200


def test_enrolment_with_a_wrong_code_is_refused_and_nothing_is_stored(personas: Any) -> None:
    client = Client()
    password_sign_in(client, "rep_east", PERSONA_PASSWORD)
    response = client.get("/accounts/2fa/totp/activate/")
    secret = response.context["form"].secret
    wrong = f"{(int(current_totp_code(secret)) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/2fa/totp/activate/", {"code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert 'class="errorlist' in response.content.decode()
    assert not Authenticator.objects.filter(user=personas.rep_east).exists()
    assert client.get("/accounts/profile/")["Location"] == "/accounts/2fa/totp/activate/"


def test_later_sign_ins_ask_for_the_totp_code(personas: Any) -> None:
    secret, _codes = enrol_through_the_ui(Client(), "rep_east")
    client = Client()
    response = password_sign_in(client, "rep_east", PERSONA_PASSWORD)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session  # not signed in by the password alone
    assert client.get("/accounts/profile/").status_code == 302

    response = client.post("/accounts/2fa/authenticate/", {"code": current_totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200


def test_a_totp_code_works_once(personas: Any) -> None:
    secret = enrol_totp(personas.rep_east)
    code = current_totp_code(secret)
    first = Client()
    password_sign_in(first, "rep_east", PERSONA_PASSWORD)
    assert first.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302

    replay = Client()
    password_sign_in(replay, "rep_east", PERSONA_PASSWORD)
    response = replay.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in replay.session


def test_a_wrong_totp_code_does_not_sign_in(personas: Any) -> None:
    secret = enrol_totp(personas.rep_east)
    client = Client()
    password_sign_in(client, "rep_east", PERSONA_PASSWORD)
    wrong = f"{(int(current_totp_code(secret)) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/2fa/authenticate/", {"code": wrong})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get("/accounts/profile/").status_code == 302


def test_recovery_codes_work_once_each(personas: Any) -> None:
    _secret, codes = enrol_through_the_ui(Client(), "rep_east")
    for code in codes[:2]:
        client = Client()
        password_sign_in(client, "rep_east", PERSONA_PASSWORD)
        assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
        assert client.get("/accounts/profile/").status_code == 200

        again = Client()
        password_sign_in(again, "rep_east", PERSONA_PASSWORD)
        response = again.post("/accounts/2fa/authenticate/", {"code": code})
        assert response.status_code == 200, "a used recovery code must not work again"
        assert "_auth_user_id" not in again.session


def test_full_sign_in_helper_round_trip(personas: Any) -> None:
    secret = enrol_totp(personas.admin)
    client = Client()
    full_sign_in(client, "admin", PERSONA_PASSWORD, secret)
    assert client.get("/accounts/profile/").status_code == 200


def test_api_session_user_without_mfa_gets_403_json_and_no_data(personas: Any) -> None:
    client = Client()
    client.force_login(personas.rep_east)
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == "mfa_required"
    assert "rep_east" not in response.content.decode()


def test_bearer_token_request_is_not_blocked_by_the_mfa_requirement(personas: Any) -> None:
    from bastion.accounts.tokens import issue_token

    issued = issue_token(personas.rep_east, name="script", days=5)
    assert not Authenticator.objects.filter(user=personas.rep_east).exists()
    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")
    assert response.status_code == 200
    assert response.json()["username"] == "rep_east"


def test_bearer_token_wins_over_a_session_without_mfa(personas: Any) -> None:
    """A browser-less script may carry a stale session cookie; the token decides, not the session."""
    from bastion.accounts.tokens import issue_token

    issued = issue_token(personas.admin, name="script", days=5)
    client = Client()
    client.force_login(personas.rep_east)  # no MFA
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")
    assert response.status_code == 200
    assert response.json()["username"] == "admin"
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer bst_nope_nope")
    assert response.status_code == 401


def test_the_test_helper_never_hands_out_a_code_about_to_expire(monkeypatch: Any) -> None:
    """current_totp_code waits for the next period when the current one is about to end (CI once failed at a boundary)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, generate_totp_secret, hotp_value

    from bastion.accounts import testing

    clock = {"now": 30 * 1_000_000 + 28.0}  # 2 s before a period ends
    monkeypatch.setattr(testing.time, "time", lambda: clock["now"])
    monkeypatch.setattr(testing.time, "sleep", lambda seconds: clock.update(now=clock["now"] + seconds))
    monkeypatch.setattr("allauth.mfa.totp.internal.auth.time.time", lambda: clock["now"])
    secret = generate_totp_secret()
    assert testing.current_totp_code(secret) == format_hotp_value(hotp_value(secret, 1_000_001))
    assert clock["now"] > 30 * 1_000_001  # it waited for the next period
    clock["now"] = 30 * 1_000_000 + 3.0  # early in a period: no wait
    assert testing.current_totp_code(secret) == format_hotp_value(hotp_value(secret, 1_000_000))
    assert clock["now"] == 30 * 1_000_000 + 3.0
