"""``record_event``: append one event to the log, in the caller's transaction (DESIGN.md rule 6).

The next sequence number, the previous leaf hash and the Merkle frontier come from the chain
head row, locked for the rest of the transaction (``SELECT ... FOR UPDATE`` on PostgreSQL;
SQLite's ``BEGIN IMMEDIATE`` already serialises writers). If the transaction rolls back, the
event and the head move back with it: a failed change leaves no event, a committed change
always has its event, and concurrent processes never fork the chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest

from bastion.kernel.audit import canonical, merkle
from bastion.kernel.audit import context as audit_context
from bastion.kernel.audit.kinds import EventKind, Outcome
from bastion.kernel.audit.models import AuditChainHead, AuditEvent


class AuditError(RuntimeError):
    """The audit trail was used wrongly (e.g. outside a transaction)."""


@dataclass(frozen=True)
class Target:
    """What an event is about, when it is not a model instance: type, id and a pseudonymous snapshot."""

    type: str
    id: str = ""
    snapshot: Mapping[str, Any] = field(default_factory=dict)


def actor_snapshot(actor: Any) -> dict[str, Any]:
    """Who acted, as the log keeps it: staff username and role at the time (never customer data)."""
    from bastion.kernel.access.roles import role_of

    if actor is None or not getattr(actor, "pk", None):
        return {}
    return {"username": str(getattr(actor, "username", "")), "role": role_of(actor) or ""}


def _target_fields(target: Any) -> tuple[str, str, dict[str, Any]]:
    if target is None:
        return "", "", {}
    if isinstance(target, Target):
        return target.type, str(target.id), dict(target.snapshot)
    if isinstance(target, models.Model):
        meta = target._meta
        snapshot = target.audit_snapshot() if hasattr(target, "audit_snapshot") else {}
        return f"{meta.app_label}.{meta.model_name}", str(target.pk), snapshot
    raise AuditError(f"an audit target must be a model instance or a Target, not {type(target).__name__}")


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.bulk_create([AuditChainHead(pk=1)], ignore_conflicts=True)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def record_event(
    kind: EventKind | int,
    *,
    actor: Any = None,
    target: Any = None,
    outcome: Outcome | str = Outcome.SUCCESS,
    changes: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
    on_behalf_of: Any = None,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> AuditEvent:
    """Append an event of ``kind`` by ``actor`` about ``target``; must run inside ``transaction.atomic``.

    ``changes`` is the field-level change set (already redacted by the caller for restricted
    fields), ``extra`` small details (never secrets). The request context (IP, user agent,
    request id) comes from ``request`` if given, else from the middleware's context variable.
    """
    if not transaction.get_connection().in_atomic_block:
        raise AuditError("record_event must be called inside the transaction of the change it records")
    ctx = audit_context.from_request(request) if request is not None else audit_context.current()
    target_type, target_id, target_snapshot = _target_fields(target)
    head = _locked_head()
    values: dict[str, Any] = {
        "sequence": head.sequence + 1,
        "timestamp": now or dt.datetime.now(dt.UTC),
        "kind": int(kind),
        "outcome": str(outcome),
        "actor_id": getattr(actor, "pk", None),
        "actor_snapshot": canonical.jsonable(actor_snapshot(actor)),
        "on_behalf_of_id": getattr(on_behalf_of, "pk", None),
        "client_ip": ctx.client_ip,
        "user_agent": ctx.user_agent,
        "request_id": ctx.request_id,
        "target_type": target_type[:64],
        "target_id": target_id[:64],
        "target_snapshot": canonical.jsonable(target_snapshot),
        "changes": canonical.jsonable(dict(changes or {})),
        "extra": canonical.jsonable(dict(extra or {})),
        "prev_hash": head.leaf_hash,
    }
    leaf = merkle.leaf_hash(canonical.encode(entry_of(values)))
    event = AuditEvent.objects.create(**values, leaf_hash=leaf.hex())
    frontier = [bytes.fromhex(item) for item in head.frontier]
    merkle.append(frontier, head.sequence, leaf)
    AuditChainHead.objects.filter(pk=1).update(
        sequence=event.sequence, leaf_hash=event.leaf_hash, frontier=[item.hex() for item in frontier]
    )
    return event


def entry_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical entry (see ``canonical.ENTRY_KEYS``) of an event given as model field values."""
    return {
        "v": canonical.FORMAT_VERSION,
        "seq": values["sequence"],
        "ts": canonical.format_timestamp(values["timestamp"]),
        "kind": values["kind"],
        "outcome": values["outcome"],
        "actor": values["actor_id"],
        "actor_snapshot": values["actor_snapshot"],
        "on_behalf_of": values["on_behalf_of_id"],
        "ip": values["client_ip"],
        "ua": values["user_agent"],
        "rid": values["request_id"],
        "target_type": values["target_type"],
        "target_id": values["target_id"],
        "target_snapshot": values["target_snapshot"],
        "changes": values["changes"],
        "extra": values["extra"],
        "prev": values["prev_hash"],
    }


ENTRY_FIELDS = (
    "sequence",
    "timestamp",
    "kind",
    "outcome",
    "actor_id",
    "actor_snapshot",
    "on_behalf_of_id",
    "client_ip",
    "user_agent",
    "request_id",
    "target_type",
    "target_id",
    "target_snapshot",
    "changes",
    "extra",
    "prev_hash",
)


def redact(changes: Mapping[str, Any], restricted: frozenset[str] | set[str]) -> dict[str, Any]:
    """``changes`` with the old and new values of ``restricted`` fields replaced by ``{"changed": true}``."""
    return {name: ({"changed": True} if name in restricted else value) for name, value in changes.items()}
