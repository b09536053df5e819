"""Every change to staff accounts goes through these functions (DESIGN.md rule 1).

Each one validates, authorizes, writes in one transaction and returns what changed.
Views, the API, management commands and jobs only parse input, call an action and render.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import ApiToken, Membership, Team
from bastion.accounts.tokens import IssuedToken, TokenError, issue_token, revoke_token
from bastion.kernel.access.roles import Role, role_of
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import record_event

ONE_TIME_PASSWORD_GROUPS = 4
ONE_TIME_PASSWORD_GROUP_LENGTH = 5
_OTP_ALPHABET = string.ascii_letters + string.digits


# --- teams and staff ------------------------------------------------------------------
def ensure_team(name: str) -> Team:
    """The team called ``name``, created if it does not exist yet."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("A team needs a name.")})
    team, _created = Team.objects.get_or_create(name=name)
    return team


def generate_one_time_password() -> str:
    """A random password such as ``k3fQa-9aLm2-Xb7Rt-Pq4Zc``: 20 characters from 62 (about 119 bits), from the OS CSPRNG."""
    groups = (
        "".join(secrets.choice(_OTP_ALPHABET) for _ in range(ONE_TIME_PASSWORD_GROUP_LENGTH))
        for _ in range(ONE_TIME_PASSWORD_GROUPS)
    )
    return "-".join(groups)


def create_staff_user(
    username: str,
    email: str,
    role: str,
    teams: Iterable[Team] = (),
    password: str | None = None,
    *,
    usable_password: bool = True,
    actor: Any = None,
    first_name: str = "",
    last_name: str = "",
) -> tuple[Any, str | None]:
    """Create a member of staff with ``role`` in ``teams``; return ``(user, one_time_password)``.

    Without ``password`` a one-time password is generated, returned once (it is stored
    only as an Argon2id hash) and the user must choose their own at first sign-in. With
    ``password`` it is checked against the password rules and no one-time password is
    returned. ``usable_password=False`` creates an account that cannot sign in with a
    password at all (until an administrator sets one).
    """
    user_model = get_user_model()
    username = username.strip()
    email = email.strip()
    first_name, last_name = first_name.strip(), last_name.strip()
    errors: dict[str, list[str]] = {}
    for name_field, value in (("first_name", first_name), ("last_name", last_name)):
        limit = getattr(user_model._meta.get_field(name_field), "max_length", None)
        if limit is not None and len(value) > limit:
            errors[name_field] = [_("This name can be at most %(limit)d characters.") % {"limit": limit}]
    username_field = user_model._meta.get_field("username")
    try:
        username_field.run_validators(username)
        if not username:
            raise ValidationError(_("A username is required."))
    except ValidationError as exc:
        errors["username"] = exc.messages
    if username and user_model.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("A user named %(username)s already exists.") % {"username": username}]
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid email address.")]
    if role not in Role.values:
        errors["role"] = [
            _("%(role)s is not a role. Choose one of: %(roles)s.") % {"role": role, "roles": ", ".join(Role.values)}
        ]
    if errors:
        raise ValidationError(errors)

    one_time_password: str | None = None
    with transaction.atomic():
        user = user_model(username=username, email=email, first_name=first_name, last_name=last_name)
        if not usable_password:
            user.set_unusable_password()
        elif password is not None:
            _validate_password_for(password, user)
            user.set_password(password)
        else:
            one_time_password = _new_valid_one_time_password(user)
            user.set_password(one_time_password)
        user.save()
        membership = Membership.objects.create(user=user, role=role, must_change_password=one_time_password is not None)
        membership.teams.set(list(teams))
        team_names = sorted(team.name for team in teams)
        changes = {"role": {"old": None, "new": role}, "teams": {"old": [], "new": team_names}}
        record_event(EventKind.USER_CREATED, actor=actor, target=user, changes=changes)
    return user, one_time_password


def _validate_password_for(password: str, user: Any) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def _new_valid_one_time_password(user: Any) -> str:
    for _attempt in range(10):
        candidate = generate_one_time_password()
        try:
            validate_password(candidate, user)
        except ValidationError:
            continue
        return candidate
    raise RuntimeError("could not generate a one-time password that passes the password rules")  # pragma: no cover


def password_changed(user: Any) -> None:
    """The user chose a new password: a one-time password no longer needs replacing."""
    Membership.objects.filter(user_id=user.pk, must_change_password=True).update(must_change_password=False)
    cached = user._state.fields_cache.get("membership")
    if cached is not None:
        cached.must_change_password = False


# --- disabling --------------------------------------------------------------------------
@dataclass(frozen=True)
class DisableResult:
    sessions_ended: int
    tokens_revoked: int


def disable_member(actor: Any, user: Any) -> DisableResult:
    """Disable ``user``: no sign-in, no role, every session ended and every API token revoked, at once.

    Only an administrator may do this, and not to themselves (so the last administrator
    cannot lock everybody out by accident).
    """
    if role_of(actor) != Role.ADMINISTRATOR:
        raise PermissionDenied(_("Only an administrator can disable a member of staff."))
    if actor.pk == user.pk:
        raise PermissionDenied(_("You cannot disable your own account."))
    return disable_user(user, actor=actor)


