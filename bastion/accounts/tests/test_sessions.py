"""Sessions: id rotation at sign-in, idle and absolute timeouts, the session list, ending sessions."""

from __future__ import annotations

import time
from typing import Any

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.test import Client

from bastion.accounts.middleware import AUTH_AT, SEEN_AT
from bastion.accounts.testing import current_totp_code, enrol_totp
from bastion.accounts.tests.helpers import assert_clean_page, password_sign_in
from conftest import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db


def _set_session(client: Client, **values: Any) -> None:
    session = client.session
    session.update(values)
    session.save()


def test_session_id_changes_at_sign_in(personas: Any) -> None:
    secret = enrol_totp(personas.rep_east)
    client = Client()
    client.get("/accounts/login/")
    _set_session(client, marker="anonymous")
    anonymous_key = client.session.session_key
    assert anonymous_key

    password_sign_in(client, "rep_east", PERSONA_PASSWORD)
    client.post("/accounts/2fa/authenticate/", {"code": current_totp_code(secret)})
    signed_in_key = client.session.session_key
    assert client.session["_auth_user_id"] == str(personas.rep_east.pk)
    assert signed_in_key != anonymous_key
    assert not Session.objects.filter(session_key=anonymous_key).exists()


def test_idle_timeout_signs_out(personas: Any, signed_in: Any, settings: Any) -> None:
    client = signed_in(personas.rep_east)
    assert client.get("/accounts/profile/").status_code == 200
    now = int(time.time())
    _set_session(client, **{SEEN_AT: now - settings.SESSION_IDLE_TIMEOUT - 5, AUTH_AT: now - 3600})
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Faccounts%2Fprofile%2F"
    assert "_auth_user_id" not in client.session
    login_page = client.get(response["Location"]).content.decode()
    assert "signed out after 15 minutes without activity" in login_page
    assert client.get("/accounts/profile/").status_code == 302


def test_activity_within_the_idle_timeout_keeps_the_session(personas: Any, signed_in: Any, settings: Any) -> None:
    client = signed_in(personas.rep_east)
    client.get("/accounts/profile/")
    now = int(time.time())
    _set_session(client, **{SEEN_AT: now - settings.SESSION_IDLE_TIMEOUT + 60, AUTH_AT: now - 3600})
    assert client.get("/accounts/profile/").status_code == 200
    assert client.session[SEEN_AT] >= now  # the idle clock was refreshed


def test_absolute_timeout_signs_out_even_when_active(personas: Any, signed_in: Any, settings: Any) -> None:
    client = signed_in(personas.rep_east)
    client.get("/accounts/profile/")
    now = int(time.time())
    _set_session(client, **{SEEN_AT: now - 10, AUTH_AT: now - settings.SESSION_ABSOLUTE_TIMEOUT - 5})
    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_timed_out_api_session_gets_401_json(personas: Any, signed_in: Any, settings: Any) -> None:
    client = signed_in(personas.rep_east)
    client.get("/accounts/profile/")
    now = int(time.time())
    _set_session(client, **{SEEN_AT: now - settings.SESSION_IDLE_TIMEOUT - 5, AUTH_AT: now})
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert "rep_east" not in response.content.decode()


def test_sessions_page_lists_sessions_with_the_current_one_marked(personas: Any, signed_in: Any) -> None:
    other = signed_in(personas.rep_east)
    other.get("/accounts/profile/", HTTP_USER_AGENT="OtherBrowser/1.0", REMOTE_ADDR="192.0.2.44")
    client = Client()
    client.force_login(personas.rep_east)
    response = client.get("/accounts/sessions/", HTTP_USER_AGENT="ThisBrowser/2.0")
    assert response.status_code == 200
    body = response.content.decode()
    assert_clean_page(body)
    assert "OtherBrowser/1.0" in body and "ThisBrowser/2.0" in body
    assert "192.0.2.44" in body
    assert body.count('data-testid="current-session"') == 1
    assert len(response.context["sessions"]) == 2
    assert "Last seen" in body


def test_profile_links_to_the_sessions_page(personas: Any, signed_in: Any) -> None:
    body = signed_in(personas.rep_east).get("/accounts/profile/").content.decode()
    assert 'href="/accounts/sessions/"' in body


def test_end_one_other_session(personas: Any, signed_in: Any) -> None:
    other = signed_in(personas.rep_east)
    other.get("/accounts/profile/")
    client = signed_in(personas.rep_east)
    client.get("/accounts/profile/")
    other_row = UserSession.objects.get(session_key=other.session.session_key)

    response = client.post(f"/accounts/sessions/{other_row.pk}/end/")
    assert response.status_code == 302 and response["Location"] == "/accounts/sessions/"
    assert other.get("/accounts/profile/").status_code == 302  # signed out
    assert client.get("/accounts/profile/").status_code == 200  # still signed in
    assert not UserSession.objects.filter(pk=other_row.pk).exists()


def test_ending_the_current_session_signs_out(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    client.get("/accounts/profile/")
    row = UserSession.objects.get(session_key=client.session.session_key)
    response = client.post(f"/accounts/sessions/{row.pk}/end/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/accounts/profile/").status_code == 302


def test_end_all_other_sessions(personas: Any, signed_in: Any) -> None:
    others = [signed_in(personas.rep_east) for _ in range(2)]
    for other in others:
        other.get("/accounts/profile/")
    client = signed_in(personas.rep_east)
    client.get("/accounts/profile/")
    response = client.post("/accounts/sessions/")
    assert response.status_code == 302
    for other in others:
        assert other.get("/accounts/profile/").status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    assert UserSession.objects.filter(user=personas.rep_east).count() == 1


def test_cannot_end_someone_elses_session(personas: Any, signed_in: Any) -> None:
    victim = signed_in(personas.rep_west)
    victim.get("/accounts/profile/")
    victim_row = UserSession.objects.get(session_key=victim.session.session_key)
    attacker = signed_in(personas.rep_east)
    response = attacker.post(f"/accounts/sessions/{victim_row.pk}/end/")
    assert response.status_code == 404
    assert "rep_west" not in response.content.decode()
    assert UserSession.objects.filter(pk=victim_row.pk).exists()
    assert victim.get("/accounts/profile/").status_code == 200


def test_ending_a_session_needs_post(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    client.get("/accounts/profile/")
    row = UserSession.objects.get(session_key=client.session.session_key)
    assert client.get(f"/accounts/sessions/{row.pk}/end/").status_code == 405
    assert UserSession.objects.filter(pk=row.pk).exists()


def test_password_change_ends_other_sessions(personas: Any, signed_in: Any) -> None:
    other = signed_in(personas.rep_east)
    other.get("/accounts/profile/")
    client = signed_in(personas.rep_east)
    new_password = "a brand new passphrase for the east"
    response = client.post(
        "/accounts/password/change/", {"oldpassword": PERSONA_PASSWORD, "password1": new_password, "password2": new_password}
    )
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    assert other.get("/accounts/profile/").status_code == 302
