"""A list's "Change owner": the companies, contacts, leads or deals ticked on their list go to one
colleague, each through its update action (bastion.sales.handover.reassign)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from bastion.directory import selectors as directory
from bastion.directory.views import writer_required
from bastion.sales import handover
from bastion.sales.forms_handover import ReassignForm
from bastion.sales.views_activities import _next
from bastion.sales.views_handover import report


@dataclass(frozen=True)
class ChosenList:
    """What the page says about one kind of record, and where it goes back to."""

    nav: str
    list_page: str
    plural: Promise
    heading: Callable[[int], str]
    detail_label: Promise
    detail: Callable[[Any], str]
    page: str


def _where(company: Any) -> str:
    return ", ".join(part for part in (company.city, company.country) if part)


LISTS: dict[str, ChosenList] = {
    "companies": ChosenList(
        "companies",
        "directory:company-list",
        gettext_lazy("Companies"),
        lambda n: ngettext("Change the owner of %(count)d company", "Change the owner of %(count)d companies", n),
        gettext_lazy("Location"),
        _where,
        "directory:company-detail",
    ),
    "contacts": ChosenList(
        "contacts",
        "directory:contact-list",
        gettext_lazy("Contacts"),
        lambda n: ngettext("Change the owner of %(count)d contact", "Change the owner of %(count)d contacts", n),
        gettext_lazy("Company"),
        lambda contact: contact.company.name if contact.company else "",
        "directory:contact-detail",
    ),
    "leads": ChosenList(
        "leads",
        "sales:lead-list",
        gettext_lazy("Leads"),
        lambda n: ngettext("Change the owner of %(count)d lead", "Change the owner of %(count)d leads", n),
        gettext_lazy("Status"),
        lambda lead: lead.get_status_display(),
        "sales:lead-detail",
    ),
    "deals": ChosenList(
        "deals",
        "sales:deal-list",
        gettext_lazy("Deals"),
        lambda n: ngettext("Change the owner of %(count)d deal", "Change the owner of %(count)d deals", n),
        gettext_lazy("Stage"),
        lambda deal: deal.stage.name,
        "sales:deal-detail",
    ),
}


def _rows(kind: ChosenList, records: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": getattr(record, "display_name", None) or record.name,
            "url": reverse(kind.page, args=[record.pk]),
            "detail": kind.detail(record),
            "owner": record.owner,
            "pk": record.pk,
        }
        for record in records
    ]


@writer_required
@require_http_methods(["GET", "POST"])
def change_owner(request: HttpRequest, kind: str) -> HttpResponse:
    """GET (from a list's "Change owner") shows the chosen records and asks; POST gives them to the
    chosen colleague, each through its update (those the user may not change are reported)."""
    if kind not in LISTS:
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    page = LISTS[kind]
    records = handover.chosen(request.user, kind, data.getlist("record"))
    form = ReassignForm(data if "owner" in data else None, owners=directory.assignable_owners())
    back = _next(request, data.get("next", ""), page.list_page)
    if request.method == "POST" and records and form.is_valid():
        try:
            result = handover.reassign(request.user, kind, [record.pk for record in records], form.cleaned_data["owner"])
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            report(request, result, form.cleaned_data["owner"])
            return redirect(back)
    context = {
        "nav": page.nav,
        "kind": kind,
        "page": page,
        "heading": page.heading(len(records)) % {"count": len(records)},
        "rows": _rows(page, records),
        "form": form,
        "next": back,
    }
    return render(request, "sales/change_owner.html", context, status=400 if request.method == "POST" else 200)
