"""Activity pages: the list of every activity the user can see; add and edit a task, call, meeting or
note; mark a task done; delete; "my day" (overdue and today's tasks, today's meetings, due
reminders); the iCalendar download.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bastion.directory import selectors as directory
from bastion.directory.forms import valid_filters
from bastion.directory.views import bad_page_request, forbidden, reader_required, render_list, writer_required
from bastion.kernel.access.scoping import can_change_customer_records
from bastion.kernel.pagination import PaginationError, parse_page_request
from bastion.sales import actions_activities, selectors_activities
from bastion.sales.access import access_activity_by_id
from bastion.sales.calendar import calendar_file
from bastion.sales.forms_activities import ActivityFilterForm, ActivityForm

# The "Sort by" select of the list (keys of selectors_activities.ACTIVITY_ORDERINGS).
SORT_CHOICES = [
    ("-when", gettext_lazy("Latest first")),
    ("when", gettext_lazy("Earliest first")),
    ("-updated", gettext_lazy("Recently changed first")),
]


def activity_filter_form(data: Any) -> ActivityFilterForm:
    return ActivityFilterForm(data, assignees=directory.assignable_owners())


RECORD_FILTERS = ("contact", "company", "lead", "deal")


def activity_filters(form: ActivityFilterForm, user: Any) -> selectors_activities.ActivityFilters:
    """The list's filters from its form (a bad value is shown as an error and ignored); the export uses
    them too. A record filter must name a record the user may see (else an error, and no filter)."""
    values = valid_filters(form)
    about = {}
    for name in RECORD_FILTERS:
        if values.get(name) and selectors_activities.visible_record(user, name, values[name]) is None:
            form.add_error(None, _("The record whose activities were asked for does not exist, or you cannot see it."))
        elif values.get(name):
            about[f"{name}_id"] = values[name]
    return selectors_activities.ActivityFilters(
        q=(values.get("q") or "").strip(), kind=values.get("kind") or "", assignee_id=values.get("assignee"),
        state=values.get("state") or "", period=values.get("period") or "", **about,
    )  # fmt: skip


def _about(user: Any, filters: selectors_activities.ActivityFilters) -> list[tuple[str, Any]]:
    """(kind of record, record) of each record filter, for the page's "About" line."""
    found = []
    for name in RECORD_FILTERS:
        pk = getattr(filters, f"{name}_id")
        if pk is not None:
            found.append((name, selectors_activities.visible_record(user, name, pk)))
    return found


@reader_required
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    """Every task, call, meeting and note the user can see, filtered, sorted and a page at a time."""
    form = activity_filter_form(request.GET)
    filters = activity_filters(form, request.user)
    about = _about(request.user, filters)
    try:
        page_request = parse_page_request(
            request.GET,
            orderings=selectors_activities.ACTIVITY_ORDERINGS,
            default_ordering=selectors_activities.DEFAULT_ACTIVITY_ORDERING,
        )
        page = selectors_activities.activity_page(request.user, filters, page_request)
    except PaginationError as error:
        return bad_page_request(request, error, nav="my-day", back=reverse("sales:activity-list"))
    context = {
        "nav": "my-day",
        "form": form,
        "page": page,
        "query": filters.q,
        "filtered": filters != selectors_activities.ActivityFilters(),
        "about": about,
        # "Add task" on a record's activities adds it to that record.
        "about_query": "&".join(f"{name}={record.pk}" for name, record in about if record is not None),
        "sort_choices": SORT_CHOICES,
        "can_edit": can_change_customer_records(request.user),
        "here": request.get_full_path(),
    }
    # The htmx fragment is the results and, out of band, the export link with the new filters.
    return render_list(request, "sales/activities/list.html", "sales/activities/_results_swap.html", context)


def _next(request: HttpRequest, value: str, default: str = "sales:my-day") -> str:
    """``value`` if it is a page of this site, else the page named ``default``."""
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return value
    return reverse(default)


