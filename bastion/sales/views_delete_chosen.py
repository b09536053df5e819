"""A list's "Delete the chosen …" (companies, contacts, leads, deals, activities, orders): the page
lists the chosen records and what deleting them does to others, and deletes nothing until a tick
box confirms it; then each record goes through its own delete action (bastion.sales.chosen_delete)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from bastion.commerce.actions import DELETABLE
from bastion.commerce.selectors import products_in_use
from bastion.commerce.views_orders import seller_required
from bastion.commerce.views_products import admin_required
from bastion.directory.delete_effects import company_delete_effects, contact_delete_effects
from bastion.directory.views import writer_required
from bastion.sales import chosen_delete
from bastion.sales.forms_handover import DeleteChosenForm
from bastion.sales.views_chosen import Asked, ask_then_change
from bastion.sales.views_told import DELETED


@writer_required
@require_http_methods(["GET", "POST"])
def delete_chosen(request: HttpRequest, kind: str) -> HttpResponse:
    """From the company, contact, lead, deal or activity list's "Delete" this shows the chosen records
    (and, for companies and contacts, what happens to the records linked to them) and asks for a tick
    to confirm; the page's own POST deletes them, each through its delete action (those it could not
    delete are reported, with why)."""
    if kind not in DELETE or kind in OWN_PAGES:
        raise Http404
    return ask_then_change(request, DELETE[kind])


@seller_required
@require_http_methods(["GET", "POST"])
def order_delete_chosen(request: HttpRequest) -> HttpResponse:
    """The order list's "Delete": as :func:`delete_chosen`, for the roles that take orders; only draft
    and cancelled orders are deleted (the others are reported)."""
    return ask_then_change(request, DELETE["orders"])


@admin_required
@require_http_methods(["GET", "POST"])
def product_delete_chosen(request: HttpRequest) -> HttpResponse:
    """The product list's "Delete", for administrators: only products on no order or deal are deleted
    (the others are reported: deactivate them instead)."""
    return ask_then_change(request, DELETE["products"])


def _kept_products(user: Any, records: list[Any]) -> list[str]:
    """How many of the chosen products the delete keeps (on an order or a deal), said before it."""
    kept = len(products_in_use(user, [product.pk for product in records]))
    return _kept(
        kept,
        len(records),
        ngettext(
            "%(kept)d of these products is on an order or a deal and will be kept: %(deleted)d will be deleted.",
            "%(kept)d of these products are on orders or deals and will be kept: %(deleted)d will be deleted.",
            kept,
        ),
    )


def _kept_orders(user: Any, records: list[Any]) -> list[str]:
    """How many of the chosen orders the delete keeps (neither drafts nor cancelled), said before it."""
    kept = sum(1 for order in records if order.status not in DELETABLE)
    return _kept(
        kept,
        len(records),
        ngettext(
            "%(kept)d of these orders is neither a draft nor cancelled and will be kept: %(deleted)d will be deleted.",
            "%(kept)d of these orders are neither drafts nor cancelled and will be kept: %(deleted)d will be deleted.",
            kept,
        ),
    )


def _kept(kept: int, chosen: int, sentence: str) -> list[str]:
    """The note above the form when some of the ``chosen`` records will be kept (none when all go)."""
    return [sentence % {"kept": kept, "deleted": chosen - kept}] if kept else []


def _deleting(
    kind: str,
    heading: Callable[[int], str],
    url: str = "sales:delete-chosen",
    notes: Callable[[Any, list[Any]], list[str]] = lambda user, records: [],
) -> Asked:
    return Asked(
        kind,
        lambda request, data: DeleteChosenForm(data),
        lambda user, pks, chosen: chosen_delete.delete_chosen(user, kind, pks),
        DELETED[kind],
        heading,
        url,
        "sales/delete_chosen.html",
        "delete-form",
        () if kind in OWN_PAGES else (kind,),
        notes,
    )


OWN_PAGES = ("orders", "products")  # deleted from pages of their own (other roles may delete them)
DELETE = {
    "companies": _deleting(
        "companies",
        lambda n: ngettext("Delete %(count)d company", "Delete %(count)d companies", n),
        notes=company_delete_effects,
    ),
    "contacts": _deleting(
        "contacts",
        lambda n: ngettext("Delete %(count)d contact", "Delete %(count)d contacts", n),
        notes=contact_delete_effects,
    ),
    "leads": _deleting("leads", lambda n: ngettext("Delete %(count)d lead", "Delete %(count)d leads", n)),
    "deals": _deleting("deals", lambda n: ngettext("Delete %(count)d deal", "Delete %(count)d deals", n)),
    "activities": _deleting("activities", lambda n: ngettext("Delete %(count)d activity", "Delete %(count)d activities", n)),
    "orders": _deleting(
        "orders",
        lambda n: ngettext("Delete %(count)d order", "Delete %(count)d orders", n),
        "sales:order-delete-chosen",
        notes=_kept_orders,
    ),
    "products": _deleting(
        "products",
        lambda n: ngettext("Delete %(count)d product", "Delete %(count)d products", n),
        "sales:product-delete-chosen",
        notes=_kept_products,
    ),
}
