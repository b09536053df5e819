"""Helpers of the audit tests: append events, tamper with rows behind the triggers' back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from bastion.kernel.audit import triggers
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.audit.writer import Target, record_event


def sealed(inbox_ids: list[int]) -> list[AuditEvent]:
    """The chained events recorded as ``inbox_ids`` (``record_event``'s return values), in that order.

    Reading through ``AuditEvent.objects`` seals the inbox first, as every reader does in
    production (tests run in a transaction that never commits, so the after-commit sealer never runs).
    """
    by_inbox = AuditEvent.objects.in_bulk(inbox_ids, field_name="inbox_id")
    return [by_inbox[inbox_id] for inbox_id in inbox_ids]


def append(count: int, **kwargs: Any) -> list[AuditEvent]:
    recorded = []
    for number in range(count):
        with transaction.atomic():
            recorded.append(
                record_event(
                    kwargs.get("kind", EventKind.RECORD_UPDATED),
                    target=Target("directory.company", str(number), {"owner": 7}),
                    changes={"name": {"old": f"A{number}", "new": f"B{number}"}},
                )
            )
    return sealed(recorded)


@contextmanager
def triggers_dropped() -> Iterator[Any]:
    """An attacker with database access: the append-only triggers are dropped first."""
    triggers.drop(connection)
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        triggers.install(connection)


def rewrite_prefix(last: int, altered: int) -> None:
    """An attacker changes event ``altered`` and recomputes every hash up to event ``last`` (not re-signing)."""
    from bastion.kernel.audit import canonical, merkle
    from bastion.kernel.audit.writer import ENTRY_FIELDS, entry_of

    prev = canonical.GENESIS_HASH
    with triggers_dropped() as cursor:
        for event in AuditEvent.objects.filter(sequence__lte=last).order_by("sequence"):
            values = {name: getattr(event, name) for name in ENTRY_FIELDS}
            values["prev_hash"] = prev
            if event.sequence == altered:
                values["client_ip"] = "198.51.100.1"
            leaf = merkle.leaf_hash(canonical.encode(entry_of(values))).hex()
            cursor.execute(
                "UPDATE kernel_auditevent SET client_ip = %s, prev_hash = %s, leaf_hash = %s WHERE sequence = %s",
                [values["client_ip"], prev, leaf, event.sequence],
            )
            prev = leaf
        if last >= AuditEvent.objects.count():
            cursor.execute("UPDATE kernel_auditchainhead SET leaf_hash = %s", [prev])


def kinds_recorded() -> set[int]:
    return set(AuditEvent.objects.values_list("kind", flat=True))