def disable_user(user: Any, *, actor: Any = None, extra: dict[str, Any] | None = None) -> DisableResult:
    """The disabling itself, in one transaction, for callers that checked who may (bastion.accounts.staff)."""
    with transaction.atomic():
        user_model = get_user_model()
        user_model.objects.filter(pk=user.pk).update(is_active=False)
        Membership.objects.filter(user_id=user.pk).update(is_active=False)
        tokens_revoked = revoke_all_tokens(user)
        sessions_ended = end_all_sessions(user, actor=actor)
        details = {**(extra or {}), "tokens_revoked": tokens_revoked, "sessions_ended": sessions_ended}
        record_event(
            EventKind.USER_DISABLED, actor=actor, target=user, changes={"is_active": {"old": True, "new": False}}, extra=details
        )
    user.is_active = False
    return DisableResult(sessions_ended=sessions_ended, tokens_revoked=tokens_revoked)


def revoke_all_tokens(user: Any) -> int:
    """Revoke every usable API token of ``user``; return how many (the caller audits it). Expired
    ones are left as they are: they open nothing, and the count matches what the pages promised."""
    return ApiToken.objects.usable().filter(user_id=user.pk).update(revoked_at=timezone.now())


def end_all_sessions(user: Any, *, actor: Any = None) -> int:
    """End every session of ``user``, tracked or not; return how many ended (audited as ended by ``actor``)."""
    from allauth.usersessions.models import UserSession

    session_store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = set(UserSession.objects.filter(user_id=user.pk).values_list("session_key", flat=True))
    if settings.SESSION_ENGINE in ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"):
        # Sessions are not indexed by user, so look through the live ones (a few per member of staff).
        from django.contrib.sessions.models import Session

        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if session.get_decoded().get(SESSION_KEY) == str(user.pk):
                keys.add(session.session_key)
    ended = 0
    for key in keys:
        store = session_store(session_key=key)
        if store.exists(key):
            ended += 1
        store.delete(key)
    UserSession.objects.filter(user_id=user.pk).delete()
    with transaction.atomic():
        record_event(EventKind.SESSION_ENDED_BY_ADMIN, actor=actor, target=user, extra={"sessions_ended": ended})
    return ended


def end_own_session(request: Any, session_id: int) -> bool:
    """End one of the signed-in user's own sessions; True if it was the current one (now signed out)."""
    from allauth.usersessions.internal.flows.sessions import end_sessions
    from allauth.usersessions.models import UserSession

    session = UserSession.objects.filter(user_id=request.user.pk, pk=session_id).first()
    if session is None:
        raise UserSession.DoesNotExist
    was_current = session.is_current()
    user = request.user
    with transaction.atomic():
        end_sessions(request, [session])
        record_event(EventKind.SESSION_ENDED_BY_USER, actor=user, target=user, request=request, extra={"current": was_current})
    return was_current


# --- API tokens ---------------------------------------------------------------------------
def create_api_token(
    user: Any, *, name: str, days: int, scopes: Iterable[str] | None = None, networks: Iterable[str] = ()
) -> IssuedToken:
    """Issue a personal API token to ``user`` (a member of staff). The plaintext is in the result, once.

    ``scopes`` default to read and write on every resource (the role still limits);
    ``networks`` (CIDRs) default to none, meaning anywhere the user may be.
    """
    if role_of(user) is None:
        raise PermissionDenied(_("Only active members of staff can hold API tokens."))
    with transaction.atomic():
        issued = issue_token(user, name=name, days=days, scopes=scopes, networks=networks)
        extra = {
            "prefix": issued.token.prefix,
            "expires": issued.token.expires_at.isoformat(),
            "scopes": issued.token.scopes,
            "networks": issued.token.allowed_networks,
        }
        record_event(EventKind.TOKEN_CREATED, actor=user, target=issued.token, extra=extra)
    return issued


def revoke_own_token(user: Any, token_id: Any) -> ApiToken:
    """Revoke one of ``user``'s own tokens. Someone else's token is treated as not existing."""
    token = ApiToken.objects.filter(user_id=user.pk, pk=token_id).first()
    if token is None:
        raise ApiToken.DoesNotExist
    with transaction.atomic():
        revoke_token(token)
        record_event(EventKind.TOKEN_REVOKED, actor=user, target=token, extra={"prefix": token.prefix})
    token.refresh_from_db()
    return token


def revoke_token_by_prefix(prefix: str) -> ApiToken:
    """Revoke the token with ``prefix`` (also accepts ``bst_<prefix>`` or a whole token). For operators."""
    parts = prefix.strip().split("_")
    candidate = parts[1] if len(parts) >= 2 and parts[0] == "bst" else parts[0]
    token = ApiToken.objects.filter(prefix=candidate).first()
    if token is None:
        raise TokenError(_("No API token has the prefix %(prefix)s.") % {"prefix": candidate})
    with transaction.atomic():
        revoke_token(token)
        record_event(EventKind.TOKEN_REVOKED, target=token, extra={"prefix": token.prefix, "via": "operator"})
    token.refresh_from_db()
    return token
