"""Administrators' staff pages (adding a colleague, role, teams, a new one-time password, disabling)
and the access review (administrators and security officers). Each write calls one function of
bastion.accounts.staff: that call is where a step-up check of the second factor goes (issue 5, item 6).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bastion.accounts import review, selectors, staff, stepup
from bastion.accounts.forms_staff import NewColleagueForm, RoleForm, SignOffForm, TeamsForm
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import Target, record_event


def _admin_only(request: HttpRequest) -> None:
    if not staff.can_manage_staff(request.user):
        raise PermissionDenied(_("Only an administrator can manage members of staff."))


def _member(user_id: int) -> Any:
    member = selectors.staff_member(user_id)
    if member is None:
        raise Http404(_("No such member of staff."))
    return member


@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    return render(request, "accounts/admin/staff_list.html", {"nav": "access", "rows": review.review_rows()})


@login_required
@require_http_methods(["GET", "POST"])
def staff_member(request: HttpRequest, user_id: int) -> HttpResponse:
    """One member: change the role (``staff.change_role``) or the teams (``staff.set_teams``); a change needs step-up."""
    _admin_only(request)
    if request.method == "POST" and (asked := stepup.challenge(request)) is not None:
        return asked
    member = _member(user_id)
    teams = selectors.all_teams()
    current = selectors.membership_of(member)
    role_form = RoleForm(initial={"role": current.role if current else ""})
    teams_form = TeamsForm(
        teams=teams,
        initial={"teams": list(current.teams.all()) if current else [], "managed": list(teams.filter(managers=member))},
    )
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if "role" in request.POST:
                role_form = RoleForm(request.POST)
                if role_form.is_valid():
                    changed = staff.change_role(request.user, member, role_form.cleaned_data["role"])
                    messages.success(request, _("Role changed.") if changed else _("Nothing changed."))
                    return redirect("accounts:staff-member", user_id=user_id)
            else:
                teams_form = TeamsForm(request.POST, teams=teams)
                if teams_form.is_valid():
                    data = teams_form.cleaned_data
                    changed = staff.set_teams(request.user, member, data["teams"], data["managed"])
                    messages.success(request, _("Teams changed.") if changed else _("Nothing changed."))
                    return redirect("accounts:staff-member", user_id=user_id)
        except ValidationError as error:
            role_form.add_error(None, error.messages)
        except PermissionDenied as error:
            role_form.add_error(None, str(error))
    context = {"nav": "access", "member": member, "membership": current, "role_form": role_form, "teams_form": teams_form}
    return render(request, "accounts/admin/staff_member.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def staff_disable(request: HttpRequest, user_id: int) -> HttpResponse:
    """GET (or POST without ``confirmed``) asks; POST with ``confirmed`` disables (``staff.disable``), with step-up."""
    _admin_only(request)
    if request.method == "POST" and (asked := stepup.challenge(request)) is not None:
        return asked
    member = _member(user_id)
    error = ""
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            result = staff.disable(request.user, member)
        except PermissionDenied as denied:
            error = str(denied)
        else:
            messages.success(
                request,
                _("%(user)s is disabled: %(sessions)d sessions ended, %(tokens)d API tokens revoked.")
                % {"user": member.get_username(), "sessions": result.sessions_ended, "tokens": result.tokens_revoked},
            )
            return redirect("accounts:staff")
    context = {"nav": "access", "member": member, "error": error}
    return render(request, "accounts/admin/staff_disable.html", context, status=403 if error else 200)


def _shown_once(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A page with a one-time password: rendered in the POST's own response (never a redirect, URL,
    message or session), and not to be kept by any cache or the browser's history."""
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def staff_new(request: HttpRequest) -> HttpResponse:
    """Add a colleague (``staff.add_member``, with step-up); the response shows their one-time password, once."""
    _admin_only(request)
    if request.method == "POST" and (asked := stepup.challenge(request)) is not None:
        return asked
    form = NewColleagueForm(request.POST if request.method == "POST" else None, teams=selectors.all_teams())
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            member, password = staff.add_member(
                request.user, username=data["username"], email=data["email"], role=data["role"], teams=data["teams"],
                first_name=data["first_name"], last_name=data["last_name"],
            )  # fmt: skip
        except ValidationError as error:
            form.add_action_errors(error)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        else:
            context = {"nav": "access", "member": member, "membership": selectors.membership_of(member), "password": password}
            return _shown_once(request, "accounts/admin/staff_created.html", context)
    return render(request, "accounts/admin/staff_new.html", {"nav": "access", "form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def staff_one_time_password(request: HttpRequest, user_id: int) -> HttpResponse:
    """GET (or POST without ``confirmed``) asks; POST with ``confirmed`` gives the member a new one-time password
    (``staff.issue_one_time_password``, with step-up) and shows it once."""
    _admin_only(request)
    if request.method == "POST" and (asked := stepup.challenge(request)) is not None:
        return asked
    member = _member(user_id)
    error, status = "", 200
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            keep = request.POST.get("keep_tokens") == "yes"  # absent: revoke, the safe choice
            issued = staff.issue_one_time_password(request.user, member, revoke_tokens=not keep)
        except PermissionDenied as denied:
            error, status = str(denied), 403
        except ValidationError as invalid:
            error, status = " ".join(invalid.messages), 400
        else:
            context = {"nav": "access", "member": member, "issued": issued, "password": issued.password}
            return _shown_once(request, "accounts/admin/staff_password_issued.html", context)
    refusal = staff.one_time_password_refusal(request.user, member)
    context = {
        "nav": "access", "member": member, "error": error or refusal or "", "can_issue": refusal is None,
        "is_self": member.pk == request.user.pk, "tokens": staff.usable_tokens().filter(user_id=member.pk).count(),
    }  # fmt: skip
    return render(request, "accounts/admin/staff_one_time_password.html", context, status=status)


def _review_allowed(request: HttpRequest) -> None:
    if not staff.can_review_access(request.user):
        raise PermissionDenied(_("Only an administrator or a security officer can see the access review."))


@login_required
@require_http_methods(["GET", "POST"])
def access_review(request: HttpRequest) -> HttpResponse:
    """Every member's access, the last sign-off and when the next is due; POST signs off (``staff.sign_off_review``)."""
    _review_allowed(request)
    rows = review.review_rows()
    form = SignOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        shares = sum(len(row.shares) for row in rows) + len(review.team_shares())
        staff.sign_off_review(
            request.user, form.cleaned_data["note"], members=len(rows), shares=shares, tokens=sum(len(row.tokens) for row in rows)
        )
        messages.success(request, _("Access review signed off."))
        return redirect("accounts:access-review")
    now = timezone.now()
    due = staff.review_due_at(now)
    context = {
        "nav": "access", "rows": rows, "team_shares": review.team_shares(), "form": form, "last": staff.last_review(),
        "due_at": due, "overdue": due <= now, "inactive_days": settings.ACCESS_INACTIVE_DAYS,
    }  # fmt: skip
    return render(request, "accounts/admin/access_review.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def access_review_csv(request: HttpRequest) -> HttpResponse:
    """The review as CSV (an export: step-up); the export is an audit event."""
    _review_allowed(request)
    if (asked := stepup.challenge(request)) is not None:
        return asked
    rows = review.review_rows()
    with transaction.atomic():
        record_event(
            EventKind.EXPORTED,
            actor=request.user,
            target=Target("accounts.accessreview"),
            request=request,
            extra={"rows": len(rows)},
        )
    response = HttpResponse(review.review_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="access-review-{timezone.localdate():%Y-%m-%d}.csv"'
    return response
