"""The organisation's record-access defaults: who reads a record of each type by default (ADR 0027).

:func:`set_record_visibilities` is the single entry point for changing them (a step-up
check of the second factor belongs in front of it, in the view). Each change is a
``setting.changed`` audit event with the old and new value, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bastion.accounts.models import RecordAccessDefault
from bastion.kernel.access.records import DEFAULT_VISIBILITY, Visibility, object_type, owned_models
from bastion.kernel.access.roles import policy_of
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import Target, record_event


@dataclass(frozen=True)
class TypeVisibility:
    object_type: str
    label: str
    visibility: str


def can_change_access_settings(user: Any) -> bool:
    """Administrators (the roles that manage users) change who sees what."""
    policy = policy_of(user)
    return policy is not None and policy.manages_users


def record_visibilities() -> list[TypeVisibility]:
    """Every object type with owners and teams, and its current default (team when never set)."""
    stored = dict(RecordAccessDefault.objects.values_list("object_type", "visibility"))
    return [
        TypeVisibility(
            object_type(model),
            str(model._meta.verbose_name_plural).capitalize(),
            stored.get(object_type(model), DEFAULT_VISIBILITY),
        )
        for model in owned_models()
    ]


def set_record_visibilities(actor: Any, values: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Set the default visibility of the object types in ``values``; return what changed (old, new)."""
    if not can_change_access_settings(actor):
        raise PermissionDenied(_("Only an administrator can change who sees records by default."))
    known = {row.object_type: row for row in record_visibilities()}
    errors = {key: [_("Unknown object type.")] for key in values if key not in known}
    errors.update(
        {key: [_("Choose private, team or everyone.")] for key, value in values.items() if value not in Visibility.values}
    )
    if errors:
        raise ValidationError(errors)
    changes: dict[str, dict[str, str]] = {}
    with transaction.atomic():
        for key, value in sorted(values.items()):
            old = known[key].visibility
            if old == value:
                continue
            RecordAccessDefault.objects.update_or_create(object_type=key, defaults={"visibility": value, "updated_by": actor})
            change = {"old": old, "new": value}
            changes[key] = change
            record_event(
                EventKind.SETTING_CHANGED,
                actor=actor,
                target=Target("setting", f"record_visibility.{key}"),
                changes={"visibility": change},
            )
    return changes
