"""The password pages in Bastion's layout and words: change (sentence-case labels) and the
reset-by-email flow (request, email sent, new password, done), never allauth's defaults."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from bastion.accounts.tests.helpers import assert_clean_page
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

ALLAUTH_WORDING = (
    "Password Reset",
    "Reset My Password",
    "Please contact us",
    "already logged in",
    "Change Password",
    "New Password",
    "Current Password",
    "Bad Token",
)


def page(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    body = response.content.decode()
    assert_clean_page(body)
    for text in ALLAUTH_WORDING:
        assert text not in body, text
    return body


def label(body: str, field_id: str) -> str:
    found = re.search(rf'<label for="{field_id}">([^<]*)</label>', body)
    assert found, field_id
    return found.group(1)


def test_change_password_labels_are_in_sentence_case(personas: Any, signed_in: Any) -> None:
    body = page(signed_in(personas.rep_east).get("/accounts/password/change/"))
    assert label(body, "id_oldpassword") == "Current password"
    assert label(body, "id_password1") == "New password"
    assert label(body, "id_password2") == "New password (again)"
    assert 'placeholder="Current password"' in body and 'placeholder="New password (again)"' in body
    assert '<a href="/accounts/password/reset/">Forgot your password?</a>' in body
    assert ">Cancel</a>" in body


def test_a_forced_change_offers_no_way_around_it(personas: Any, signed_in: Any) -> None:
    membership = personas.rep_east.membership
    membership.must_change_password = True  # signed in with the one-time password an administrator gave
    membership.save(update_fields=["must_change_password"])
    client = signed_in(personas.rep_east)
    assert client.get("/contacts/")["Location"].startswith("/accounts/password/change/")
    body = page(client.get("/accounts/password/change/"))
    assert label(body, "id_oldpassword") == "Current password"
    assert "Forgot your password?" not in body and ">Cancel</a>" not in body


def test_the_reset_page_speaks_like_the_sign_in_page(db: Any) -> None:
    body = page(Client().get("/accounts/password/reset/"))
    assert "<h1>Reset your password</h1>" in body
    assert label(body, "id_email") == "Email address"
    assert ">Send the link</button>" in body and 'class="button primary"' in body
    assert "Accounts are created by your administrator." in body
    assert 'href="/accounts/login/">Cancel</a>' in body


def test_a_signed_in_user_is_sent_back_to_change_password(personas: Any, signed_in: Any) -> None:
    body = page(signed_in(personas.rep_east).get("/accounts/password/reset/"))
    assert "<h1>Reset your password</h1>" in body
    assert 'href="/accounts/password/change/">Cancel</a>' in body
    assert "rep_east" not in body.split('<main id="main"', 1)[1]  # no "logged in as ..." note


def test_reset_by_email_from_request_to_new_password(personas: Any) -> None:
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": "rep_east@bastion.test"}, follow=True)
    body = page(response)
    assert response.redirect_chain[-1][0] == "/accounts/password/reset/done/"
    assert "<h1>Check your email</h1>" in body and "check your spam folder" in body
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", str(mail.outbox[-1].body))
    assert link
    message = mail.outbox[-1]
    assert "Choose a new password" in message.subject and "Password Reset" not in message.subject
    assert "Someone asked for a link to choose a new password for your Bastion account." in message.body
    assert "Hello from" not in message.body and "Thank you for using" not in message.body  # not allauth's default text

    body = page(client.get(link.group(1), follow=True))
    assert "<h1>Choose a new password</h1>" in body
    assert label(body, "id_password1") == "New password" and label(body, "id_password2") == "New password (again)"
    assert ">Set password</button>" in body
    action = re.search(r'<form class="stacked" method="post" action="([^"]+)"', body)
    assert action

    new_password = "a brand new passphrase for bastion"
    response = client.post(action.group(1), {"password1": new_password, "password2": new_password}, follow=True)
    body = page(response)
    assert "<h1>Password changed</h1>" in body and "your second factor" in body
    user = get_user_model().objects.get(pk=personas.rep_east.pk)
    assert user.check_password(new_password)
    assert AuditEvent.objects.filter(kind=EventKind.PASSWORD_CHANGED, actor_id=user.pk).exists()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(db: Any, mailoutbox: Any) -> None:
    response = Client().post("/accounts/password/reset/", {"email": "nobody@bastion.test"}, follow=True)
    body = page(response)
    assert response.redirect_chain[-1][0] == "/accounts/password/reset/done/"
    assert "<h1>Check your email</h1>" in body
    assert mailoutbox == []  # no "unknown account" mail inviting a sign-up: accounts are made by administrators


def test_a_used_or_forged_link_says_so_in_bastion_words(db: Any) -> None:
    body = page(Client().get("/accounts/password/reset/key/1-not-a-real-key/", follow=True))
    assert "<h1>This link does not work</h1>" in body
    assert 'href="/accounts/password/reset/">Reset your password</a>' in body
    assert "<form" not in body.split('<main id="main"', 1)[1]  # no password form for a bad link
