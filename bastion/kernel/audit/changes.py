"""Field-level change sets for the audit trail, shared by every domain's actions.

An action takes a snapshot (a dict of JSON values) of a record before and after a change;
:func:`diff` turns the two into ``{"field": {"old": ..., "new": ...}}``, and
:func:`record_change` writes the event with restricted values replaced by ``{"changed": true}``
(:func:`bastion.kernel.audit.writer.redact`), so no restricted value ever enters the log.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import Target, record_event, redact

Snapshot = dict[str, Any]
ChangeSet = dict[str, dict[str, Any]]
_EMPTY: tuple[Any, ...] = (None, "", [])
VERBS = {
    "created": EventKind.RECORD_CREATED,
    "updated": EventKind.RECORD_UPDATED,
    "deleted": EventKind.RECORD_DELETED,
    "erased": EventKind.RECORD_ERASED,
}


def diff(before: Snapshot | None, after: Snapshot | None) -> ChangeSet:
    """The keys whose values differ between two snapshots (empty values count as equal)."""
    changes: ChangeSet = {}
    for key in sorted(set(before or {}) | set(after or {})):
        old, new = (before or {}).get(key), (after or {}).get(key)
        if old != new and not (old in _EMPTY and new in _EMPTY):
            changes[key] = {"old": old, "new": new}
    return changes


def restricted_fields(model: type[models.Model], always: Iterable[str] = ()) -> frozenset[str]:
    """The fields of ``model`` whose values the log must not hold: its RESTRICTED ones, plus ``always``."""
    from bastion.kernel.crypto.classification import DataClass, classification_of

    try:
        classes = classification_of(model)
    except (LookupError, ValueError, TypeError):
        return frozenset(always)
    return frozenset(always) | {name for name, level in classes.items() if level >= DataClass.RESTRICTED}


def target_of(obj: models.Model, snapshot: Snapshot | None = None) -> Target:
    """A record as an audit target: ``app.model``, its id and a pseudonymous snapshot (ids only)."""
    return Target(f"{obj._meta.app_label}.{obj._meta.model_name}", str(obj.pk), snapshot or {})


def record_change(
    actor: Any, verb: str, target: Target, changes: ChangeSet, *, restricted: Iterable[str] = (), extra: Any = None
) -> None:
    """Record ``verb`` (``deal.updated`` ...: the last part picks the kind) with its redacted change set."""
    kind = VERBS[verb.rsplit(".", 1)[-1]]
    record_event(kind, actor=actor, target=target, changes=redact(changes, frozenset(restricted)), extra=extra)
