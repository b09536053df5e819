"""What the audit trail records about companies and contacts (called from ``actions._record``).

Restricted values never enter the log: for those fields a change is recorded as
``{"changed": true}``. The restricted fields are those classified RESTRICTED in
``bastion.kernel.crypto.classification`` (when a model declares its classification), plus an
explicit list that holds whatever the classification does not cover: the contact's email
addresses and phone numbers (kept in related rows), addresses and notes.
The target snapshot is pseudonymous: ids only, no names.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from bastion.kernel.audit import changes
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import Target, record_event, redact

ADDRESS = ("street", "city", "region", "postal_code", "country")
ALWAYS_RESTRICTED = frozenset({"emails", "phones", "notes", "private_notes", "national_id", "date_of_birth", *ADDRESS})
VERBS = changes.VERBS


def restricted_fields(model: type[models.Model]) -> frozenset[str]:
    """The fields of ``model`` whose values the log must not hold."""
    return changes.restricted_fields(model, ALWAYS_RESTRICTED)


def target_of(obj: Any) -> Target:
    """A company or contact as an audit target: type, id and a pseudonymous snapshot."""
    snapshot: dict[str, Any] = {"owner": obj.owner_id}
    if hasattr(obj, "company_id"):
        snapshot["company"] = str(obj.company_id) if obj.company_id else None
    return Target(f"directory.{obj._meta.model_name}", str(obj.pk), snapshot)


def record_change(actor: Any, verb: str, obj: Any, changes: dict[str, Any]) -> None:
    """Record ``verb`` (``company.updated`` ...) on ``obj`` with its redacted change set."""
    kind = VERBS[verb.rsplit(".", 1)[-1]]
    record_event(kind, actor=actor, target=target_of(obj), changes=redact(changes, restricted_fields(type(obj))))


def record_view(actor: Any, target: Target) -> None:
    """Record that ``actor`` viewed a record (a sensitive read); call inside a transaction."""
    record_event(EventKind.RECORD_VIEWED, actor=actor, target=target)
