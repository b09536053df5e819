"""The detector: read the audit events added since the last run and raise or extend alerts.

Runs every minute (``kernel.tasks.detect_security_anomalies``) and on demand (``bastion alerts
scan``). Each chunk of events is read, judged and its alerts written in one transaction together
with the new watermark (``AlertScan``), so a run that dies is simply run again: it reads the same
events and raises nothing twice. The same pass notes sign-ins from a new network (``sign_ins.py``).
Each new alert is also an audit event (``security.alert_raised``), so it reaches the SIEM with
everything else.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from bastion.kernel.alerts.models import AlertScan, SecurityAlert, SubjectType
from bastion.kernel.alerts.rules import KINDS, RULES, Rule, Subject
from bastion.kernel.alerts.sign_ins import note_new_sign_ins
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.audit.writer import Target, record_event

CHUNK = 5000
READ_KINDS = KINDS | {int(EventKind.SIGN_IN_SUCCEEDED)}  # the rules' kinds, and sign-ins for the notices
SUBJECTS_PER_QUERY = 500
# A first run does not judge the whole history: alerts about last year help nobody.
FIRST_LOOK_BACK = dt.timedelta(days=1)


@dataclass(frozen=True)
class Point:
    """One counted event: when, its sequence and its weight (1, or rows for exports)."""

    at: dt.datetime
    sequence: int
    weight: int


@dataclass(frozen=True)
class Burst:
    """The rule's threshold was reached at ``point``; ``start`` is the window's first event, ``total`` its sum."""

    point: Point
    start: Point
    total: int


def bursts(points: Sequence[Point], rule: Rule, after: int) -> list[Burst]:
    """Each point after sequence ``after`` at which the events in the window ending there reach the threshold.

    ``points`` are sorted by sequence and include the window before ``after`` (the earlier events count).
    """
    found: list[Burst] = []
    start, total = 0, 0
    for point in points:
        total += point.weight
        while points[start].at < point.at - rule.window:
            total -= points[start].weight
            start += 1
        if point.sequence > after and total >= rule.threshold:
            found.append(Burst(point, points[start], total))
    return found


def scan(*, now: dt.datetime | None = None) -> list[SecurityAlert]:
    """Judge every event not judged yet, a chunk per transaction; the alerts raised (not those extended)."""
    raised: list[SecurityAlert] = []
    while True:
        done, new = _scan_chunk(now or timezone.now())
        raised += new
        if done:
            return raised


def _scan_chunk(now: dt.datetime) -> tuple[bool, list[SecurityAlert]]:
    head = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0  # seals first
    with transaction.atomic():
        watermark = _watermark(now)
        if watermark.sequence >= head:
            return True, []
        last = min(head, watermark.sequence + CHUNK)
        events = list(
            AuditEvent.plain.filter(sequence__gt=watermark.sequence, sequence__lte=last, kind__in=READ_KINDS).order_by("sequence")
        )
        raised = _judge(events, watermark.sequence, now)
        note_new_sign_ins(events, watermark.sequence)
        watermark.sequence, watermark.scanned_at = last, now
        watermark.save(update_fields=["sequence", "scanned_at"])
    return last >= head, raised


def _watermark(now: dt.datetime) -> AlertScan:
    """The detector's row, locked for this transaction (a second detector waits); made on the first run."""
    found = AlertScan.objects.select_for_update().filter(pk=1).first()
    if found is not None:
        return found
    before = AuditEvent.plain.filter(timestamp__lt=now - FIRST_LOOK_BACK).order_by("-sequence")
    start = before.values_list("sequence", flat=True).first() or 0
    AlertScan.objects.get_or_create(pk=1, defaults={"sequence": start})
    return AlertScan.objects.select_for_update().get(pk=1)


