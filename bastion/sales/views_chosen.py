"""What a list does with the records ticked on it: "Change owner" gives the companies, contacts,
leads, deals or activities to one colleague (bastion.sales.handover.reassign); "Tag" adds tags to
companies or contacts and takes tags off them (bastion.sales.tagging); "Move to a stage" moves
deals (bastion.sales.chosen_deals); "Set the status" changes leads' (bastion.sales.chosen_leads);
"Mark done" closes the chosen tasks (bastion.sales.chosen_tasks); orders' "Set the status" moves
them on (bastion.commerce.chosen_orders); "Delete" (bastion.sales.views_delete_chosen) deletes them.
Each record changes through its own action."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from bastion.commerce import chosen_orders, chosen_products
from bastion.commerce.forms import OrderStatusChosenForm
from bastion.commerce.views_orders import seller_required
from bastion.commerce.views_products import admin_required
from bastion.directory import selectors as directory
from bastion.directory.views import writer_required
from bastion.sales import chosen_deals, chosen_leads, chosen_tasks, handover, selectors_chosen, tagging
from bastion.sales import selectors as deal_selectors
from bastion.sales.forms_handover import LeadStatusChosenForm, MoveChosenForm, ReassignForm, TagChosenForm
from bastion.sales.views_activities import _next
from bastion.sales.views_handover import name_of
from bastion.sales.views_told import (
    ACTIVATED,
    DEACTIVATED,
    HANDED_OVER,
    MARKED_DONE,
    MOVED,
    ORDER_STATUS_SET,
    STATUS_SET,
    TAGGED,
    Told,
    tell,
)


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
    tag_heading: Callable[[int], str] = lambda n: ""
    name: Callable[[Any], str] = lambda record: getattr(record, "display_name", None) or record.name
    owner: Callable[[Any], Any] = lambda record: record.owner
    owner_now: Promise = gettext_lazy("Owner now")
    owner_label: Promise | str = gettext_lazy("Owner")  # on the page that deletes them, where "now" says nothing
    new_owner: Promise = gettext_lazy("New owner")
    change: Promise = gettext_lazy("Change owner")


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
        lambda n: ngettext("Tag %(count)d company", "Tag %(count)d companies", n),
    ),
    "contacts": ChosenList(
        "contacts",
        "directory:contact-list",
        gettext_lazy("Contacts"),
        lambda n: ngettext("Change the owner of %(count)d contact", "Change the owner of %(count)d contacts", n),
        gettext_lazy("Company"),
        lambda contact: contact.company.name if contact.company else "",
        "directory:contact-detail",
        lambda n: ngettext("Tag %(count)d contact", "Tag %(count)d contacts", n),
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
        lambda deal: f"{deal.stage.name} · {deal.stage.pipeline.name}",  # several pipelines may name a stage alike
        "sales:deal-detail",
    ),
    "orders": ChosenList(
        "orders",
        "commerce:order-list",
        gettext_lazy("Orders"),
        lambda n: "",  # orders change status from their list, not owner
        gettext_lazy("Status"),
        lambda order: order.get_status_display(),
        "commerce:order-detail",
        name=lambda order: order.number,
    ),
    "products": ChosenList(
        "products",
        "commerce:product-list",
        gettext_lazy("Products"),
        lambda n: "",  # products are switched on and off from their list, at once
        gettext_lazy("SKU"),
        lambda product: product.sku,
        "commerce:product-detail",
        owner=lambda product: None,
        owner_label="",  # products have no owner: no column
    ),
    "activities": ChosenList(
        "my-day",  # the menu entry of the activity list
        "sales:activity-list",
        gettext_lazy("Activities"),
        lambda n: ngettext("Change the assignee of %(count)d activity", "Change the assignee of %(count)d activities", n),
        gettext_lazy("Kind"),
        lambda activity: activity.get_kind_display(),
        "sales:activity-edit",
        name=lambda activity: activity.subject,
        owner=lambda activity: activity.assignee,
        owner_now=gettext_lazy("Assignee now"),
        owner_label=gettext_lazy("Assignee"),
        new_owner=gettext_lazy("New assignee"),
        change=gettext_lazy("Change assignee"),
    ),
}


def _rows(kind: ChosenList, records: list[Any], *, with_tags: bool = False) -> list[dict[str, Any]]:
    if with_tags:
        prefetch_related_objects(records, "tags")
    return [
        {
            "name": kind.name(record),
            "url": reverse(kind.page, args=[record.pk]),
            "detail": kind.detail(record),
            "owner": kind.owner(record),
            "tags": sorted(record.tags.all(), key=lambda tag: tag.key) if with_tags else [],
            "pk": record.pk,
        }
        for record in records
    ]


def _answered(request: HttpRequest) -> bool:
    """A POST from the page's own form, not the list's (which sends ``choosing``) nor a GET: its form is checked."""
    return request.method == "POST" and "choosing" not in request.POST


def _page(kind: str, heading: str, rows: list[dict[str, Any]], back: str) -> dict[str, Any]:
    """What both pages show above their form: the list they came from and the chosen records."""
    page = LISTS[kind]
    return {"nav": page.nav, "kind": kind, "page": page, "heading": heading, "rows": rows, "next": back}


@writer_required
@require_http_methods(["GET", "POST"])
def change_owner(request: HttpRequest, kind: str) -> HttpResponse:
    """From a list (its "Change owner" posts the ticked ids with ``choosing``; a GET also works) this
    shows the chosen records and asks; the page's own POST gives them to the chosen colleague, each
    through its update (those the user may not change are reported)."""
    if kind not in handover.KINDS:
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    page = LISTS[kind]
    records = selectors_chosen.chosen(request.user, kind, data.getlist("record"))
    form = ReassignForm(data if _answered(request) else None, owners=directory.assignable_owners(), label=page.new_owner)
    back = _next(request, data.get("next", ""), page.list_page)
    if request.method == "POST" and records and form.is_valid():
        try:
            result = handover.reassign(request.user, kind, [record.pk for record in records], form.cleaned_data["owner"])
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            tell(request, HANDED_OVER, result, records, page.name, {"recipient": name_of(form.cleaned_data["owner"])})
            return redirect(back)
    context = _page(kind, page.heading(len(records)) % {"count": len(records)}, _rows(page, records), back)
    context.update(form=form, action=reverse("sales:change-owner", args=[kind]), form_testid="reassign-form")
    return render(request, "sales/change_owner.html", context, status=400 if form.is_bound else 200)


@writer_required
@require_http_methods(["GET", "POST"])
def tag_chosen(request: HttpRequest, kind: str) -> HttpResponse:
    """From the company or contact list's "Tag" this shows the chosen records and their tags; the
    page's own POST adds and takes off tags, each record through its update (those it could not
    change are reported)."""
    if kind not in tagging.TAGGABLE:
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    page = LISTS[kind]
    records = selectors_chosen.chosen(request.user, kind, data.getlist("record"))
    rows = _rows(page, records, with_tags=True)
    carried = sorted({tag.name for row in rows for tag in row["tags"]}, key=str.casefold)
    form = TagChosenForm(data if _answered(request) else None, carried=carried)
    back = _next(request, data.get("next", ""), page.list_page)
    if request.method == "POST" and records and form.is_valid():
        try:
            pks = [record.pk for record in records]
            result = tagging.tag_chosen(request.user, kind, pks, add=form.cleaned_data["add"], remove=form.cleaned_data["remove"])
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            tell(request, TAGGED, result, records, page.name)
            return redirect(back)
    context = _page(kind, page.tag_heading(len(records)) % {"count": len(records)}, rows, back)
    context.update(form=form, action=reverse("sales:tag-chosen", args=[kind]), form_testid="tag-form", tagging=True)
    context["tag_options"] = directory.tags_in_use(request.user)
    return render(request, "sales/tag_chosen.html", context, status=400 if form.is_bound else 200)


@writer_required
@require_http_methods(["GET", "POST"])
def move_chosen(request: HttpRequest) -> HttpResponse:
    """From the deal list's "Move to a stage" this shows the chosen deals and asks for the stage; the
    page's own POST moves them, each through the board's move (those it could not move are reported)."""
    return ask_then_change(request, MOVE)


@writer_required
@require_http_methods(["GET", "POST"])
def lead_status_chosen(request: HttpRequest) -> HttpResponse:
    """From the lead list's "Set the status" this shows the chosen leads and asks for the status; the
    page's own POST gives it to them, each through the lead's update (those it could not change are reported)."""
    return ask_then_change(request, SET_STATUS)


@seller_required
@require_http_methods(["GET", "POST"])
def order_status_chosen(request: HttpRequest) -> HttpResponse:
    """From the order list's "Set the status" this shows the chosen orders and asks for the status (a
    final one confirmed); the page's own POST moves them, each by the allowed transitions (those it
    could not move are reported, with why)."""
    return ask_then_change(request, SET_ORDER_STATUS)


@dataclass(frozen=True)
class Asked:
    """A list action whose own page asks one question (a stage, a status) and then changes the chosen records."""

    kind: str
    form: Callable[[HttpRequest, Any], Any]  # (request, the data to check or None) -> the page's form
    change: Callable[[Any, list[Any], dict[str, Any]], handover.HandOver]  # (user, pks, cleaned data)
    told: Told
    heading: Callable[[int], str]
    url: str
    template: str
    testid: str
    url_args: tuple[str, ...] = ()
    notes: Callable[[Any, list[Any]], list[str]] = lambda user, records: []  # said above the form about the chosen records


def ask_then_change(request: HttpRequest, asked: Asked) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    page = LISTS[asked.kind]
    records = selectors_chosen.chosen(request.user, asked.kind, data.getlist("record"))
    form = asked.form(request, data if _answered(request) else None)
    back = _next(request, data.get("next", ""), page.list_page)
    if request.method == "POST" and records and form.is_valid():
        try:
            result = asked.change(request.user, [record.pk for record in records], form.cleaned_data)
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            tell(request, asked.told, result, records, LISTS[asked.kind].name)
            return redirect(back)
    context = _page(asked.kind, asked.heading(len(records)) % {"count": len(records)}, _rows(page, records), back)
    context.update(form=form, action=reverse(asked.url, args=asked.url_args), form_testid=asked.testid)
    context["notes"] = asked.notes(request.user, records)
    return render(request, asked.template, context, status=400 if form.is_bound else 200)


MOVE = Asked(
    "deals",
    lambda request, data: MoveChosenForm(data, stages=deal_selectors.all_stages(request.user)),
    lambda user, pks, chosen: chosen_deals.move_chosen(user, pks, chosen["stage"], chosen["lost_reason"]),
    MOVED,
    lambda n: ngettext("Move %(count)d deal to a stage", "Move %(count)d deals to a stage", n),
    "sales:move-chosen",
    "sales/move_chosen.html",
    "move-form",
)
SET_STATUS = Asked(
    "leads",
    lambda request, data: LeadStatusChosenForm(data),
    lambda user, pks, chosen: chosen_leads.set_status(user, pks, chosen["status"]),
    STATUS_SET,
    lambda n: ngettext("Set the status of %(count)d lead", "Set the status of %(count)d leads", n),
    "sales:lead-status-chosen",
    "sales/lead_status_chosen.html",
    "status-form",
)
SET_ORDER_STATUS = Asked(
    "orders",
    lambda request, data: OrderStatusChosenForm(data),
    lambda user, pks, chosen: chosen_orders.set_status(user, pks, chosen["status"]),
    ORDER_STATUS_SET,
    lambda n: ngettext("Set the status of %(count)d order", "Set the status of %(count)d orders", n),
    "sales:order-status-chosen",
    "sales/order_status_chosen.html",
    "order-status-form",
)


@writer_required
@require_POST
def mark_done_chosen(request: HttpRequest) -> HttpResponse:
    """The activity list's "Mark done": the ticked tasks are marked done at once (nothing is lost: each
    can be reopened), each through ``set_done``; then back to the list, saying what changed."""
    back = _next(request, request.POST.get("next", ""), "sales:activity-list")
    records = selectors_chosen.chosen(request.user, "activities", request.POST.getlist("record"))
    if not records:
        messages.error(request, _("Nothing was marked done: tick the tasks first."))
        return redirect(back)
    result = chosen_tasks.mark_done(request.user, [record.pk for record in records])
    tell(request, MARKED_DONE, result, records, LISTS["activities"].name)
    return redirect(back)


@admin_required
@require_POST
def product_active_chosen(request: HttpRequest) -> HttpResponse:
    """The product list's "Deactivate" and "Activate" (``active`` 0 or 1): the ticked products switched at
    once (nothing is lost: each can be switched back), each through its update; then back to the list."""
    back = _next(request, request.POST.get("next", ""), "commerce:product-list")
    active = {"1": True, "0": False}.get(request.POST.get("active", ""))
    records = selectors_chosen.chosen(request.user, "products", request.POST.getlist("record"))
    if active is None or not records:
        messages.error(request, _("Nothing changed: tick the products first, then choose to activate or deactivate them."))
        return redirect(back)
    result = chosen_products.set_active(request.user, [record.pk for record in records], active)
    tell(request, ACTIVATED if active else DEACTIVATED, result, records, LISTS["products"].name)
    return redirect(back)
