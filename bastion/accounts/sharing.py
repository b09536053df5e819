"""Sharing one record with a colleague or a team, for read or edit, until a date (ADR 0027).

Only those who manage the record may share it or remove a share: its owner, the managers of
its team or of its owner, and administrators (``manageable_by``). The record is fetched
through the scoped queryset, so a record the actor cannot manage gives the same 404 as one
that does not exist. Every share and removal is an audit event, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import RecordShare, Team
from bastion.kernel.access.records import Level, object_type
from bastion.kernel.access.roles import CUSTOMER_DATA_ROLES
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import Target, record_event

MAX_SHARE_DAYS = 366


def _managed_record(actor: Any, model: type[models.Model], record_id: Any, *, lock: bool = False) -> Any:
    queryset = model._default_manager.get_queryset().manageable_by(actor)  # type: ignore[attr-defined]
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    record = queryset.filter(pk=record_id).first() if record_id else None
    if record is None:
        raise Http404(_("No such record, or you do not have access to it."))
    return record


def can_manage(actor: Any, record: Any) -> bool:
    """Whether ``actor`` may share ``record`` and change its shares (one query)."""
    return bool(type(record)._default_manager.get_queryset().manageable_by(actor).filter(pk=record.pk).exists())


def shares_of(actor: Any, model: type[models.Model], record_id: Any) -> list[RecordShare]:
    """The shares of one record, live and expired, for someone who manages it; else 404."""
    record = _managed_record(actor, model, record_id)
    queryset = RecordShare.objects.filter(object_type=object_type(model), object_id=record.pk)
    return list(queryset.select_related("user", "team", "created_by").order_by("created_at"))


def share_grantees() -> tuple[models.QuerySet[Any], models.QuerySet[Team]]:
    """Colleagues (active, with a customer-data role) and teams a record can be shared with."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, membership__is_active=True, membership__role__in=CUSTOMER_DATA_ROLES)
        .order_by("first_name", "last_name", "username")
    )
    return users, Team.objects.order_by("name")


def _expiry(value: Any, errors: dict[str, list[str]]) -> dt.datetime | None:
    today = timezone.localdate()
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, dt.date):
        errors["expires_on"] = [_("Enter the date the share ends.")]
        return None
    if value <= today:
        errors["expires_on"] = [_("The end date must be after today.")]
        return None
    if value > today + dt.timedelta(days=MAX_SHARE_DAYS):
        errors["expires_on"] = [_("A share can last at most %(days)d days.") % {"days": MAX_SHARE_DAYS}]
        return None
    # The share ends at the start of that day, in the organisation's time zone.
    return timezone.make_aware(dt.datetime.combine(value, dt.time.min))


def _grantee(user_id: Any, team_id: Any, errors: dict[str, list[str]]) -> tuple[Any, Team | None]:
    if bool(user_id) == bool(team_id):
        errors["grantee"] = [_("Choose either one colleague or one team.")]
        return None, None
    users, teams = share_grantees()
    if user_id:
        user = users.filter(pk=user_id).first() if str(user_id).isdigit() else None
        if user is None:
            errors["user"] = [_("Choose an active colleague whose role reads customer records.")]
        return user, None
    team = teams.filter(pk=team_id).first() if _is_uuid(team_id) else None
    if team is None:
        errors["team"] = [_("Choose an existing team.")]
    return None, team


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _target(record: Any) -> Target:
    return Target(object_type(type(record)), str(record.pk), {"owner": getattr(record, "owner_id", None)})


def share_record(
    actor: Any, model: type[models.Model], record_id: Any, *, user: Any = None, team: Any = None, level: str, expires_on: Any
) -> RecordShare:
    """Share one record with ``user`` or ``team`` (ids) for ``level`` until ``expires_on`` (a date).

    Sharing again with the same colleague or team replaces the earlier share.
    """
    errors: dict[str, list[str]] = {}
    grantee_user, grantee_team = _grantee(user, team, errors)
    if level not in Level.values:
        errors["level"] = [_("Choose read, or read and edit.")]
    expires_at = _expiry(expires_on, errors)
    with transaction.atomic():
        record = _managed_record(actor, model, record_id, lock=True)
        if grantee_user is not None and grantee_user.pk == getattr(record, "owner_id", None):
            errors["user"] = [_("The owner already has full access to this record.")]
        if errors or expires_at is None:
            raise ValidationError(errors)
        share, created = RecordShare.objects.update_or_create(
            object_type=object_type(model),
            object_id=record.pk,
            user=grantee_user,
            team=grantee_team,
            defaults={"level": level, "expires_at": expires_at, "created_by": actor},
        )
        extra = {
            "grantee": f"user:{grantee_user.username}" if grantee_user else f"team:{grantee_team.name}",  # type: ignore[union-attr]
            "level": level,
            "expires_at": expires_at.isoformat() if expires_at else None,
            "replaced": not created,
        }
        record_event(EventKind.RECORD_SHARED, actor=actor, target=_target(record), extra=extra)
    return share


def remove_share(actor: Any, model: type[models.Model], record_id: Any, share_id: Any) -> RecordShare:
    """Remove one share of a record the actor manages; an unknown share is a 404."""
    with transaction.atomic():
        record = _managed_record(actor, model, record_id, lock=True)
        share = RecordShare.objects.filter(object_type=object_type(model), object_id=record.pk, pk=share_id).first()
        if share is None:
            raise Http404(_("No such share."))
        grantee = f"user:{share.user.username}" if share.user_id else f"team:{share.team.name}"  # type: ignore[union-attr]
        share.delete()
        extra = {"grantee": grantee, "level": share.level, "expires_at": share.expires_at.isoformat()}
        record_event(EventKind.RECORD_UNSHARED, actor=actor, target=_target(record), extra=extra)
    return share