def _judge(events: list[AuditEvent], after: int, now: dt.datetime) -> list[SecurityAlert]:
    raised: list[SecurityAlert] = []
    for rule in RULES:
        by_subject: dict[Subject, list[AuditEvent]] = defaultdict(list)
        for event in events:
            if event.kind == rule.kind and rule.keep(event):
                subject = rule.subject_of(event)
                if subject is not None:
                    by_subject[subject].append(event)
        if not by_subject:
            continue
        earlier = _earlier(rule, by_subject, min(new[0].timestamp for new in by_subject.values()), after)
        for subject, new in by_subject.items():
            points = earlier.get(subject, []) + [_point(rule, event) for event in new]
            found = bursts(points, rule, after)
            if found:
                raised += _raise_or_extend(rule, subject, found, points, now)
    return raised


def _point(rule: Rule, event: AuditEvent) -> Point:
    return Point(event.timestamp, event.sequence, rule.weight(event))


def _earlier(rule: Rule, subjects: Collection[Subject], first_new: dt.datetime, after: int) -> dict[Subject, list[Point]]:
    """The counted events already judged of ``subjects`` in the window before ``first_new``, by subject.

    One query per ``SUBJECTS_PER_QUERY`` subjects, not one per subject: an attack from many addresses
    (a botnet guessing passwords) brings thousands of subjects into one chunk.
    """
    found: dict[Subject, list[Point]] = defaultdict(list)
    listed = list(subjects)
    for start in range(0, len(listed), SUBJECTS_PER_QUERY):
        group = set(listed[start : start + SUBJECTS_PER_QUERY])
        earlier = AuditEvent.plain.filter(
            rule.any_subject(group), kind=rule.kind, sequence__lte=after, timestamp__gte=first_new - rule.window
        ).order_by("sequence")
        for event in earlier.iterator(chunk_size=2000):
            subject = rule.subject_of(event)
            if subject in group and rule.keep(event):
                found[subject].append(_point(rule, event))
    return found


def _raise_or_extend(
    rule: Rule, subject: Subject, found: Iterable[Burst], points: Sequence[Point], now: dt.datetime
) -> list[SecurityAlert]:
    raised: list[SecurityAlert] = []
    alert = (
        SecurityAlert.objects.filter(rule=rule.code, subject_type=subject.type, subject_id=subject.key, closed_at=None)
        .order_by("-last_event_at")
        .first()
    )
    for burst in found:
        if alert is not None and alert.last_event_at >= burst.point.at - rule.window:
            if burst.point.sequence > alert.last_sequence:
                _extend(alert, burst, points)
            continue
        alert = _raise(rule, subject, burst, now)
        raised.append(alert)
    return raised


def _extend(alert: SecurityAlert, burst: Burst, points: Sequence[Point]) -> None:
    alert.events += sum(p.weight for p in points if alert.last_sequence < p.sequence <= burst.point.sequence)
    alert.last_sequence, alert.last_event_at = burst.point.sequence, burst.point.at
    alert.save(update_fields=["events", "last_sequence", "last_event_at"])


def _raise(rule: Rule, subject: Subject, burst: Burst, now: dt.datetime) -> SecurityAlert:
    alert = SecurityAlert.objects.create(
        rule=rule.code,
        severity=rule.severity,
        subject_type=subject.type,
        subject_id=subject.key,
        subject_label=(subject.label or _account_label(subject))[:160],
        events=burst.total,
        first_sequence=burst.start.sequence,
        last_sequence=burst.point.sequence,
        first_event_at=burst.start.at,
        last_event_at=burst.point.at,
        raised_at=now,
    )
    extra = {"rule": rule.code, "severity": rule.severity, "subject_type": subject.type, "events": burst.total,
             "first_sequence": burst.start.sequence, "last_sequence": burst.point.sequence}  # fmt: skip
    record_event(EventKind.SECURITY_ALERT_RAISED, target=Target("kernel.securityalert", str(alert.pk)), extra=extra)
    return alert


def _account_label(subject: Subject) -> str:
    """A sign-in name's label: the staff member's user name when the name is an account, else nothing
    (an unknown name is kept only as a keyed fingerprint, never as typed)."""
    from bastion.accounts.selectors import staff_member

    if subject.type != SubjectType.ACCOUNT:
        return ""
    target_type, _sep, target_id = subject.key.partition(":")
    if target_type == "accounts.login":
        return ""
    user = staff_member(target_id)
    return str(user.get_username()) if user is not None else ""
