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


def kinds_recorded() -> set[int]:
    return set(AuditEvent.objects.values_list("kind", flat=True))
