"""The records ticked on a list (companies, contacts, leads, deals, activities, orders, products) that
the user may see: what "Change owner", "Tag", "Mark done", "Set the status" and "Deactivate"
(bastion.sales.handover, bastion.sales.tagging, bastion.sales.chosen_tasks, bastion.sales.chosen_leads,
bastion.commerce.chosen_orders, bastion.commerce.chosen_products) and their pages and API work on. A
scoped read: an id the user cannot see is left out, as one that does not exist."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from bastion.commerce.models import Order, Product
from bastion.directory.models import Company, Contact
from bastion.kernel.access.scoping import parse_uuid
from bastion.sales.models import Activity, Deal, Lead

BATCH = 500  # records at most in one call (and one step of a hand-over)

# What a list's actions may choose, by key of KINDS: the model, what its page shows beside
# each record, and the order the page lists them in. An erased contact is nobody's work (ADR 0019).
CHOOSABLE: dict[str, tuple[Any, tuple[str, ...], str, Q]] = {
    "companies": (Company, ("owner",), "name_key", Q()),
    "contacts": (Contact, ("owner", "company"), "sort_name", Q(erased_at__isnull=True)),
    "leads": (Lead, ("owner",), "sort_name", Q()),
    "deals": (Deal, ("owner", "stage__pipeline"), "name_key", Q()),
    "activities": (Activity, ("assignee",), "-at", Q()),
    "orders": (Order, ("owner",), "-ordered_at", Q()),  # their status only: orders are not handed over
    "products": (Product, (), "name_key", Q()),  # activated or deactivated by administrators
}
# The column that names whose work a record is, where it is not ``owner`` (an activity's assignee).
OWNER_COLUMN = {"activities": "assignee"}


def owner_column(key: str) -> str:
    """The field of kind ``key`` that holds its owner: ``owner`` or, for activities, ``assignee``."""
    return OWNER_COLUMN.get(key, "owner")


def chosen(actor: Any, key: str, pks: Iterable[Any]) -> list[Any]:
    """The records of kind ``key`` among ``pks`` that ``actor`` may see (at most :data:`BATCH`), in list order."""
    model, related, order, usable = CHOOSABLE[key]
    wanted = [pk for pk in (parse_uuid(value) for value in pks) if pk is not None][:BATCH]
    found = model.objects.visible_to(actor).filter(usable, pk__in=wanted)
    return list(found.select_related(*related).order_by(order, "id"))
