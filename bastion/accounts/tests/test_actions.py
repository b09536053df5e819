"""Account actions: creating staff with a one-time password, disabling a member."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from bastion.accounts import actions
from bastion.accounts.models import ApiToken, Membership, Team
from bastion.accounts.tokens import issue_token
from bastion.kernel.access.roles import Role
from conftest import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db


def test_create_staff_user_with_a_generated_one_time_password() -> None:
    team = actions.ensure_team("Sales North")
    user, password = actions.create_staff_user("ana", "ana@example.test", Role.SALES_REP, teams=[team])
    assert password is not None and len(password) >= 16
    validate_password(password, user)  # passes every rule
    assert user.check_password(password)
    assert password not in user.password  # stored as a hash only
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.SALES_REP and membership.must_change_password
    assert list(membership.teams.all()) == [team]


def test_one_time_passwords_differ() -> None:
    passwords = {actions.generate_one_time_password() for _ in range(50)}
    assert len(passwords) == 50


def test_create_staff_user_with_a_chosen_password_does_not_force_a_change() -> None:
    user, one_time = actions.create_staff_user("bo", "bo@example.test", Role.MARKETER, password="a long and unusual passphrase")
    assert one_time is None
    assert user.check_password("a long and unusual passphrase")
    assert not user.membership.must_change_password


def test_create_staff_user_without_a_usable_password() -> None:
    user, one_time = actions.create_staff_user("cy", "cy@example.test", Role.SALES_REP, usable_password=False)
    assert one_time is None and not user.has_usable_password()


@pytest.mark.parametrize(
    ("username", "email", "role", "password", "field"),
    [
        ("", "x@example.test", Role.SALES_REP, None, "username"),
        ("has space", "x@example.test", Role.SALES_REP, None, "username"),
        ("dup", "not-an-email", Role.SALES_REP, None, "email"),
        ("dup2", "x@example.test", "overlord", None, "role"),
        ("dup3", "x@example.test", Role.SALES_REP, "password1234", "password"),
    ],
)
def test_create_staff_user_refuses_bad_input_and_writes_nothing(
    username: str, email: str, role: str, password: Any, field: str
) -> None:
    before = get_user_model().objects.count()
    with pytest.raises(ValidationError) as excinfo:
        actions.create_staff_user(username, email, role, password=password)
    assert field in excinfo.value.message_dict
    assert get_user_model().objects.count() == before
    assert Membership.objects.count() == 0


def test_create_staff_user_refuses_a_taken_username_in_any_case(personas: Any) -> None:
    with pytest.raises(ValidationError) as excinfo:
        actions.create_staff_user("REP_EAST", "new@example.test", Role.SALES_REP)
    assert "username" in excinfo.value.message_dict


def test_ensure_team_is_idempotent() -> None:
    assert actions.ensure_team("Ops") == actions.ensure_team("Ops")
    assert Team.objects.filter(name="Ops").count() == 1


def test_disable_member_ends_sessions_and_revokes_tokens_at_once(personas: Any, signed_in: Any) -> None:
    browser = signed_in(personas.rep_east)
    assert browser.get("/accounts/profile/").status_code == 200
    untracked = Client()  # a session the session list never saw
    untracked.force_login(personas.rep_east)
    issued = issue_token(personas.rep_east, name="script", days=30)
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}").status_code == 200

    result = actions.disable_member(personas.admin, personas.rep_east)

    assert result.sessions_ended == 2 and result.tokens_revoked == 1
    personas.rep_east.refresh_from_db()
    assert not personas.rep_east.is_active
    assert not Membership.objects.get(user=personas.rep_east).is_active
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None
    assert not UserSession.objects.filter(user=personas.rep_east).exists()
    assert browser.get("/accounts/profile/").status_code == 302
    assert untracked.get("/accounts/profile/").status_code == 302
    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")
    assert response.status_code == 401
    again = Client()
    response = again.post("/accounts/login/", {"login": "rep_east", "password": PERSONA_PASSWORD})
    assert response.status_code == 200 or response["Location"] == "/accounts/inactive/"
    assert "_auth_user_id" not in again.session
    # Other people are untouched.
    assert signed_in(personas.rep_west).get("/accounts/profile/").status_code == 200


@pytest.mark.parametrize("actor_name", ["rep_west", "sales_manager", "auditor", "outsider"])
def test_only_an_administrator_may_disable_and_nothing_changes_otherwise(personas: Any, actor_name: str) -> None:
    issued = issue_token(personas.rep_east, name="script", days=30)
    with pytest.raises(PermissionDenied):
        actions.disable_member(getattr(personas, actor_name), personas.rep_east)
    personas.rep_east.refresh_from_db()
    assert personas.rep_east.is_active and personas.rep_east.membership.is_active
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is None


def test_an_administrator_cannot_disable_themselves(personas: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.disable_member(personas.admin, personas.admin)
    personas.admin.refresh_from_db()
    assert personas.admin.is_active


def test_a_membership_disabled_elsewhere_signs_the_session_out(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    assert client.get("/accounts/profile/").status_code == 200
    Membership.objects.filter(user=personas.rep_east).update(is_active=False)
    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_a_user_deactivated_elsewhere_loses_the_session(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    assert client.get("/accounts/profile/").status_code == 200
    get_user_model().objects.filter(pk=personas.rep_east.pk).update(is_active=False)
    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
