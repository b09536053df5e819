"""The configuration audit's page (S7, ADR 0072): the checks run live for the security officer, and a
button that runs them again and records the run in the audit trail."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.views import auditor_required
from bastion.kernel.configaudit import run
from bastion.kernel.configaudit.checks import FAIL, PASS, WARN


@auditor_required
@require_http_methods(["GET", "POST"])
def configuration(request: HttpRequest) -> HttpResponseBase:
    """GET shows what the checks find now (nothing is recorded); POST also records the run."""
    if request.method == "POST":
        found = run.audit()
        counts = Counter(result.status for result in found)
        messages.success(
            request,
            _("Configuration audited and recorded: %(passed)d passed, %(warned)d to look at, %(failed)d failed.")
            % {"passed": counts[PASS], "warned": counts[WARN], "failed": counts[FAIL]},
        )
        return redirect("audit:configuration")
    found = run.results()
    counts = Counter(result.status for result in found)
    context = {
        "nav": "audit",
        "results": found,
        "counts": {"pass": counts[PASS], "warn": counts[WARN], "fail": counts[FAIL]},
        "history_kind": int(EventKind.CONFIGURATION_AUDITED),
    }
    return render(request, "kernel/configaudit/page.html", context, status=200)
