"""The page on which an administrator hands a colleague's open work to another (bastion.sales.handover)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bastion.accounts import stepup
from bastion.accounts.selectors import staff_member
from bastion.accounts.staff import can_manage_staff
from bastion.sales import handover, handover_jobs
from bastion.sales.forms_handover import HandOverForm

FAILURES_SHOWN = 50


@login_required
@require_http_methods(["GET", "POST"])
def hand_over(request: HttpRequest, user_id: int) -> HttpResponse:
    """GET shows the colleague's open work, the form and the latest hand-overs; POST (with step-up) starts one."""
    _require_administrator(request)
    if request.method == "POST" and (asked := stepup.challenge(request)) is not None:
        return asked
    member = _member(user_id)
    work = handover.open_work(request.user, member)
    form = HandOverForm(request.POST or None, recipients=handover.recipients(member), work=work)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = handover_jobs.start(
                    request.user, member, data["recipient"], data["kinds"], to_their_team=data["to_their_team"]
                )
            except ValidationError as error:
                form.add_action_errors(error)
            else:
                return redirect("sales:hand-over-job", user_id=member.pk, job_id=job.pk)
    jobs = list(handover_jobs.recent_jobs(request.user, member))
    running = next((job for job in jobs if job.is_active), None)
    rows = [(key, kind.label, work[key]) for key, kind in handover.KINDS.items()]
    context = {"nav": "access", "member": member, "rows": rows, "total": sum(work.values()), "form": form}
    return render(request, "sales/handover.html", context | {"jobs": jobs, "running": running}, status=status)


@login_required
@require_GET
def hand_over_job(request: HttpRequest, user_id: int, job_id: Any) -> HttpResponse:
    """One hand-over's progress, then its outcome; the status part refreshes itself while it runs."""
    _require_administrator(request)
    member = _member(user_id)
    job = handover_jobs.job_for(request.user, member, job_id)
    template = "sales/_handover_status.html" if request.headers.get("HX-Request") else "sales/handover_job.html"
    return render(request, template, _job_context(member, job))


def _job_context(member: Any, job: Any) -> dict[str, Any]:
    shown = [(_label(kind), pk, why) for kind, pk, why in job.failures[:FAILURES_SHOWN]]
    context = {"nav": "access", "member": member, "job": job, "failures": shown}
    return context | {"kinds": [_label(key) for key in job.kinds], "recipient": name_of(job.recipient)}


def _label(key: str) -> Any:
    """A kind of work as the pages name it (a kind this version no longer has: its key)."""
    return handover.KINDS[key].label if key in handover.KINDS else key


def _require_administrator(request: HttpRequest) -> None:
    if not can_manage_staff(request.user):
        raise PermissionDenied(_("Only an administrator can hand over a colleague's work."))


def _member(user_id: int) -> Any:
    member = staff_member(user_id)
    if member is None:
        raise Http404(_("No such member of staff."))
    return member


def name_of(recipient: Any) -> str:
    """A colleague as the messages name them: their full name, else their user name."""
    return str(getattr(recipient, "get_full_name", lambda: "")() or recipient)
