"""Audit events for the detector's tests: written as the product writes them, with a chosen time and address."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from bastion.kernel.audit.kinds import EventKind, Outcome
from bastion.kernel.audit.writer import Target, record_event

ADDRESS = "203.0.113.9"


def emit(
    kind: EventKind,
    count: int,
    *,
    actor: Any = None,
    address: str = ADDRESS,
    target: Any = None,
    extra: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    start: dt.datetime | None = None,
    every: dt.timedelta = dt.timedelta(seconds=5),
) -> None:
    """``count`` events of ``kind`` from ``address``, ``every`` apart from ``start`` (default: just now)."""
    request = RequestFactory().post("/", REMOTE_ADDR=address)
    first = start or timezone.now() - every * count
    outcome = Outcome.SUCCESS if kind not in (EventKind.SIGN_IN_FAILED, EventKind.MFA_FAILED) else Outcome.FAILURE
    if kind == EventKind.ACCESS_DENIED:
        outcome = Outcome.DENIED
    with transaction.atomic():
        for number in range(count):
            record_event(
                kind,
                actor=actor,
                target=target if target is not None else Target("accounts.login", f"fp{number}"),
                outcome=outcome,
                extra=extra,
                changes=changes,
                request=request,
                now=first + every * number,
            )
