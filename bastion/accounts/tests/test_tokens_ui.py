"""API tokens in the web UI: list, create (after reauthentication, shown once), revoke."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from bastion.accounts.models import ApiToken
from bastion.accounts.tests.helpers import assert_clean_page
from bastion.accounts.tokens import issue_token
from conftest import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db


def reauthenticated(client: Client) -> Client:
    response = client.get("/accounts/tokens/new/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/reauthenticate/?next=%2Faccounts%2Ftokens%2Fnew%2F"
    response = client.post(response["Location"], {"password": PERSONA_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/tokens/new/"
    return client


def every_stored_text() -> str:
    """Every value in every table of the database, as one string."""
    chunks: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from introspection
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_creating_a_token_needs_recent_reauthentication(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    response = client.post("/accounts/tokens/new/", {"name": "sneaky", "days": "5", "scopes": ["contact:read"]})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/")
    assert ApiToken.objects.count() == 0


def test_wrong_password_at_reauthentication_creates_nothing(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    response = client.post("/accounts/reauthenticate/?next=/accounts/tokens/new/", {"password": "not it at all"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get("/accounts/tokens/new/").status_code == 302
    assert ApiToken.objects.count() == 0


def test_create_shows_the_token_once_and_stores_only_a_digest(personas: Any, signed_in: Any) -> None:
    client = reauthenticated(signed_in(personas.rep_east))
    form_page = client.get("/accounts/tokens/new/")
    assert form_page.status_code == 200
    assert_clean_page(form_page.content.decode())

    response = client.post("/accounts/tokens/new/", {"name": "nightly export", "days": "30", "scopes": ["contact:read"]})
    assert response.status_code == 200
    body = response.content.decode()
    assert_clean_page(body)
    plaintext = response.context["plaintext"]
    assert plaintext.startswith("bst_") and body.count(plaintext) == 1
    assert 'data-copy="#new-token"' in body
    assert "cannot show it again" in body
    token = ApiToken.objects.get()
    assert token.user == personas.rep_east and token.name == "nightly export"
    assert 29 <= (token.expires_at - token.created_at).days <= 30

    secret = plaintext.split("_", 2)[2]  # the secret itself may contain "_"
    stored = every_stored_text()
    assert plaintext not in stored and secret not in stored
    assert token.digest in stored  # the digest is what is kept

    listing = client.get("/accounts/tokens/").content.decode()
    assert plaintext not in listing and secret not in listing
    assert token.prefix in listing


@pytest.mark.parametrize(("name", "days"), [("x", "0"), ("x", "366"), ("x", "ten"), ("", "5"), ("   ", "5")])
def test_create_refuses_bad_input_with_a_clear_error(personas: Any, signed_in: Any, name: str, days: str) -> None:
    client = reauthenticated(signed_in(personas.rep_east))
    response = client.post("/accounts/tokens/new/", {"name": name, "days": days})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'class="errorlist' in response.content.decode()
    assert ApiToken.objects.count() == 0


def test_list_shows_own_tokens_with_their_status_and_nobody_elses(personas: Any, signed_in: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    active = issue_token(personas.rep_east, name="active one", days=10).token
    expired = issue_token(personas.rep_east, name="expired one", days=10).token
    revoked = issue_token(personas.rep_east, name="revoked one", days=10).token
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    others = issue_token(personas.rep_west, name="west secret script", days=10).token

    response = signed_in(personas.rep_east).get("/accounts/tokens/")
    body = response.content.decode()
    assert response.status_code == 200
    assert_clean_page(body)
    for token in (active, expired, revoked):
        assert token.name in body and token.prefix in body
    for word in ("Active", "Expired", "Revoked", "Never", "Last used", "Expires", "Created"):
        assert word in body
    assert "west secret script" not in body and others.prefix not in body
    assert body.count("data-confirm=") == 1  # only the active token can be revoked


def test_revoke_own_token(personas: Any, signed_in: Any) -> None:
    issued = issue_token(personas.rep_east, name="script", days=10)
    client = signed_in(personas.rep_east)
    response = client.post(f"/accounts/tokens/{issued.token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/accounts/tokens/"
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}").status_code == 401


def test_cannot_revoke_someone_elses_token(personas: Any, signed_in: Any) -> None:
    issued = issue_token(personas.rep_west, name="west script", days=10)
    response = signed_in(personas.rep_east).post(f"/accounts/tokens/{issued.token.pk}/revoke/")
    assert response.status_code == 404
    assert "west script" not in response.content.decode()
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is None


def test_revoke_needs_post(personas: Any, signed_in: Any) -> None:
    issued = issue_token(personas.rep_east, name="script", days=10)
    assert signed_in(personas.rep_east).get(f"/accounts/tokens/{issued.token.pk}/revoke/").status_code == 405
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is None


def test_token_pages_need_sign_in(personas: Any) -> None:
    issued = issue_token(personas.rep_east, name="script", days=10)
    anonymous = Client()
    for response in (
        anonymous.get("/accounts/tokens/"),
        anonymous.get("/accounts/tokens/new/"),
        anonymous.post(f"/accounts/tokens/{issued.token.pk}/revoke/"),
    ):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is None


def test_someone_without_a_role_cannot_create_a_token(personas: Any, signed_in: Any) -> None:
    client = reauthenticated(signed_in(personas.outsider))
    response = client.post("/accounts/tokens/new/", {"name": "x", "days": "5", "scopes": ["contact:read"]})
    assert response.status_code == 200
    assert "Only active members of staff" in response.content.decode()
    assert ApiToken.objects.count() == 0


def test_create_with_scopes_and_networks_then_list_them(personas: Any, signed_in: Any) -> None:
    client = reauthenticated(signed_in(personas.rep_east))
    form_page = client.get("/accounts/tokens/new/").content.decode()
    assert 'data-testid="token-scopes"' in form_page
    assert 'value="company:write"' in form_page and 'value="contact:read"' in form_page
    data = {
        "name": "pinned",
        "days": "5",
        "scopes": ["company:write", "contact:read"],
        "allowed_networks": "127.0.0.2/32\n\n2001:db8::/32\n",
    }
    response = client.post("/accounts/tokens/new/", data)
    assert response.status_code == 200, response.content.decode()[:2000]
    token = ApiToken.objects.get()
    assert token.scopes == ["company:write", "contact:read"]
    assert token.allowed_networks == ["127.0.0.2/32", "2001:db8::/32"]
    listing = client.get("/accounts/tokens/").content.decode()
    assert_clean_page(listing)
    for text in ("company:write", "contact:read", "127.0.0.2/32", "2001:db8::/32"):
        assert text in listing


@pytest.mark.parametrize(
    ("scopes", "networks", "message"),
    [
        ([], "", "Choose at least one scope"),
        (["invoice:read"], "", "Select a valid choice"),
        (["contact:read"], "10.0.0.0/8\n10.0.0.1/8", "Line 2: 10.0.0.1/8 is not a network"),
        (["contact:read"], "intranet", "Line 1: intranet is not a network"),
    ],
)
def test_create_refuses_bad_scopes_and_networks(
    personas: Any, signed_in: Any, scopes: list[str], networks: str, message: str
) -> None:
    client = reauthenticated(signed_in(personas.rep_east))
    data = {"name": "x", "days": "5", "scopes": scopes, "allowed_networks": networks}
    response = client.post("/accounts/tokens/new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ApiToken.objects.count() == 0
