"""``bastion token create|revoke`` and ``bastion createadmin``."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from bastion.accounts.models import ApiToken, Membership
from bastion.accounts.testing import current_totp_code, enrol_totp
from bastion.accounts.tests.helpers import password_sign_in
from bastion.kernel.access.roles import Role

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_token_create_prints_the_token_alone_once(personas: Any) -> None:
    out, err = run("token", "create", "--user", "rep_east", "--days", "7", "--name", "nightly export")
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bst_")
    plaintext = lines[0]
    assert plaintext not in err
    token = ApiToken.objects.get(user=personas.rep_east)
    assert token.name == "nightly export" and plaintext.startswith(f"bst_{token.prefix}_")
    assert 6 <= (token.expires_at - token.created_at).days <= 7
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 200


def test_token_create_defaults(personas: Any, settings: Any) -> None:
    from bastion.accounts.scopes import ALL_SCOPES

    run("token", "create", "--user", "rep_east")
    token = ApiToken.objects.get(user=personas.rep_east)
    assert token.name == "console"
    assert sorted(token.scopes) == sorted(ALL_SCOPES) and token.allowed_networks == []
    assert (token.expires_at - token.created_at).days in (settings.API_TOKEN_DEFAULT_DAYS - 1, settings.API_TOKEN_DEFAULT_DAYS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody"], "no user named 'nobody'"),
        (["--user", "rep_east", "--days", "0"], "--days must be between 1 and 365, got 0"),
        (["--user", "rep_east", "--days", "366"], "--days must be between 1 and 365, got 366"),
        (["--user", "outsider"], "not an active member of staff"),
        (["--user", "rep_east", "--name", "   "], "needs a name"),
        (["--user", "rep_east", "--scopes", "invoice:read"], "invoice:read is not a token scope"),
        (["--user", "rep_east", "--scopes", ","], "at least one scope"),
        (["--user", "rep_east", "--networks", "127.0.0.2/32,10.0.0.1/8"], "10.0.0.1/8 is not a network"),
    ],
)
def test_token_create_errors_are_clear_and_create_nothing(personas: Any, args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as excinfo:
        run("token", "create", *args)
    assert message.lower() in str(excinfo.value).lower()
    assert ApiToken.objects.count() == 0


def test_token_revoke_by_prefix(personas: Any) -> None:
    out, _err = run("token", "create", "--user", "rep_east")
    plaintext = out.strip()
    token = ApiToken.objects.get()
    out, _err = run("token", "revoke", token.prefix)
    assert "Revoked" in out and token.prefix in out and plaintext not in out
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 401


def test_token_revoke_accepts_the_displayed_form(personas: Any) -> None:
    run("token", "create", "--user", "rep_east")
    token = ApiToken.objects.get()
    run("token", "revoke", f"bst_{token.prefix}_…")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_revoke_unknown_prefix(personas: Any) -> None:
    with pytest.raises(CommandError, match="No API token has the prefix"):
        run("token", "revoke", "deadbeef0000")


def test_createadmin_prints_a_one_time_password_once(db: Any) -> None:
    out, err = run("createadmin", "--username", "root.admin", "--email", "root@example.test")
    lines = out.strip().splitlines()
    assert len(lines) == 1
    password = lines[0]
    assert len(password) >= 16 and password not in err
    user = get_user_model().objects.get(username="root.admin")
    assert user.check_password(password)
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.ADMINISTRATOR and membership.must_change_password


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--username", "rep_east", "--email", "x@example.test"], "already exists"),
        (["--username", "new.admin", "--email", "not-an-email"], "valid email"),
        (["--username", "bad name!", "--email", "x@example.test"], "username"),
    ],
)
def test_createadmin_errors(personas: Any, args: list[str], message: str) -> None:
    users = get_user_model().objects.count()
    with pytest.raises(CommandError) as excinfo:
        run("createadmin", *args)
    assert message in str(excinfo.value)
    assert get_user_model().objects.count() == users


def test_first_sign_in_with_a_one_time_password_forces_mfa_then_a_new_password(db: Any) -> None:
    out, _err = run("createadmin", "--username", "root.admin", "--email", "root@example.test")
    one_time = out.strip()
    client = Client()
    password_sign_in(client, "root.admin", one_time)
    # 1. MFA first.
    assert client.get("/accounts/profile/")["Location"] == "/accounts/2fa/totp/activate/"
    secret = client.get("/accounts/2fa/totp/activate/").context["form"].secret
    assert client.post("/accounts/2fa/totp/activate/", {"code": current_totp_code(secret)}).status_code == 302
    assert client.get("/accounts/2fa/recovery-codes/").status_code == 200  # codes can still be saved
    # 2. Then, before anything else, a new password.
    for path in ("/accounts/profile/", "/", "/accounts/tokens/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/password/change/", path
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["error"] == "password_change_required"
    page = client.get("/accounts/password/change/")
    assert page.status_code == 200 and "one-time password" in page.content.decode()

    new_password = "my own long passphrase for bastion"
    response = client.post(
        "/accounts/password/change/", {"oldpassword": one_time, "password1": new_password, "password2": new_password}
    )
    assert response.status_code == 302
    assert not Membership.objects.get(user__username="root.admin").must_change_password
    assert client.get("/accounts/profile/").status_code == 200
    assert client.get("/api/v1/me/").json()["role"] == "administrator"

    # The one-time password no longer works; the new one does (with the code).
    assert password_sign_in(Client(), "root.admin", one_time).status_code == 200
    later = Client()
    assert password_sign_in(later, "root.admin", new_password)["Location"] == "/accounts/2fa/authenticate/"


def test_a_rejected_new_password_keeps_the_requirement(db: Any) -> None:
    out, _err = run("createadmin", "--username", "root.admin", "--email", "root@example.test")
    one_time = out.strip()
    user = get_user_model().objects.get(username="root.admin")
    enrol_totp(user)
    client = Client()
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/", {"oldpassword": one_time, "password1": "password1234", "password2": "password1234"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert Membership.objects.get(user=user).must_change_password
    assert client.get("/accounts/profile/")["Location"] == "/accounts/password/change/"


def test_token_create_with_scopes_and_networks(personas: Any) -> None:
    out, err = run(
        "token",
        "create",
        "--user",
        "rep_east",
        "--scopes",
        "contact:read, company:write",
        "--networks",
        "127.0.0.2/32,10.0.0.0/8",
    )
    token = ApiToken.objects.get(user=personas.rep_east)
    assert token.scopes == ["company:write", "contact:read"]
    assert token.allowed_networks == ["127.0.0.2/32", "10.0.0.0/8"]
    assert "company:write,contact:read" in err and "127.0.0.2/32,10.0.0.0/8" in err
    plaintext = out.strip()
    assert Client().get("/api/v1/contacts/", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 403
    assert Client().get("/api/v1/contacts/", HTTP_AUTHORIZATION=f"Bearer {plaintext}", REMOTE_ADDR="127.0.0.2").status_code == 200
