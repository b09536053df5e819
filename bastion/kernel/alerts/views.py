"""The security officers' alert pages: the list of alerts and one alert with its evidence and closing."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from bastion.kernel.alerts import selectors
from bastion.kernel.alerts.actions import NOTE_LIMIT, AlertError, close_alert, record_alerts_read
from bastion.kernel.alerts.models import Severity
from bastion.kernel.alerts.rules import RULES, rule_named
from bastion.kernel.audit.views import auditor_required
from bastion.kernel.pagination import PaginationError

STATUSES = [("open", pgettext_lazy("alert", "Open")), ("closed", pgettext_lazy("alert", "Closed")), ("all", gettext_lazy("All"))]


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=STATUSES)
    rule = forms.ChoiceField(label=gettext_lazy("Rule"), required=False, choices=[("", "—"), *((r.code, r.title) for r in RULES)])
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), required=False, choices=[("", "—"), *Severity.choices])

    def filters(self) -> selectors.AlertFilters:
        data = self.cleaned_data
        return selectors.AlertFilters(
            status=data.get("status") or "open", rule=data.get("rule", ""), severity=data.get("severity", "")
        )


class CloseAlertForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What you checked or did"),
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Kept with the alert and in the audit trail, e.g. “Confirmed with the rep: a planned clean-up.”"),
    )


@auditor_required
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    form = AlertFilterForm(request.GET)
    context: dict[str, Any] = {"nav": "alerts", "form": form, "alerts": [], "page": None, "rules": RULES, "listed": False}
    if not form.is_valid():
        return render(request, "kernel/alerts/list.html", context, status=400)
    filters = form.filters()
    try:
        page = selectors.alert_page(filters, selectors.page_request(request.GET))
    except PaginationError as error:
        context = {"nav": "alerts", "message": error.message, "back": reverse("audit:alert-list")}
        return render(request, "kernel/audit/bad_request.html", context, status=400)
    record_alerts_read(request.user, filters=filters)
    rows = [(alert, rule_named(alert.rule)) for alert in page.items]
    filtered = bool(filters.rule or filters.severity or filters.status != "open")
    context.update({"alerts": rows, "page": page, "filtered": filtered, "listed": True})
    return render(request, "kernel/alerts/list.html", context)


@auditor_required
@require_http_methods(["GET", "POST"])
def alert_detail(request: HttpRequest, alert_id: uuid.UUID) -> HttpResponseBase:
    alert = selectors.alert_by_id(alert_id)
    if alert is None:
        raise Http404(_("No such alert."))
    form = CloseAlertForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                close_alert(request.user, alert.pk, form.cleaned_data["note"], request=request)
            except AlertError as error:
                form.add_error("note", str(error))
            else:
                messages.success(request, _("The alert is closed."))
                return redirect("audit:alert-detail", alert_id=alert.pk)
        status = 400
    events, more = selectors.evidence(alert)
    record_alerts_read(request.user, alert=alert)
    context = {"nav": "alerts", "alert": alert, "rule": rule_named(alert.rule), "form": form, "events": events, "more": more}
    return render(request, "kernel/alerts/detail.html", context, status=status)
