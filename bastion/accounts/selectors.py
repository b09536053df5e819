"""Read queries about staff accounts, always about the signed-in user's own data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from bastion.accounts.mfa import has_second_factor
from bastion.accounts.models import ApiToken, Membership
from bastion.kernel.access.roles import Role


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
