"""Reads of security alerts, for the security officers' pages (the views check the role first)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from bastion.kernel.alerts.models import SecurityAlert
from bastion.kernel.alerts.rules import Rule, Subject, rule_named
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.pagination import Page, PageRequest, paginate, parse_page_request

PAGE_SIZE = 50
EVIDENCE_LIMIT = 200
ORDERINGS = {"raised": "raised_at", "last": "last_event_at"}
DEFAULT_ORDERING = "-raised"


@dataclass(frozen=True)
class AlertFilters:
    status: str = "open"  # open, closed or all
    rule: str = ""
    severity: str = ""


def filtered_alerts(filters: AlertFilters) -> QuerySet[SecurityAlert]:
    alerts = SecurityAlert.objects.all()
    if filters.status == "open":
        alerts = alerts.filter(closed_at=None)
    elif filters.status == "closed":
        alerts = alerts.exclude(closed_at=None)
    if filters.rule:
        alerts = alerts.filter(rule=filters.rule)
    if filters.severity:
        alerts = alerts.filter(severity=filters.severity)
    return alerts


def page_request(params: Mapping[str, Any]) -> PageRequest:
    return parse_page_request(params, orderings=ORDERINGS, default_ordering=DEFAULT_ORDERING, default_limit=PAGE_SIZE)


def alert_page(filters: AlertFilters, request: PageRequest) -> Page[SecurityAlert]:
    return paginate(filtered_alerts(filters), request)


def open_alert_count() -> int:
    return SecurityAlert.objects.filter(closed_at=None).count()


def alert_by_id(alert_id: uuid.UUID | str) -> SecurityAlert | None:
    return SecurityAlert.objects.filter(pk=alert_id).first()


def evidence(alert: SecurityAlert) -> tuple[list[AuditEvent], bool]:
    """The audit events the alert counted (its rule's kind and subject, first to last), oldest first;
    at most ``EVIDENCE_LIMIT``, and whether there were more."""

    rule: Rule | None = rule_named(alert.rule)
    if rule is None:
        return [], False
    subject = Subject(alert.subject_type, alert.subject_id, alert.subject_label)
    events = AuditEvent.objects.filter(
        rule.any_subject([subject]), kind=rule.kind, sequence__gte=alert.first_sequence, sequence__lte=alert.last_sequence
    ).order_by("sequence")
    kept: list[AuditEvent] = []
    for event in events.iterator(chunk_size=500):
        if rule.subject_of(event) == subject and rule.keep(event):
            if len(kept) == EVIDENCE_LIMIT:
                return kept, True
            kept.append(event)
    return kept, False
