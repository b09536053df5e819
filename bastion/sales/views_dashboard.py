"""The dashboard: organisation-wide figures for the roles whose policy has ``dashboards`` (selectors_dashboard.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from bastion.directory.views import forbidden
from bastion.kernel.access.scoping import can_see_dashboards
from bastion.sales import selectors_dashboard
from bastion.sales.money import base_currency


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Counts and sums only: no record is named or linked (the executive may open none)."""
    if not can_see_dashboards(request.user):
        return forbidden(request, _("Your role does not give access to the dashboard."))
    figures = selectors_dashboard.dashboard(request.user)
    # Each count opens the activity list with the same filters (for a role that may read the tasks).
    task_links = [
        (_("All open"), figures.tasks.open, "state=to_do&ordering=when"),
        (_("Overdue"), figures.tasks.overdue, "state=overdue&ordering=when"),
        (_("Due today"), figures.tasks.today, "state=to_do&period=today&ordering=when"),
        (_("Due within a week"), figures.tasks.week, "state=to_do&period=next_7_days&ordering=when"),
    ]
    context = {"nav": "dashboard", "figures": figures, "task_links": task_links, "base_currency": base_currency()}
    return render(request, "sales/dashboard.html", context)
