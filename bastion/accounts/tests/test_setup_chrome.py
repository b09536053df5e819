"""While sign-in set-up is not finished (a second factor, then the user's own password) the pages
show the brand, the language switcher and "Sign out" only, and no "Successfully signed in.".

Every other page redirects to the set-up until it is done (RequireMfaMiddleware): a menu there
would only lead back, and "signed in" would be read as "you are in".
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from bastion.accounts.models import Membership
from bastion.accounts.testing import current_totp_code, enrol_totp
from bastion.accounts.tests.helpers import full_sign_in, password_sign_in
from conftest import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db

SIGNED_IN = "Successfully signed in"
MENU_LINKS = ["directory:company-list", "directory:contact-list", "accounts:profile"]


def assert_set_up_chrome(body: str) -> None:
    assert 'class="mainnav"' not in body and 'id="nav-toggle"' not in body
    for name in MENU_LINKS:
        assert f'href="{reverse(name)}"' not in body, name
    assert 'data-testid="sign-out"' in body and f'action="{reverse("account_logout")}"' in body
    assert 'class="language-switcher"' in body and 'class="brand"' in body
    assert SIGNED_IN not in body


def assert_app_chrome(body: str) -> None:
    assert 'class="mainnav"' in body and 'data-testid="sign-out"' in body
    for name in MENU_LINKS:
        assert f'href="{reverse(name)}"' in body, name


def test_first_sign_in_goes_to_a_set_up_page_without_the_menu_nor_signed_in_message(personas: Any) -> None:
    client = Client()
    response = password_sign_in(client, "rep_east", PERSONA_PASSWORD)
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    assert_set_up_chrome(response.content.decode())
    # The other ways to set up a second factor look the same.
    assert_set_up_chrome(client.get(reverse("mfa_add_webauthn")).content.decode())

    # Enrolled: the recovery codes, then the app with its menu; the message was not kept for later.
    secret = response.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": current_totp_code(secret)}, follow=True)
    assert response.status_code == 200
    body = client.get(reverse("directory:contact-list")).content.decode()
    assert_app_chrome(body)
    assert SIGNED_IN not in body


def test_a_one_time_password_keeps_the_set_up_chrome_until_it_is_replaced(personas: Any) -> None:
    secret = enrol_totp(personas.rep_east)
    Membership.objects.filter(user=personas.rep_east).update(must_change_password=True)
    client = Client()
    full_sign_in(client, "rep_east", PERSONA_PASSWORD, secret)
    response = client.get(reverse("directory:contact-list"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("account_change_password")
    body = response.content.decode()
    assert_set_up_chrome(body)
    assert "one-time password" in body  # why they are here

    new_password = "a brand new passphrase of mine 77"
    data = {"oldpassword": PERSONA_PASSWORD, "password1": new_password, "password2": new_password}
    response = client.post(reverse("account_change_password"), data, follow=True)
    assert response.status_code == 200
    assert_app_chrome(response.content.decode())


def test_a_user_with_a_second_factor_is_told_they_signed_in_and_sees_the_menu(personas: Any) -> None:
    secret = enrol_totp(personas.rep_east)
    client = Client()
    full_sign_in(client, "rep_east", PERSONA_PASSWORD, secret)
    body = client.get(reverse("directory:contact-list"), follow=True).content.decode()
    assert_app_chrome(body)
    assert SIGNED_IN in body
