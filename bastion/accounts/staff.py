"""Administering staff: role, teams, disabling, inactivity, and the access review's sign-off.

Each function here is the single entry point of its change, so a step-up check of the second
factor (issue 5, item 6) belongs in the view just in front of the call. Every change is an
audit event written in the same transaction:

- :func:`add_member` → ``staff.created`` with the role and teams (bastion.accounts.actions.create_staff_user);
- :func:`change_role` → ``staff.role_changed`` with the old and new role;
- :func:`set_teams` → ``staff.teams_changed`` with the old and new teams and managed teams;
- :func:`disable` (and :func:`disable_inactive`, the daily job) → ``staff.disabled``, ending
  every session and revoking every API token at once (bastion.accounts.actions.disable_member);
- :func:`issue_one_time_password` → ``password.changed`` (by the administrator, never the password
  itself, with how many API tokens it revoked) and ``session.ended_by_admin``;
- :func:`sign_off_review` → ``access_review.signed_off``.

An administrator is the actor in the UI; the console (``bastion staff``) and the job act as the
operator (``actor=None``), which the audit trail records as such.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.actions import (
    DisableResult,
    _new_valid_one_time_password,
    create_staff_user,
    disable_user,
    end_all_sessions,
    revoke_all_tokens,
)
from bastion.accounts.models import AccessReview, ApiToken, Membership, Team
from bastion.kernel.access.roles import Role, policy_of
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import Target, record_event

OPERATOR = None  # the console or a scheduled job: no signed-in actor


def can_manage_staff(user: Any) -> bool:
    """Administrators manage staff (roles, teams, disabling)."""
    policy = policy_of(user)
    return policy is not None and policy.manages_users


def can_review_access(user: Any) -> bool:
    """Administrators and security officers run the access review."""
    policy = policy_of(user)
    return policy is not None and (policy.manages_users or policy.audit_trail)


def _require_admin(actor: Any, *, operator: bool) -> None:
    if operator:
        return
    if not can_manage_staff(actor):
        raise PermissionDenied(_("Only an administrator can change members of staff."))


def _membership(user: Any) -> Membership:
    membership = Membership.objects.select_for_update().filter(user_id=user.pk).first()
    if membership is None:
        raise ValidationError({"user": [_("%(user)s has no membership.") % {"user": user.get_username()}]})
    return membership


def change_role(actor: Any, user: Any, role: str, *, operator: bool = False) -> bool:
    """Give ``user`` the role ``role``; False if it already was theirs. Not one's own role (no self-promotion or lock-out)."""
    _require_admin(actor, operator=operator)
    if role not in Role.values:
        raise ValidationError(
            {"role": [_("%(role)s is not a role. Choose one of: %(roles)s.") % {"role": role, "roles": ", ".join(Role.values)}]}
        )
    if not operator and actor.pk == user.pk:
        raise PermissionDenied(_("You cannot change your own role; ask another administrator."))
    with transaction.atomic():
        membership = _membership(user)
        old = membership.role
        if old == role:
            return False
        membership.role = role
        membership.save(update_fields=["role"])
        record_event(
            EventKind.ROLE_CHANGED, actor=actor, target=user, changes={"role": {"old": old, "new": role}}, extra=_via(operator)
        )
    return True


def set_teams(actor: Any, user: Any, teams: Iterable[Team], managed: Iterable[Team], *, operator: bool = False) -> bool:
    """Set the teams ``user`` belongs to and the teams they manage; False if nothing changed."""
    _require_admin(actor, operator=operator)
    teams, managed = sorted(set(teams), key=lambda t: t.name), sorted(set(managed), key=lambda t: t.name)
    with transaction.atomic():
        membership = _membership(user)
        old_teams = sorted(membership.teams.values_list("name", flat=True))
        old_managed = sorted(Team.objects.filter(managers=user).values_list("name", flat=True))
        new_teams, new_managed = [t.name for t in teams], [t.name for t in managed]
        if (old_teams, old_managed) == (new_teams, new_managed):
            return False
        membership.teams.set(teams)
        user.managed_teams.set(managed)
        changes = {}
        if old_teams != new_teams:
            changes["teams"] = {"old": old_teams, "new": new_teams}
        if old_managed != new_managed:
            changes["managed_teams"] = {"old": old_managed, "new": new_managed}
        record_event(EventKind.TEAMS_CHANGED, actor=actor, target=user, changes=changes, extra=_via(operator))
    return True


def disable(actor: Any, user: Any, *, operator: bool = False, reason: str = "") -> DisableResult:
    """Disable ``user``: no sign-in, every session ended, every token revoked, in one transaction."""
    _require_admin(actor, operator=operator)
    if not operator and actor.pk == user.pk:
        raise PermissionDenied(_("You cannot disable your own account."))
    return disable_user(user, actor=actor, extra={**_via(operator), **({"reason": reason} if reason else {})})


def _via(operator: bool) -> dict[str, str]:
    return {"via": "operator"} if operator else {}


# --- adding a colleague and issuing a one-time password ---------------------------------------------


def add_member(
    actor: Any, *, username: str, email: str, role: str, teams: Iterable[Team] = (), first_name: str = "", last_name: str = ""
) -> tuple[Any, str]:
    """Create a colleague with a generated one-time password; return ``(user, one_time_password)``.

    The password is returned once and stored only as a hash; the colleague sets up a second factor and
    chooses their own password at first sign-in (``must_change_password``). Audited as ``staff.created``.
    """
    _require_admin(actor, operator=False)
    try:
        user, password = create_staff_user(
            username, email, role, list(teams), actor=actor, first_name=first_name, last_name=last_name
        )
    except IntegrityError as exc:  # the same name added at the same moment by someone else
        message = _("A user named %(username)s already exists.") % {"username": username.strip()}
        raise ValidationError({"username": [message]}) from exc
    assert password is not None  # noqa: S101 - no password given and a usable one asked for: one was generated
    return user, password


