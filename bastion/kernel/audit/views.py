"""The auditor's pages: the filtered audit trail and its CSV export (both audited themselves)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from bastion.accounts.selectors import staff_member_id_named
from bastion.kernel.access.roles import Role, role_of
from bastion.kernel.audit import selectors
from bastion.kernel.audit.denied import record_denied
from bastion.kernel.audit.kinds import EventKind, Outcome, code_of
from bastion.kernel.audit.writer import Target, record_event
from bastion.kernel.pagination import PaginationError
from bastion.kernel.widgets import IsoDateInput

AUDIT_ROLES = frozenset({Role.SECURITY_OFFICER, Role.ADMINISTRATOR})
CSV_LIMIT = 100_000


def can_read_audit_trail(user: Any) -> bool:
    return role_of(user) in AUDIT_ROLES


def auditor_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not can_read_audit_trail(request.user):
            record_denied(request, reason="not an auditor", status=403)
            message = _("Only security officers and administrators can read the audit trail.")
            return render(request, "kernel/audit/forbidden.html", {"message": message}, status=403)
        return view(request, *args, **kwargs)

    return wrapped


class EventFilterForm(forms.Form):
    actor = forms.CharField(
        label=gettext_lazy("Actor"), required=False, max_length=150, help_text=gettext_lazy("User name, or user id")
    )
    target_type = forms.CharField(label=gettext_lazy("Target type"), required=False, max_length=64)
    target_id = forms.CharField(label=gettext_lazy("Target id"), required=False, max_length=64)
    kind = forms.TypedChoiceField(
        label=gettext_lazy("Kind"), required=False, coerce=int, empty_value=None, choices=[("", "—"), *EventKind.choices]
    )
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), required=False, choices=[("", "—"), *Outcome.choices])
    since = forms.DateField(label=gettext_lazy("From (UTC)"), required=False, widget=IsoDateInput())
    until = forms.DateField(label=gettext_lazy("To (UTC)"), required=False, widget=IsoDateInput())

    def clean_actor(self) -> int | None:
        """A user id, given as such or as the user name of an account that exists (deleted accounts: by id)."""
        value = (self.cleaned_data.get("actor") or "").strip()
        if not value:
            return None
        if value.isdigit():
            return int(value)
        found = staff_member_id_named(value)
        if found is None:
            raise forms.ValidationError(_("No account has the user name “%(name)s”."), params={"name": value})
        return int(found)

    def filters(self) -> selectors.EventFilters:
        """The validated filters; a form that is not valid has none (never "no filter": the whole log)."""
        if not self.is_valid():
            raise ValueError("the audit filter form is not valid: show its errors instead of filtering")
        data = self.cleaned_data

        def day(value: dt.date | None, offset: int = 0) -> dt.datetime | None:
            return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC) + dt.timedelta(days=offset) if value else None

        return selectors.EventFilters(
            actor_id=data.get("actor"),
            target_type=data.get("target_type") or "",
            target_id=data.get("target_id") or "",
            kind=data.get("kind"),
            outcome=data.get("outcome") or "",
            since=day(data.get("since")),
            until=day(data.get("until"), 1),
        )


def _audit_read(request: HttpRequest, kind: EventKind, filters: selectors.EventFilters, **extra: Any) -> None:
    described = {key: value for key, value in filters.__dict__.items() if value not in (None, "")}
    with transaction.atomic():
        record_event(kind, actor=request.user, target=Target("kernel.audit_log"), extra={"filters": described, **extra})


def _filter_refused(request: HttpRequest, form: EventFilterForm) -> HttpResponse:
    """A filter that cannot be applied: the form with its errors and no events, never the whole log unfiltered."""
    return render(request, "kernel/audit/list.html", {"nav": "audit", "form": form, "events": [], "page": None}, status=400)


@auditor_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET)
    if not form.is_valid():
        return _filter_refused(request, form)
    filters = form.filters()
    try:
        page = selectors.event_page(filters, selectors.page_request(request.GET))
    except PaginationError as error:
        context: dict[str, Any] = {"nav": "audit", "message": error.message, "back": reverse("audit:event-list")}
        return render(request, "kernel/audit/bad_request.html", context, status=400)
    _audit_read(request, EventKind.AUDIT_LOG_VIEWED, filters)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {"nav": "audit", "form": form, "events": page.items, "page": page, "query": query.urlencode()}
    return render(request, "kernel/audit/list.html", context)


def _csv_rows(events: Iterator[Any]) -> Iterator[list[Any]]:
    yield ["sequence", "timestamp", "kind", "outcome", "actor_id", "actor", "client_ip", "request_id", "target_type", "target_id"]
    for event in events:
        yield [
            event.sequence,
            event.timestamp.isoformat(),
            code_of(event.kind),
            event.outcome,
            event.actor_id or "",
            event.actor_snapshot.get("username", ""),
            event.client_ip,
            event.request_id,
            event.target_type,
            event.target_id,
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


@auditor_required
@require_GET
def event_csv(request: HttpRequest) -> HttpResponseBase:
    """The filtered view as CSV (at most 100,000 rows); an export needs step-up and is itself an audit event."""
    from bastion.accounts.stepup import challenge

    if (asked := challenge(request)) is not None:
        return asked
    form = EventFilterForm(request.GET)
    if not form.is_valid():
        return _filter_refused(request, form)
    filters = form.filters()
    _audit_read(request, EventKind.EXPORTED, filters, format="csv")
    writer = csv.writer(_Echo())
    events = selectors.filtered_events(filters)[:CSV_LIMIT].iterator(chunk_size=2000)
    response = StreamingHttpResponse((writer.writerow(_safe(row)) for row in _csv_rows(events)), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
    return response


def _safe(row: list[Any]) -> list[Any]:
    """Neutralise spreadsheet formulas (CSV injection): a cell starting with = + - @ gets a quote."""
    return [f"'{cell}" if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@") else cell for cell in row]
