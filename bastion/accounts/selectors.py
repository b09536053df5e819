"""Read queries about staff accounts: the signed-in user's own data, and the teams they may file records in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from bastion.accounts.mfa import has_second_factor
from bastion.accounts.models import ApiToken, Membership, Team
from bastion.kernel.access.roles import Role, policy_of


@dataclass(frozen=True)
class Profile:
    username: str
    email: str
    role: str | None
    role_label: str | None
    teams: list[str]
    active: bool
    has_second_factor: bool


def membership_of(user: Any) -> Membership | None:
    membership: Membership | None = Membership.objects.filter(user_id=user.pk).prefetch_related("teams").first()
    return membership


def profile_of(user: Any) -> Profile:
    membership = membership_of(user)
    role = membership.role if membership is not None else None
    return Profile(
        username=user.get_username(),
        email=user.email,
        role=role,
        role_label=str(Role(role).label) if role in Role.values else None,
        teams=[team.name for team in membership.teams.all()] if membership is not None else [],
        active=bool(user.is_active and (membership is None or membership.is_active)),
        has_second_factor=has_second_factor(user),
    )


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    """The user's own API tokens, newest first. Never anybody else's."""
    return ApiToken.objects.filter(user_id=user.pk).order_by("-created_at")


def sessions_of(user: Any) -> list[Any]:
    """The user's live sessions (stale rows are dropped on the way), oldest first."""
    from allauth.usersessions.models import UserSession

    return sorted(UserSession.objects.purge_and_list(user), key=lambda session: session.created_at)


def record_teams_for(user: Any) -> QuerySet[Team]:
    """Teams ``user`` may put a record in: their own and those they manage (every team, for administrators)."""
    policy = policy_of(user)
    if policy is None:
        return Team.objects.none()
    if policy.all_records:
        return Team.objects.order_by("name")
    mine = Q(members__user_id=user.pk) | Q(managers__id=user.pk)
    return Team.objects.filter(pk__in=Team.objects.filter(mine).values("pk")).order_by("name")


def default_team_of(user: Any) -> Team | None:
    """The team a new record of ``user``'s gets: their first team by name (None without one)."""
    if user is None or not getattr(user, "pk", None):
        return None
    return Team.objects.filter(members__user_id=user.pk).order_by("name").first()


def staff_member(user_id: Any) -> Any:
    """Any user account by id (for administrators' staff pages), or None."""
    return get_user_model().objects.filter(pk=user_id).first() if str(user_id).isdigit() else None


def must_change_password(user: Any) -> bool:
    """Whether ``user`` signed in with a one-time password and must choose their own before anything else."""
    membership = getattr(user, "membership", None)
    return bool(membership is not None and membership.must_change_password)


def sign_in_unfinished(user: Any) -> bool:
    """Whether signed-in ``user`` is still held at set-up by RequireMfaMiddleware: no second factor
    yet, or a one-time password to replace. Such a user can reach only those set-up pages, so
    they get no app menu and no "Successfully signed in." message."""
    if not getattr(user, "is_authenticated", False):
        return False
    return not has_second_factor(user) or must_change_password(user)


def staff_member_id_named(username: str) -> int | None:
    """The id of the user account whose user name is ``username`` (any case; for the auditor's filter), or None."""
    return get_user_model().objects.filter(username__iexact=username).values_list("pk", flat=True).first()


def all_teams() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def security_alert_recipients() -> list[str]:
    """Where security alerts are emailed: every active security officer with an email address, or,
    when the organisation has none, every active administrator."""
    for role in (Role.SECURITY_OFFICER, Role.ADMINISTRATOR):
        emails = (
            Membership.objects.filter(role=role, is_active=True, user__is_active=True)
            .exclude(user__email="")
            .order_by("user__email")
            .values_list("user__email", flat=True)
        )
        found = list(dict.fromkeys(emails))
        if found:
            return found
    return []
