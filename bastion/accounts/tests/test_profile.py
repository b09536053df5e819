"""The profile page: who you are, your role and teams, language, links to security settings."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bastion.accounts.tests.helpers import assert_clean_page

pytestmark = pytest.mark.django_db


def test_profile_shows_identity_role_teams_and_links(personas: Any, signed_in: Any) -> None:
    response = signed_in(personas.sales_manager).get("/accounts/profile/")
    assert response.status_code == 200
    body = response.content.decode()
    assert_clean_page(body)
    assert 'data-testid="username">sales_manager<' in body
    assert "sales_manager@bastion.test" in body
    assert 'data-testid="role">Sales manager<' in body
    assert "Sales East" in body and "Sales West" in body
    for href in ("/accounts/2fa/", "/accounts/sessions/", "/accounts/tokens/", "/accounts/password/change/", "/i18n/setlang/"):
        assert f'href="{href}"' in body or f'action="{href}"' in body, href
    assert 'aria-current="page"' in body


def test_profile_of_someone_without_a_role(personas: Any, signed_in: Any) -> None:
    body = signed_in(personas.outsider).get("/accounts/profile/").content.decode()
    assert "No role" in body


def test_profile_shows_only_the_signed_in_user(personas: Any, signed_in: Any) -> None:
    body = signed_in(personas.rep_east).get("/accounts/profile/").content.decode()
    assert "rep_west" not in body and "Sales West" not in body


def test_language_preference_switches_the_interface(personas: Any, signed_in: Any, settings: Any) -> None:
    client = signed_in(personas.rep_east)
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/profile/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    body = client.get("/accounts/profile/").content.decode()
    assert '<html lang="zh-hans">' in body
    assert '<option value="zh-hans" selected>' in body


def test_profile_needs_sign_in(db: Any) -> None:
    response = Client().get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
