"""Reads of the audit trail for the auditor's pages and the records' history tabs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.pagination import Page, PageRequest, paginate, parse_page_request

PAGE_SIZE = 50
# The log has one order, the sequence (the order of the hash chain); newest first by default.
ORDERINGS = {"sequence": "sequence"}
DEFAULT_ORDERING = "-sequence"


@dataclass(frozen=True)
class EventFilters:
    actor_id: int | None = None
    target_type: str = ""
    target_id: str = ""
    kind: int | None = None
    outcome: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def filtered_events(filters: EventFilters) -> QuerySet[AuditEvent]:
    """Events matching ``filters``, newest first."""
    queryset = AuditEvent.objects.order_by("-sequence")
    if filters.actor_id is not None:
        queryset = queryset.filter(actor_id=filters.actor_id)
    if filters.target_type:
        queryset = queryset.filter(target_type=filters.target_type)
    if filters.target_id:
        queryset = queryset.filter(target_id=filters.target_id)
    if filters.kind is not None:
        queryset = queryset.filter(kind=filters.kind)
    if filters.outcome:
        queryset = queryset.filter(outcome=filters.outcome)
    if filters.since is not None:
        queryset = queryset.filter(timestamp__gte=filters.since)
    if filters.until is not None:
        queryset = queryset.filter(timestamp__lt=filters.until)
    return queryset


def page_request(params: Any) -> PageRequest:
    """``ordering``, ``limit`` and the sealed ``cursor`` of the auditor's list (raises ``PaginationError``)."""
    return parse_page_request(params, orderings=ORDERINGS, default_ordering=DEFAULT_ORDERING, default_limit=PAGE_SIZE)


def event_page(filters: EventFilters, request: PageRequest) -> Page[AuditEvent]:
    """One keyset page of the filtered events (``bastion.kernel.pagination``: sealed cursors, no count)."""
    return paginate(filtered_events(filters), request)


def history_of(target_type: str, target_id: str, limit: int = 200) -> list[AuditEvent]:
    """The latest events about one record (viewed, changed, denied), newest first."""
    return list(filtered_events(EventFilters(target_type=target_type, target_id=target_id))[:limit])