def _form_page(request: HttpRequest, form: ActivityForm, activity: Any = None, *, status: int = 200) -> HttpResponse:
    return render(request, "sales/activities/form.html", {"nav": "my-day", "form": form, "activity": activity}, status=status)


@writer_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    assignees = directory.assignable_owners()
    if request.method != "POST":
        initial: dict[str, Any] = {name: request.GET.get(name) for name in ("kind", "contact", "company", "lead", "deal", "next")}
        initial["kind"] = initial["kind"] or "task"
        initial["assignee"] = request.user.pk
        return _form_page(request, ActivityForm(initial=initial, assignees=assignees))
    form = ActivityForm(request.POST, assignees=assignees)
    if form.is_valid():
        try:
            activity = actions_activities.create_activity(request.user, form.action_data(editing=False))
        except ValidationError as error:
            form.add_action_errors(error)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        else:
            messages.success(request, _("“%(subject)s” added.") % {"subject": activity.subject})
            return redirect(_next(request, form.cleaned_data.get("next") or ""))
    return _form_page(request, form, status=400)


@writer_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, activity_id: UUID) -> HttpResponse:
    activity = access_activity_by_id(request.user, activity_id, for_write=True)
    assignees = directory.assignable_owners(keep=activity.assignee_id)
    if request.method != "POST":
        initial = {**ActivityForm.initial_for(activity), "next": request.GET.get("next", "")}
        return _form_page(request, ActivityForm(initial=initial, assignees=assignees), activity)
    form = ActivityForm(request.POST, assignees=assignees)
    if form.is_valid():
        try:
            actions_activities.update_activity(request.user, activity.pk, form.action_data(editing=True))
        except ValidationError as error:
            form.add_action_errors(error)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        else:
            messages.success(request, _("Changes to “%(subject)s” saved.") % {"subject": form.cleaned_data["subject"]})
            return redirect(_next(request, form.cleaned_data.get("next") or ""))
    return _form_page(request, form, activity, status=400)


@writer_required
@require_POST
def activity_done(request: HttpRequest, activity_id: UUID) -> HttpResponse:
    done = request.POST.get("done", "yes") == "yes"
    try:
        activity = actions_activities.set_done(request.user, activity_id, done)
    except PermissionDenied as error:
        return forbidden(request, str(error))
    except ValidationError as error:  # not a task: nothing to mark
        messages.error(request, " ".join(error.messages))
        return redirect(_next(request, request.POST.get("next", "")))
    text = _("“%(subject)s” is done.") if done else _("“%(subject)s” is open again.")
    messages.success(request, text % {"subject": activity.subject})
    return redirect(_next(request, request.POST.get("next", "")))


@writer_required
@require_http_methods(["GET", "POST"])
def activity_delete(request: HttpRequest, activity_id: UUID) -> HttpResponse:
    activity = access_activity_by_id(request.user, activity_id, for_write=True)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            actions_activities.delete_activity(request.user, activity.pk)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        messages.success(request, _("“%(subject)s” deleted.") % {"subject": activity.subject})
        return redirect(_next(request, request.POST.get("next", "")))
    context = {"nav": "my-day", "activity": activity, "next": request.GET.get("next", "")}
    return render(request, "sales/activities/confirm_delete.html", context)


@reader_required
@require_GET
def my_day(request: HttpRequest) -> HttpResponse:
    day = selectors_activities.my_day(request.user)
    context = {"nav": "my-day", "day": day, "coming_days": selectors_activities.COMING_DAYS, "here": request.get_full_path()}
    return render(request, "sales/activities/my_day.html", context)


@reader_required
@require_GET
def calendar_download(request: HttpRequest) -> HttpResponse:
    """The user's meetings and tasks as an .ics file (a download: no secret link to subscribe to)."""
    items = selectors_activities.calendar_items(request.user)
    body = calendar_file(items, host=request.get_host(), name=_("Bastion: my meetings and tasks"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bastion-activities.ics"'
    return response
