"""The page on which an administrator hands a colleague's open work to another (bastion.sales.handover)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from bastion.accounts import stepup
from bastion.accounts.selectors import staff_member
from bastion.accounts.staff import can_manage_staff
from bastion.sales import handover
from bastion.sales.forms_handover import HandOverForm


@login_required
@require_http_methods(["GET", "POST"])
def hand_over(request: HttpRequest, user_id: int) -> HttpResponse:
    """GET shows the colleague's open work and the form; POST (with step-up) moves it."""
    if not can_manage_staff(request.user):
        raise PermissionDenied(_("Only an administrator can hand over a colleague's work."))
    if request.method == "POST" and (asked := stepup.challenge(request)) is not None:
        return asked
    member = staff_member(user_id)
    if member is None:
        raise Http404(_("No such member of staff."))
    work = handover.open_work(request.user, member)
    form = HandOverForm(request.POST or None, recipients=handover.recipients(member), work=work, initial=_as_before(request))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = handover.hand_over(
                    request.user, member, data["recipient"], data["kinds"], to_their_team=data["to_their_team"]
                )
            except ValidationError as error:
                form.add_action_errors(error)
            else:
                report(request, result, data["recipient"])
                page = reverse("sales:hand-over", args=[member.pk])
                return redirect(f"{page}?{_next_step(data)}" if result.remaining_count else page)
    rows = [(key, kind.label, work[key]) for key, kind in handover.KINDS.items()]
    context = {"nav": "access", "member": member, "rows": rows, "total": sum(work.values()), "form": form}
    return render(request, "sales/handover.html", context, status=status)


def _next_step(data: dict[str, Any]) -> str:
    """The choices of a step that left work behind, for the page to offer them again (one press goes on)."""
    choices = {"recipient": data["recipient"].pk, "kinds": data["kinds"]}
    return urlencode(choices | ({"to_their_team": "1"} if data["to_their_team"] else {}), doseq=True)


def _as_before(request: HttpRequest) -> dict[str, Any]:
    """The form's starting values from :func:`_next_step`'s query (the form still checks them when sent)."""
    if request.method != "GET":
        return {}
    given = {"recipient": request.GET.get("recipient"), "kinds": request.GET.getlist("kinds")}
    initial = {name: value for name, value in given.items() if value}
    return initial | ({"to_their_team": True} if request.GET.get("to_their_team") else {})


def name_of(recipient: Any) -> str:
    """A colleague as the messages name them: their full name, else their user name."""
    return str(getattr(recipient, "get_full_name", lambda: "")() or recipient)


def report(request: HttpRequest, result: handover.HandOver, recipient: object) -> None:
    """Tell the user what a hand-over or a list's "Change owner" moved, what it could not and what is left."""
    name = name_of(recipient)
    messages.success(
        request,
        ngettext("%(count)d record handed over to %(name)s.", "%(count)d records handed over to %(name)s.", result.moved_count)
        % {"count": result.moved_count, "name": name},
    )
    if result.failed:
        key, pk, why = result.failed[0]
        messages.error(
            request,
            ngettext(
                "%(count)d record could not be handed over, for example %(kind)s %(id)s: %(why)s",
                "%(count)d records could not be handed over, for example %(kind)s %(id)s: %(why)s",
                len(result.failed),
            )
            % {"count": len(result.failed), "kind": handover.KINDS[key].label, "id": pk, "why": why},
        )
    if result.remaining_count:
        messages.warning(
            request,
            ngettext(
                "%(count)d more record is still to hand over: press Hand over again (the form is filled in as before).",
                "%(count)d more records are still to hand over: press Hand over again (the form is filled in as before).",
                result.remaining_count,
            )
            % {"count": result.remaining_count},
        )
