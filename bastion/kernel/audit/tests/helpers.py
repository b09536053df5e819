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


def append(count: int, **kwargs: Any) -> list[AuditEvent]:
    events = []
    for number in range(count):
        with transaction.atomic():
            events.append(
                record_event(
                    kwargs.get("kind", EventKind.RECORD_UPDATED),
                    target=Target("directory.company", str(number), {"owner": 7}),
                    changes={"name": {"old": f"A{number}", "new": f"B{number}"}},
                )
            )
    return events


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
