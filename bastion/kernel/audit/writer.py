"""``record_event``: record one event, in the caller's transaction (DESIGN.md rule 6).

The event's content is inserted into the audit inbox with one plain INSERT and no lock, so
concurrent writers do not wait for each other. If the transaction rolls back, the event goes
with it: a failed change leaves no event, and a committed change always has its event. The
sealer (``sealer.py``, docs/adr/0024) gives committed events their sequence number, previous
hash and Merkle leaf after the commit, one batch at a time under the chain-head lock, so
concurrent processes never fork the chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest

from bastion.kernel import cardnumbers
from bastion.kernel.audit import canonical
from bastion.kernel.audit import context as audit_context
from bastion.kernel.audit.kinds import EventKind, Outcome
from bastion.kernel.audit.sealer import CONTENT, seal_after_commit, sealed_by_a_dedicated_process
from bastion.kernel.batch_sql import fetch_one_prepared, insert_rows


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


_COLUMNS = ("recorded_at", *CONTENT)
_INSERT = f"INSERT INTO kernel_auditinbox ({', '.join(_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_COLUMNS))}) RETURNING id"  # noqa: S608


def _json(value: Any) -> str:
    """The stored text of a JSON column: the canonical encoding of ``value`` ("{}" for an empty mapping),
    with any payment card number in its texts masked to the last four digits (L3: the log never holds one)."""
    if value == {}:
        return "{}"
    data = canonical.jsonable(value)
    text = canonical.encode_text(data)
    return canonical.encode_text(cardnumbers.masked(data)) if cardnumbers.may_hold(text) else text


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
) -> int:
    """Record an event of ``kind`` by ``actor`` about ``target``; must run inside ``transaction.atomic``.

    ``changes`` is the field-level change set (already redacted by the caller for restricted
    fields), ``extra`` small details (never secrets). The request context (IP, user agent,
    request id) comes from ``request`` if given, else from the middleware's context variable.

    The event goes into the audit inbox in the caller's transaction (one INSERT, no lock): it
    commits or rolls back with the change. After the commit it is sealed into the hash chain
    (``sealer.py``, docs/adr/0024); anything that reads the log seals first. Returns the inbox id.
    """
    db = transaction.get_connection()  # once: each use of django.db.connection looks the connection up again
    if not db.in_atomic_block:
        raise AuditError("record_event must be called inside the transaction of the change it records")
    ctx = audit_context.from_request(request) if request is not None else audit_context.current()
    target_type, target_id, target_snapshot = _target_fields(target)
    adapt = db.ops.adapt_datetimefield_value
    wall = adapt(dt.datetime.now(dt.UTC))
    params = (
        wall,
        wall if now is None else adapt(now),
        int(kind),
        str(outcome),
        getattr(actor, "pk", None),
        _json(actor_snapshot(actor)),
        getattr(on_behalf_of, "pk", None),
        ctx.client_ip,
        ctx.user_agent,
        ctx.request_id,
        target_type[:64],
        target_id[:64],
        _json(target_snapshot),
        _json(dict(changes or {})),
        _json(dict(extra or {})),
    )
    # Under SQLite's one write lock every microsecond counts for concurrent writers, and on
    # PostgreSQL the server would otherwise parse and plan this INSERT for every event.
    inbox_id = int(fetch_one_prepared(_INSERT, params)[0])  # type: ignore[index]
    _seal_after_this_transaction(db)
    return inbox_id


def _seal_after_this_transaction(db: Any) -> None:
    """Have the sealer run after the commit of ``db``'s current transaction (registered once per transaction).

    Not when a dedicated sealer process seals for this one (docs/adr/0061).
    """
    if sealed_by_a_dedicated_process():
        return
    if not any(hook[1] is seal_after_commit for hook in db.run_on_commit):
        transaction.on_commit(seal_after_commit, using=db.alias, robust=True)


def record_events(
    kind: EventKind | int,
    *,
    actor: Any,
    items: Sequence[tuple[Any, Mapping[str, Any]]],
    outcome: Outcome | str = Outcome.SUCCESS,
    request: HttpRequest | None = None,
    extra: Mapping[str, Any] | None = None,
) -> int:
    """Record one event of ``kind`` by ``actor`` per ``(target, changes)`` of ``items``: :func:`record_event` in bulk.

    Each event has exactly the content ``record_event`` would give it (one inbox row per target,
    the same columns and encoding), inserted in the caller's transaction with one statement run
    for all of them (``batch_sql.insert_rows``); the sealer chains them after the commit as any
    other inbox rows (docs/adr/0024). For bulk actions (an import's batch of new records). Returns the count.
    """
    db = transaction.get_connection()
    if not db.in_atomic_block:
        raise AuditError("record_events must be called inside the transaction of the change it records")
    if not items:
        return 0
    ctx = audit_context.from_request(request) if request is not None else audit_context.current()
    adapt = db.ops.adapt_datetimefield_value
    common = (int(kind), str(outcome), getattr(actor, "pk", None), _json(actor_snapshot(actor)), None)
    context = (ctx.client_ip, ctx.user_agent, ctx.request_id)
    details = _json(dict(extra or {}))  # the same ``extra`` for every event
    rows: list[Any] = []
    for target, changes in items:
        target_type, target_id, target_snapshot = _target_fields(target)
        wall = adapt(dt.datetime.now(dt.UTC))
        target_columns = (target_type[:64], target_id[:64], _json(target_snapshot))
        rows.append((wall, wall, *common, *context, *target_columns, _json(dict(changes)), details))
    insert_rows("kernel_auditinbox", _COLUMNS, rows)
    _seal_after_this_transaction(db)
    return len(rows)


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