@dataclass(frozen=True)
class IssuedPassword:
    password: str
    sessions_ended: int
    tokens_revoked: int = 0


def _own_password_message() -> str:
    return _("You cannot issue yourself a one-time password. Change your own password from your profile instead.")


def one_time_password_refusal(actor: Any, user: Any) -> str | None:
    """Why ``actor`` may not issue ``user`` a one-time password now (None if they may), for the page and the action."""
    if not can_manage_staff(actor):
        return _("Only an administrator can change members of staff.")
    if actor.pk == user.pk:
        return _own_password_message()
    name = user.get_username()
    membership = Membership.objects.filter(user_id=user.pk).first()
    active = get_user_model().objects.filter(pk=user.pk, is_active=True).exists()
    if not active or (membership is not None and not membership.is_active):
        return _("%(user)s is disabled: a disabled account cannot be given a one-time password.") % {"user": name}
    if membership is None:
        return _("%(user)s has no membership: give them a role before a password.") % {"user": name}
    return None


def issue_one_time_password(actor: Any, user: Any, *, revoke_tokens: bool = True) -> IssuedPassword:
    """Give the active member ``user`` a fresh one-time password, end every session of theirs, and make them
    choose their own at the next sign-in. The password is returned once and never recorded.

    Every usable API token of theirs is revoked too, in the same transaction (the password may have
    been taken, and a token made with it would still work), unless ``revoke_tokens`` is False: the
    administrator chose to keep integrations working. Tokens made while the page was open are revoked as well.

    Not to oneself (an administrator changes their own password from the profile) and not to a
    disabled account. Audited as ``password.changed`` by the administrator.
    """
    _require_admin(actor, operator=False)
    if actor.pk == user.pk:
        raise PermissionDenied(_own_password_message())
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(user_id=user.pk).first()  # judged as locked
        refusal = one_time_password_refusal(actor, user)
        if refusal is not None or membership is None:  # no membership is one of the refusals
            raise ValidationError(refusal or "")
        password = _new_valid_one_time_password(user)
        user.set_password(password)
        user.save(update_fields=["password"])
        membership.must_change_password = True
        membership.save(update_fields=["must_change_password"])
        sessions_ended = end_all_sessions(user, actor=actor)
        tokens_revoked = revoke_all_tokens(user) if revoke_tokens else 0
        extra = {
            "one_time_password": True, "by_administrator": True, "sessions_ended": sessions_ended,
            "tokens_revoked": tokens_revoked,
        }  # fmt: skip
        record_event(EventKind.PASSWORD_CHANGED, actor=actor, target=user, extra=extra)
    return IssuedPassword(password=password, sessions_ended=sessions_ended, tokens_revoked=tokens_revoked)


# --- inactivity ------------------------------------------------------------------------------


def inactive_members(now: dt.datetime | None = None, days: int | None = None) -> list[Any]:
    """Active members with no sign-in and no API-token use for ``days`` (BASTION_INACTIVE_DAYS, 90).

    A member who never signed in counts from the day the account was created.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days if days is not None else settings.ACCESS_INACTIVE_DAYS)
    users = get_user_model().objects.filter(is_active=True, membership__is_active=True)
    joined = F("date_joined")
    last_seen = Greatest(Coalesce("last_login", joined), Coalesce(Max("api_tokens__last_used_at"), joined), joined)
    return list(users.annotate(last_seen=last_seen).filter(last_seen__lt=cutoff).order_by("username"))


def disable_inactive(now: dt.datetime | None = None, days: int | None = None) -> list[str]:
    """Disable every inactive member (the daily job); return their usernames."""
    limit = days if days is not None else settings.ACCESS_INACTIVE_DAYS
    done = []
    for user in inactive_members(now, limit):
        disable(OPERATOR, user, operator=True, reason=f"inactive for {limit} days")
        done.append(user.get_username())
    return done


# --- the access review ---------------------------------------------------------------------------

REVIEW_EVERY = dt.timedelta(days=182)  # PCI DSS 7.2.4: user accounts and access reviewed every six months


def last_review() -> AccessReview | None:
    return AccessReview.objects.select_related("signed_by").order_by("-signed_at").first()


def review_due_at(now: dt.datetime | None = None) -> dt.datetime:
    """When the next sign-off is due: six months after the last one, or now if there was none."""
    last = last_review()
    return (last.signed_at + REVIEW_EVERY) if last else (now or timezone.now())


def sign_off_review(actor: Any, note: str, *, members: int, shares: int, tokens: int) -> AccessReview:
    """Record that ``actor`` reviewed every member's access (with what they saw, in counts)."""
    if not can_review_access(actor):
        raise PermissionDenied(_("Only an administrator or a security officer can sign off the access review."))
    note = note.strip()
    if len(note) > 2000:
        raise ValidationError({"note": [_("The note can be at most 2,000 characters.")]})
    with transaction.atomic():
        review = AccessReview.objects.create(signed_by=actor, note=note, members=members, shares=shares, tokens=tokens)
        extra = {"members": members, "shares": shares, "tokens": tokens}
        record_event(
            EventKind.ACCESS_REVIEW_SIGNED, actor=actor, target=Target("accounts.accessreview", str(review.pk)), extra=extra
        )
    return review


def usable_tokens() -> Any:
    return ApiToken.objects.usable()
