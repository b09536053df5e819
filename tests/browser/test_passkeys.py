"""Passkeys in a real Chromium with a virtual authenticator (Chrome DevTools Protocol):
add a passkey after a TOTP sign-in, sign out, then sign in with the passkey alone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.mfa.models import Authenticator

from bastion.accounts.testing import enrol_totp
from conftest import PERSONA_PASSWORD
from tests.browser.test_first_day import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_virtual_authenticator(page: Any) -> Any:
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    authenticator_id = session.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]
    return session, authenticator_id


def test_add_a_passkey_then_sign_in_with_it(page: Any, live_server: Any, personas: Any) -> None:
    session, authenticator_id = add_virtual_authenticator(page)
    secret = enrol_totp(personas.rep_west)
    sign_in(page, live_server.url, "rep_west", secret)

    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    # Changing how the account is protected asks for the password again (ADR 0007).
    page.get_by_role("heading", name="Confirm it is you").wait_for()
    page.get_by_label("Password").fill(PERSONA_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Name").fill("Work laptop")
    passwordless = page.get_by_role("checkbox")
    if passwordless.count():
        passwordless.first.check()
    page.get_by_role("button", name="Add key").click()
    page.get_by_text("Security key added.").wait_for()
    stored = Authenticator.objects.filter(user=personas.rep_west, type=Authenticator.Type.WEBAUTHN)
    assert stored.count() == 1
    assert len(session.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]) == 1

    page.get_by_test_id("user-menu").click()  # profile and sign-out are in the user's menu
    page.get_by_test_id("sign-out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(re.compile(r"/contacts/"))
    page.get_by_role("link", name="Contacts", exact=True).wait_for()
