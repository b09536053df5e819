"""Administrators add a colleague and issue a new one-time password from the web (both with step-up),
and the staff list names people. The one-time password is shown once, in the POST's own response."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from bastion.accounts import staff
from bastion.accounts.models import ApiToken, Membership, Team
from bastion.accounts.testing import current_totp_code, enrol_totp, step_up
from bastion.accounts.tests.helpers import assert_clean_page, password_sign_in
from bastion.kernel.access.roles import Role
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from conftest import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db

NEW_URL = "/accounts/staff/new/"
PASSWORD_RE = re.compile(r'data-testid="one-time-password">([^<]+)</code>')


def fresh(user: Any) -> Any:
    return get_user_model().objects.select_related("membership").get(pk=user.pk)


def reset_url(user: Any) -> str:
    return reverse("accounts:staff-one-time-password", args=[user.pk])


def shown_password(response: Any) -> str:
    match = PASSWORD_RE.search(response.content.decode())
    assert match is not None, response.content.decode()[:3000]
    return match.group(1)


def audit_text() -> str:
    """Everything the audit trail holds, as text (to prove a password never went into it)."""
    rows = AuditEvent.objects.values("actor_snapshot", "target_snapshot", "changes", "extra")
    return json.dumps(list(rows), default=str)


def assert_not_kept(client: Any, password: str) -> None:
    """Not in the session, not in a cookie (the message framework's included)."""
    assert password not in json.dumps(dict(client.session.items()), default=str)
    assert all(password not in morsel.value for morsel in client.cookies.values())


@pytest.fixture
def admin(personas: Any, signed_in: Any) -> Any:
    """The administrator, signed in, with a second factor confirmed just now (step-up)."""
    client = signed_in(personas.admin)
    step_up(client, personas.admin)
    return client


def colleague(**changes: Any) -> dict[str, Any]:
    east = Team.objects.get(name="Sales East")
    return {
        "username": "mei.chen", "first_name": "Mei", "last_name": "Chen", "email": "mei.chen@bastion.test",
        "role": Role.SALES_REP, "teams": [str(east.pk)], **changes,
    }  # fmt: skip


# --- adding a colleague ------------------------------------------------------------------------------


def test_the_form_is_labelled_focused_and_linked_from_the_staff_list(personas: Any, admin: Any) -> None:
    listing = admin.get(reverse("accounts:staff")).content.decode()
    assert f'href="{NEW_URL}"' in listing and "Add a colleague" in listing
    response = admin.get(NEW_URL)
    page = response.content.decode()
    assert response.status_code == 200 and reverse("accounts:staff-new") == NEW_URL
    assert_clean_page(page)
    assert re.search(r'<input[^>]*name="username"[^>]*autofocus', page)
    for name in ("username", "first_name", "last_name", "email", "role"):
        assert f'name="{name}"' in page
    assert "Sales East" in page and "Marketing" in page  # the existing teams
    for value, label in Role.choices:
        assert f'value="{value}"' in page and str(label) in page


def test_an_administrator_adds_a_colleague_and_sees_the_password_once(personas: Any, admin: Any) -> None:
    response = admin.post(NEW_URL, colleague())
    assert response.status_code == 200, response.content.decode()[:3000]
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert_clean_page(page)
    password = shown_password(response)
    assert "out of band" in page and "two-factor authentication" in page and "choose their own password" in page
    user = get_user_model().objects.get(username="mei.chen")
    assert (user.first_name, user.last_name, user.email) == ("Mei", "Chen", "mei.chen@bastion.test")
    assert user.check_password(password) and user.is_active
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.SALES_REP and membership.must_change_password and membership.is_active
    assert [team.name for team in membership.teams.all()] == ["Sales East"]
    event = AuditEvent.objects.get(kind=EventKind.USER_CREATED)
    assert event.actor_id == personas.admin.pk and event.target_id == str(user.pk)
    assert event.changes == {"role": {"old": None, "new": "sales_rep"}, "teams": {"old": [], "new": ["Sales East"]}}
    assert password not in audit_text()
    assert_not_kept(admin, password)
    assert password not in admin.get(reverse("accounts:staff")).content.decode()  # never shown again
    # The colleague signs in with it; a second factor comes first, then their own password.
    newcomer = admin.__class__()
    signed = password_sign_in(newcomer, "mei.chen", password)
    assert signed.status_code == 302
    assert newcomer.get(reverse("directory:contact-list"))["Location"] == reverse("mfa_activate_totp")


def test_a_duplicate_username_in_any_case_is_refused_on_its_field(personas: Any, admin: Any) -> None:
    before = get_user_model().objects.count()
    response = admin.post(NEW_URL, colleague(username="REP_East"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Nobody was added" in page and "Username: A user named REP_East already exists." in page
    assert re.search(r'<input[^>]*name="username"[^>]*aria-invalid="true"', page)
    assert re.search(r'aria-describedby="[^"]*id_username_error', page) and 'id="id_username_error"' in page
    assert 'value="mei.chen@bastion.test"' in page  # what was typed is kept
    assert get_user_model().objects.count() == before
    assert not AuditEvent.objects.filter(kind=EventKind.USER_CREATED).exists()
    both = admin.post(NEW_URL, colleague(username="admin", email="nope")).content.decode()  # every problem at once
    assert "Username: A user named admin already exists." in both and "Email: Enter a valid email address" in both
    with pytest.raises(ValidationError) as raised:  # the action checks again when it writes
        staff.add_member(personas.admin, username="Rep_West", email="w@bastion.test", role=Role.SALES_REP)
    assert raised.value.message_dict == {"username": ["A user named Rep_West already exists."]}
    assert get_user_model().objects.count() == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"username": "  "}, "Username", "Enter a username."),
        ({"username": "mei chen!"}, "Username", "Enter a valid username."),
        ({"email": ""}, "Email", "Enter an email address."),
        ({"email": "not-an-address"}, "Email", "Enter a valid email address"),
        ({"role": ""}, "Role", "Choose a role."),
        ({"role": "emperor"}, "Role", "emperor is not a role."),
        ({"teams": ["00000000-0000-0000-0000-000000000000"]}, "Teams", "One of the chosen teams no longer exists."),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_field(
    personas: Any, admin: Any, changes: dict[str, Any], field: str, message: str
) -> None:
    before = get_user_model().objects.count()
    response = admin.post(NEW_URL, colleague(**changes))
    page = response.content.decode()
    assert response.status_code == 400
    assert f"{field}: {message}" in page, page[:4000]
    assert get_user_model().objects.count() == before and not Membership.objects.filter(user__username="mei.chen").exists()
    assert not AuditEvent.objects.filter(kind=EventKind.USER_CREATED).exists()


@pytest.mark.parametrize("who", ["rep_east", "sales_manager", "auditor", "outsider"])
def test_nobody_but_an_administrator_adds_a_colleague(personas: Any, signed_in: Any, who: str) -> None:
    client = signed_in(getattr(personas, who))
    step_up(client, getattr(personas, who))
    before = get_user_model().objects.count()
    assert client.get(NEW_URL).status_code == 403
    response = client.post(NEW_URL, colleague())
    assert response.status_code == 403 and "one-time-password" not in response.content.decode()
    assert get_user_model().objects.count() == before
    assert not get_user_model().objects.filter(username="mei.chen").exists()
    assert not AuditEvent.objects.filter(kind=EventKind.USER_CREATED).exists()
    with pytest.raises(PermissionDenied):
        staff.add_member(getattr(personas, who), username="x", email="x@bastion.test", role=Role.ADMINISTRATOR)
    assert not get_user_model().objects.filter(username="x").exists()


def test_adding_a_colleague_needs_a_fresh_second_factor_then_resumes(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.admin)  # signed in long ago, as far as the session knows
    assert client.get(NEW_URL).status_code == 200  # looking needs no step-up
    response = client.post(NEW_URL, colleague())
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/reauthenticate/")
    assert not get_user_model().objects.filter(username="mei.chen").exists()
    assert not AuditEvent.objects.filter(kind=EventKind.USER_CREATED).exists()
    # Confirming the second factor replays the kept POST: the password shows in that response.
    resumed = client.post(response["Location"], {"code": current_totp_code(enrol_totp(personas.admin))})
    assert resumed.status_code == 200 and resumed["Cache-Control"] == "no-store"
    password = shown_password(resumed)
    assert get_user_model().objects.get(username="mei.chen").check_password(password)
    assert_not_kept(client, password)


# --- a new one-time password ---------------------------------------------------------------------------


def test_the_member_page_offers_it_and_the_confirmation_asks_first(personas: Any, admin: Any) -> None:
    page = admin.get(reverse("accounts:staff-member", args=[personas.rep_east.pk])).content.decode()
    assert f'href="{reset_url(personas.rep_east)}"' in page
    confirm = admin.get(reset_url(personas.rep_east))
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "Issue rep_east a new one-time password?" in text
    assert 'name="confirmed" value="yes"' in text
    assert_clean_page(text)
    old_hash = fresh(personas.rep_east).password
    assert admin.post(reset_url(personas.rep_east), {}).status_code == 200  # not confirmed: asks again
    assert fresh(personas.rep_east).password == old_hash
    assert not AuditEvent.objects.filter(kind=EventKind.PASSWORD_CHANGED).exists()


def test_issuing_a_one_time_password_replaces_the_old_one_and_ends_sessions(personas: Any, signed_in: Any) -> None:
    member_client = signed_in(personas.rep_east)
    assert member_client.get(reverse("directory:contact-list")).status_code == 200
    admin = signed_in(personas.admin)
    step_up(admin, personas.admin)
    response = admin.post(reset_url(personas.rep_east), {"confirmed": "yes"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert_clean_page(page)
    password = shown_password(response)
    assert "out of band" in page and "choose their own password" in page
    member = fresh(personas.rep_east)
    assert member.check_password(password) and not member.check_password(PERSONA_PASSWORD)
    assert member.membership.must_change_password and member.membership.role == Role.SALES_REP
    assert member_client.get(reverse("directory:contact-list")).status_code == 302  # signed out
    event = AuditEvent.objects.get(kind=EventKind.PASSWORD_CHANGED)
    assert event.actor_id == personas.admin.pk and event.target_id == str(member.pk)
    assert event.extra["one_time_password"] is True and event.extra["by_administrator"] is True
    assert event.extra["sessions_ended"] >= 1
    assert AuditEvent.objects.filter(kind=EventKind.SESSION_ENDED_BY_ADMIN, target_id=str(member.pk)).exists()
    assert password not in audit_text()
    assert_not_kept(admin, password)
    # The old password no longer signs in; the new one does (then their second factor, then a new password).
    from django.test import Client

    assert password_sign_in(Client(), "rep_east", PERSONA_PASSWORD).status_code == 200
    signed = password_sign_in(Client(), "rep_east", password)
    assert signed.status_code == 302 and signed["Location"] == "/accounts/2fa/authenticate/"


def test_the_api_tokens_are_revoked_with_the_password_unless_the_administrator_keeps_them(personas: Any, signed_in: Any) -> None:
    from bastion.accounts.tokens import issue_token, verify_token

    east = [issue_token(personas.rep_east, name=name, days=5).plaintext for name in ("laptop", "sync")]
    expired = issue_token(personas.rep_east, name="old", days=5).token
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    west = issue_token(personas.rep_west, name="cli", days=5).plaintext
    admin = signed_in(personas.admin)
    step_up(admin, personas.admin)
    asked = admin.get(reset_url(personas.rep_east)).content.decode()
    assert "Their 2 API tokens are revoked too" in asked  # the usable ones
    assert 'name="keep_tokens" value="yes" id="id_keep_tokens" data-testid="keep-tokens">' in asked  # not ticked
    late = issue_token(personas.rep_east, name="made while the page was open", days=5).plaintext
    issued = admin.post(reset_url(personas.rep_east), {"confirmed": "yes"}).content.decode()  # the box not sent
    assert "3 API tokens were revoked." in issued
    assert [verify_token(token) for token in [*east, late]] == [None, None, None]
    assert ApiToken.objects.get(pk=expired.pk).revoked_at is None  # expired: left as it is, not counted
    event = AuditEvent.objects.get(kind=EventKind.PASSWORD_CHANGED, target_id=str(personas.rep_east.pk))
    assert event.extra["tokens_revoked"] == 3
    # Kept on purpose (the box ticked): the password changes, the token keeps working.
    kept = admin.post(reset_url(personas.rep_west), {"confirmed": "yes", "keep_tokens": "yes"}).content.decode()
    assert "revoked" not in kept and verify_token(west) is not None
    assert (
        AuditEvent.objects.get(kind=EventKind.PASSWORD_CHANGED, target_id=str(personas.rep_west.pk)).extra["tokens_revoked"] == 0
    )
    assert (
        "They have no API tokens in use; any made before you confirm is revoked."
        in admin.get(reset_url(personas.rep_east)).content.decode()
    )


def test_an_administrator_cannot_reset_their_own_password_here(personas: Any, admin: Any) -> None:
    old_hash = fresh(personas.admin).password
    page = admin.get(reverse("accounts:staff-member", args=[personas.admin.pk])).content.decode()
    assert reset_url(personas.admin) not in page and "To change your own password" in page
    asked = admin.get(reset_url(personas.admin)).content.decode()
    assert "You cannot issue yourself a one-time password" in asked and 'name="confirmed"' not in asked
    response = admin.post(reset_url(personas.admin), {"confirmed": "yes"})
    text = response.content.decode()
    assert response.status_code == 403 and "You cannot issue yourself a one-time password" in text
    assert 'data-testid="one-time-password"' not in text and reverse("account_change_password") in text
    assert fresh(personas.admin).password == old_hash and not fresh(personas.admin).membership.must_change_password
    assert not AuditEvent.objects.filter(kind=EventKind.PASSWORD_CHANGED).exists()
    with pytest.raises(PermissionDenied):
        staff.issue_one_time_password(personas.admin, personas.admin)


def test_a_disabled_member_gets_no_one_time_password(personas: Any, admin: Any) -> None:
    staff.disable(personas.admin, personas.rep_west)
    old_hash = fresh(personas.rep_west).password
    page = admin.get(reverse("accounts:staff-member", args=[personas.rep_west.pk])).content.decode()
    assert reset_url(personas.rep_west) not in page
    asked = admin.get(reset_url(personas.rep_west)).content.decode()
    assert "rep_west is disabled: a disabled account cannot be given a one-time password." in asked
    response = admin.post(reset_url(personas.rep_west), {"confirmed": "yes"})
    text = response.content.decode()
    assert response.status_code == 400 and "rep_west is disabled" in text and 'data-testid="one-time-password"' not in text
    member = fresh(personas.rep_west)
    assert member.password == old_hash and not member.membership.must_change_password
    assert not AuditEvent.objects.filter(kind=EventKind.PASSWORD_CHANGED).exists()
    with pytest.raises(ValidationError):
        staff.issue_one_time_password(personas.admin, member)


def test_an_account_without_membership_gets_no_one_time_password(personas: Any, admin: Any) -> None:
    old_hash = fresh(personas.outsider).password
    response = admin.post(reset_url(personas.outsider), {"confirmed": "yes"})
    assert response.status_code == 400 and "outsider has no membership" in response.content.decode()
    assert fresh(personas.outsider).password == old_hash


@pytest.mark.parametrize("who", ["rep_east", "sales_manager", "auditor", "outsider"])
def test_nobody_but_an_administrator_issues_one(personas: Any, signed_in: Any, who: str) -> None:
    client = signed_in(getattr(personas, who))
    step_up(client, getattr(personas, who))
    target = personas.rep_west
    old_hash = fresh(target).password
    assert client.get(reset_url(target)).status_code == 403
    response = client.post(reset_url(target), {"confirmed": "yes"})
    assert response.status_code == 403 and 'data-testid="one-time-password"' not in response.content.decode()
    member = fresh(target)
    assert member.password == old_hash and not member.membership.must_change_password
    assert not AuditEvent.objects.filter(kind__in=(EventKind.PASSWORD_CHANGED, EventKind.SESSION_ENDED_BY_ADMIN)).exists()
    with pytest.raises(PermissionDenied):
        staff.issue_one_time_password(getattr(personas, who), target)


def test_issuing_one_needs_a_fresh_second_factor(personas: Any, signed_in: Any) -> None:
    member_client = signed_in(personas.rep_east)
    client = signed_in(personas.admin)
    old_hash = fresh(personas.rep_east).password
    response = client.post(reset_url(personas.rep_east), {"confirmed": "yes"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/reauthenticate/")
    member = fresh(personas.rep_east)
    assert member.password == old_hash and not member.membership.must_change_password
    assert member_client.get(reverse("directory:contact-list")).status_code == 200  # still signed in
    assert not AuditEvent.objects.filter(kind__in=(EventKind.PASSWORD_CHANGED, EventKind.SESSION_ENDED_BY_ADMIN)).exists()


# --- the staff list ------------------------------------------------------------------------------------


def test_the_staff_list_shows_names_and_falls_back_to_the_username(personas: Any, admin: Any) -> None:
    get_user_model().objects.filter(pk=personas.rep_east.pk).update(first_name="Erin", last_name="Eastbrook")
    staff.add_member(
        personas.admin, username="li.na", email="li.na@bastion.test", role=Role.SALES_MANAGER, first_name="Na", last_name="Li"
    )
    page = admin.get(reverse("accounts:staff")).content.decode()
    assert "<td>Erin Eastbrook</td>" in page and "<td>Na Li</td>" in page
    assert "<td>rep_west</td>" in page  # no name: the username
