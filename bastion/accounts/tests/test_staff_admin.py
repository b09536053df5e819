"""Item 7 of issue 5: staff administration (role, teams, disabling; UI and console), automatic
disabling after 90 days without activity, and the access review with its sign-off and export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from bastion.accounts import staff
from bastion.accounts.models import AccessReview, ApiToken, Membership, RecordAccessDefault, RecordShare, Team
from bastion.accounts.testing import step_up
from bastion.accounts.tokens import issue_token
from bastion.kernel.access.roles import Role, role_of
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def fresh(user: Any) -> Any:
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def admin(personas: Any, signed_in: Any) -> Any:
    """The administrator, signed in, with a second factor confirmed just now (step-up)."""
    client = signed_in(personas.admin)
    step_up(client, personas.admin)
    return client


# --- role and teams ------------------------------------------------------------------------------


def test_an_administrator_changes_a_role_in_the_ui_and_it_is_audited(personas: Any, admin: Any) -> None:
    url = reverse("accounts:staff-member", args=[personas.rep_east.pk])
    assert "rep_east" in admin.get(reverse("accounts:staff")).content.decode()
    assert admin.post(url, {"role": Role.SALES_MANAGER}).status_code == 302
    assert role_of(fresh(personas.rep_east)) == Role.SALES_MANAGER
    event = AuditEvent.objects.get(kind=EventKind.ROLE_CHANGED)
    assert event.changes == {"role": {"old": "sales_rep", "new": "sales_manager"}} and event.actor_id == personas.admin.pk
    assert admin.post(url, {"role": "emperor"}).status_code == 400
    assert AuditEvent.objects.filter(kind=EventKind.ROLE_CHANGED).count() == 1


def test_changing_roles_or_exporting_the_review_needs_a_fresh_second_factor(personas: Any, signed_in: Any) -> None:
    """Step-up (docs/adr/0031): without a second factor confirmed in the last 5 minutes, nothing changes."""
    client = signed_in(personas.admin)  # signed in long ago, as far as the session knows
    member_url = reverse("accounts:staff-member", args=[personas.rep_east.pk])
    assert client.get(member_url).status_code == 200  # looking needs no step-up
    for url, data in (
        (member_url, {"role": Role.ADMINISTRATOR}),
        (reverse("accounts:staff-disable", args=[personas.rep_east.pk]), {"confirmed": "yes"}),
        (reverse("accounts:record-defaults"), {"directory.contact": "public"}),
    ):
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/reauthenticate/")
    export = client.get(reverse("accounts:access-review-csv"))
    assert export.status_code == 302 and "rep_east" not in export.content.decode()
    member = fresh(personas.rep_east)
    assert role_of(member) == Role.SALES_REP and member.is_active and not RecordAccessDefault.objects.exists()
    assert not AuditEvent.objects.filter(
        kind__in=(EventKind.ROLE_CHANGED, EventKind.USER_DISABLED, EventKind.SETTING_CHANGED, EventKind.EXPORTED)
    ).exists()


def test_an_administrator_sets_teams_and_managed_teams(personas: Any, admin: Any) -> None:
    west, service = Team.objects.get(name="Sales West"), Team.objects.get(name="Service")
    url = reverse("accounts:staff-member", args=[personas.rep_east.pk])
    assert admin.post(url, {"teams": [str(west.pk)], "managed": [str(service.pk)]}).status_code == 302
    member = fresh(personas.rep_east)
    assert list(member.membership.teams.all()) == [west] and list(member.managed_teams.all()) == [service]
    event = AuditEvent.objects.get(kind=EventKind.TEAMS_CHANGED)
    assert event.changes == {
        "teams": {"old": ["Sales East"], "new": ["Sales West"]},
        "managed_teams": {"old": [], "new": ["Service"]},
    }


def test_only_administrators_change_staff_and_not_their_own_role(personas: Any, signed_in: Any) -> None:
    for who in ("sales_manager", "auditor", "rep_west", "outsider"):
        client = signed_in(getattr(personas, who))
        url = reverse("accounts:staff-member", args=[personas.rep_east.pk])
        assert client.get(url).status_code == 403
        response = client.post(url, {"role": Role.ADMINISTRATOR})
        assert response.status_code == 403 and "rep_east" not in response.content.decode()
        assert (
            client.post(reverse("accounts:staff-disable", args=[personas.rep_east.pk]), {"confirmed": "yes"}).status_code == 403
        )
    assert role_of(fresh(personas.rep_east)) == Role.SALES_REP and fresh(personas.rep_east).is_active
    with pytest.raises(PermissionDenied):
        staff.change_role(personas.admin, personas.admin, Role.SALES_REP)
    assert not AuditEvent.objects.filter(kind__in=(EventKind.ROLE_CHANGED, EventKind.USER_DISABLED)).exists()
    assert signed_in(personas.admin).get(reverse("accounts:staff-member", args=[999999])).status_code == 404


# --- disabling ----------------------------------------------------------------------------------


def test_disabling_in_the_ui_asks_first_then_ends_sessions_and_tokens_at_once(personas: Any, signed_in: Any) -> None:
    victim_client = signed_in(personas.rep_east)
    assert victim_client.get(reverse("directory:contact-list")).status_code == 200
    issue_token(personas.rep_east, name="laptop", days=5)
    admin = signed_in(personas.admin)
    step_up(admin, personas.admin)
    url = reverse("accounts:staff-disable", args=[personas.rep_east.pk])
    page = admin.get(url).content.decode()
    assert "Disable rep_east?" in page and 'name="confirmed" value="yes"' in page
    admin.post(url, {})  # not confirmed
    assert fresh(personas.rep_east).is_active
    assert admin.post(url, {"confirmed": "yes"}).status_code == 302
    assert not fresh(personas.rep_east).is_active
    assert not ApiToken.objects.filter(user=personas.rep_east, revoked_at__isnull=True).exists()
    assert victim_client.get(reverse("directory:contact-list")).status_code == 302  # signed out
    event = AuditEvent.objects.get(kind=EventKind.USER_DISABLED)
    assert event.extra["tokens_revoked"] == 1 and event.extra["sessions_ended"] >= 1


def test_an_administrator_cannot_disable_themselves(personas: Any, admin: Any) -> None:
    response = admin.post(reverse("accounts:staff-disable", args=[personas.admin.pk]), {"confirmed": "yes"})
    assert response.status_code == 403 and "You cannot disable your own account." in response.content.decode()
    assert fresh(personas.admin).is_active


def test_the_console_disables_and_changes_roles(personas: Any) -> None:
    out = StringIO()
    call_command("staff", "role", "rep_west", "read_only", stdout=out)
    assert "now has the role read_only" in out.getvalue() and role_of(fresh(personas.rep_west)) == Role.READ_ONLY
    event = AuditEvent.objects.get(kind=EventKind.ROLE_CHANGED)
    assert event.extra == {"via": "operator"} and event.actor_id is None
    issue_token(personas.rep_west, name="cli", days=3)
    out = StringIO()
    call_command("staff", "disable", "rep_west", stdout=out)
    assert "1 API tokens revoked" in out.getvalue() and not fresh(personas.rep_west).is_active
    with pytest.raises(CommandError, match="already disabled"):
        call_command("staff", "disable", "rep_west", stdout=StringIO())
    with pytest.raises(CommandError, match="No user is called nobody"):
        call_command("staff", "role", "nobody", "marketer", stdout=StringIO())


# --- inactivity ---------------------------------------------------------------------------------


def test_members_inactive_for_90_days_are_disabled_by_the_job(personas: Any) -> None:
    from bastion.accounts.tasks import disable_inactive_members_daily

    long_ago = timezone.now() - dt.timedelta(days=91)
    get_user_model().objects.update(date_joined=long_ago, last_login=long_ago)
    get_user_model().objects.filter(pk=personas.rep_east.pk).update(last_login=timezone.now() - dt.timedelta(days=10))
    token = issue_token(personas.marketer, name="sync", days=30).token
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - dt.timedelta(days=2))  # active through the API
    disable_inactive_members_daily.call_local()
    active = set(get_user_model().objects.filter(is_active=True).values_list("username", flat=True))
    assert active == {"rep_east", "marketer", "outsider"}  # the outsider has no membership to disable
    assert not Membership.objects.filter(user=personas.rep_west, is_active=True).exists()
    events = AuditEvent.objects.filter(kind=EventKind.USER_DISABLED)
    assert events.count() == 5 and all(e.extra["reason"] == "inactive for 90 days" for e in events)


def test_the_inactivity_limit_is_configurable(personas: Any, settings: Any) -> None:
    settings.ACCESS_INACTIVE_DAYS = 30
    get_user_model().objects.update(date_joined=timezone.now() - dt.timedelta(days=45))
    assert {u.username for u in staff.inactive_members()} == {
        "admin",
        "rep_east",
        "rep_west",
        "sales_manager",
        "service_agent",
        "marketer",
        "auditor",
    }
    settings.ACCESS_INACTIVE_DAYS = 60
    assert staff.inactive_members() == []


# --- the access review ----------------------------------------------------------------------------


def test_the_review_lists_roles_teams_shares_and_tokens_and_is_signed_off(personas: Any, signed_in: Any) -> None:
    from bastion.directory import actions

    contact = actions.create_contact(personas.rep_east, {"given_name": "Erin", "family_name": "Eastbrook"})
    RecordShare.objects.create(
        object_type="directory.contact", object_id=contact.pk, user=personas.marketer, level="read",
        expires_at=timezone.now() + dt.timedelta(days=3),
    )  # fmt: skip
    issue_token(personas.rep_west, name="phone sync", days=10)
    client = signed_in(personas.auditor)  # a security officer runs the review
    page = client.get(reverse("accounts:access-review")).content.decode()
    assert "never been signed off" in page and "A review is due" in page
    assert "phone sync" in page and f"directory.contact {contact.pk}" in page and "Sales East" in page
    assert "Eastbrook" not in page  # who may see what, never customer data
    bad = client.post(reverse("accounts:access-review"), {"note": "x"})
    assert bad.status_code == 400 and not AccessReview.objects.exists()
    response = client.post(reverse("accounts:access-review"), {"note": "All fine; removed nobody.", "confirmed": "on"})
    assert response.status_code == 302
    review = AccessReview.objects.get()
    assert review.signed_by == personas.auditor and review.members == 8 and review.shares == 1 and review.tokens == 1
    page = client.get(reverse("accounts:access-review")).content.decode()
    assert "Last signed off on" in page and "by auditor" in page and "The next review is due by" in page
    event = AuditEvent.objects.get(kind=EventKind.ACCESS_REVIEW_SIGNED)
    assert event.actor_id == personas.auditor.pk and event.extra == {"members": 8, "shares": 1, "tokens": 1}


def test_the_review_is_due_six_months_after_the_last_sign_off(personas: Any) -> None:
    review = staff.sign_off_review(personas.admin, "", members=1, shares=0, tokens=0)
    AccessReview.objects.filter(pk=review.pk).update(signed_at=timezone.now() - dt.timedelta(days=183))
    assert staff.review_due_at() < timezone.now()
    staff.sign_off_review(personas.admin, "again", members=1, shares=0, tokens=0)
    assert staff.review_due_at() > timezone.now() + dt.timedelta(days=180)


def test_the_review_export_is_csv_and_audited(personas: Any, admin: Any) -> None:
    response = admin.get(reverse("accounts:access-review-csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_name = {row["username"]: row for row in rows}
    assert (
        by_name["sales_manager"]["teams"] == "Sales East; Sales West"
        and by_name["sales_manager"]["manages"] == "Sales East; Sales West"
    )
    assert by_name["outsider"]["role"] == "—" and by_name["rep_east"]["role"] == "Sales rep"
    assert AuditEvent.objects.filter(kind=EventKind.EXPORTED, target_type="accounts.accessreview").count() == 1


def test_the_review_is_closed_to_everyone_else(personas: Any, signed_in: Any) -> None:
    for who in ("sales_manager", "rep_east", "marketer", "outsider"):
        client = signed_in(getattr(personas, who))
        assert client.get(reverse("accounts:access-review")).status_code == 403
        assert client.get(reverse("accounts:access-review-csv")).status_code == 403
        assert client.post(reverse("accounts:access-review"), {"confirmed": "on"}).status_code == 403
    assert not AccessReview.objects.exists()
    assert not AuditEvent.objects.filter(kind__in=(EventKind.EXPORTED, EventKind.ACCESS_REVIEW_SIGNED)).exists()
