"""Every change to orders (DESIGN.md rule 1): create, update with its lines, change status, delete.

Each action runs in one transaction and: checks the actor's role may take orders, cleans and
validates all input (one ``ValidationError`` whose ``message_dict`` names every bad field, lines
as ``lines[2].quantity``), writes, re-checks that the actor can still see the order (rule 4)
and records the audit event with the field-level change set (rule 6). Totals are computed
here, never taken from the client. The product catalogue's actions live in actions_products.py
and are re-exported here.

Statuses move only along ``TRANSITIONS`` (ADR 0040). While an order is a draft or confirmed its
customer, currency and lines may change; after that only its owner, team, date and notes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.commerce.access import access_order_by_id, can_take_orders
from bastion.commerce.actions_products import create_product, delete_product, update_product
from bastion.commerce.lines import clean_lines, cleaned_snapshot, line_snapshot
from bastion.commerce.models import Order, OrderLine, OrderNumber, OrderStatus
from bastion.directory import selectors as directory
from bastion.directory.access import parse_uuid
from bastion.directory.validation import Errors, multi_line
from bastion.kernel.access.scoping import can_see_customer_records
from bastion.kernel.audit.changes import ChangeSet, Snapshot, diff, record_change, target_of
from bastion.sales import lifecycle
from bastion.sales.actions import _default_team, _owner, _team, known_currencies
from bastion.sales.models import ExchangeRate
from bastion.sales.money import base_currency, parse_currency, to_base_cents

__all__ = [
    "create_product", "update_product", "delete_product", "create_order", "update_order", "change_order_status",
    "delete_order", "TRANSITIONS", "FINAL", "REACHABLE", "next_statuses",
]  # fmt: skip

ORDER_FIELDS = frozenset({"contact", "company", "currency", "ordered_at", "owner", "team", "notes", "lines"})
OPEN = frozenset({OrderStatus.DRAFT, OrderStatus.CONFIRMED})  # the customer, currency and lines may still change
TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.DRAFT: frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED}),
    OrderStatus.CONFIRMED: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.REFUNDED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.REFUNDED: frozenset(),
}
DELETABLE = frozenset({OrderStatus.DRAFT, OrderStatus.CANCELLED})
FINAL = frozenset(status for status, onward in TRANSITIONS.items() if not onward)  # no way back: asked before
REACHABLE = [status for status in OrderStatus.values if any(status in onward for onward in TRANSITIONS.values())]


def next_statuses(status: str) -> list[str]:
    """The statuses an order in ``status`` may move to, onward ones first (in OrderStatus's order), final ones last."""
    allowed = TRANSITIONS.get(status, frozenset())
    return sorted((choice for choice in OrderStatus.values if choice in allowed), key=lambda choice: choice in FINAL)


AUDIT_RESTRICTED = ("notes",)  # free text may hold anything: the log says only that it changed


class ActionNotAllowed(PermissionDenied):
    """The actor's role may not take orders (a 403 in views and the API)."""


class NotVisibleAfterWrite(PermissionDenied):
    """The change would leave the actor unable to see the order; it is rolled back."""


def _require_seller(actor: Any) -> None:
    if not can_see_customer_records(actor) or not can_take_orders(actor):
        raise ActionNotAllowed(_("Your role does not allow changing orders."))


def _ensure_visible(actor: Any, pk: Any) -> None:
    if not Order.objects.visible_to(actor).filter(pk=pk).exists():
        raise NotVisibleAfterWrite(_("After this change you could no longer see the order, so it was not saved."))


def _snapshot(order: Order) -> Snapshot:
    return {
        "number": order.number, "status": order.status, "currency": order.currency, "total": str(order.total),
        "ordered_at": order.ordered_at.isoformat() if order.ordered_at else None,
        "company": str(order.company_id) if order.company_id else None,
        "contact": str(order.contact_id) if order.contact_id else None,
        "owner": order.owner_id, "team": str(order.team_id) if order.team_id else None, "notes": order.notes,
        "lines": [line_snapshot(line) for line in order.lines.order_by("position")],
        **({"deal": str(order.deal_id)} if order.deal_id else {}),
    }  # fmt: skip


def _audit(actor: Any, verb: str, order: Order, before: Snapshot | None, after: Snapshot | None) -> ChangeSet:
    changes = diff(before, after)
    target = target_of(order, {"owner": order.owner_id, "team": str(order.team_id) if order.team_id else None})
    record_change(actor, verb, target, changes, restricted=AUDIT_RESTRICTED)
    return changes


# --- cleaning -------------------------------------------------------------------------------


def _moment(value: Any, errors: Errors) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(12))
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            errors.add("ordered_at", _("Enter the order date as YYYY-MM-DD or YYYY-MM-DDTHH:MM."))
            return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _customer(actor: Any, data: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    """Company and contact: each must be one the actor can see (unknown and invisible look alike)."""
    fields: dict[str, Any] = {}
    for name, queryset in (("company", directory.company_queryset), ("contact", directory.contact_queryset)):
        if name not in data:
            continue
        value = data[name]
        pk = parse_uuid(getattr(value, "pk", value)) if value not in (None, "") else None
        fields[name] = queryset(actor).filter(pk=pk).first() if pk else None
        if value not in (None, "") and fields[name] is None:
            noun = _("a company") if name == "company" else _("a contact")
            errors.add(name, _("Choose %(noun)s that exists and that you can see.") % {"noun": noun})
    return fields


def _clean(actor: Any, data: Mapping[str, Any], current: Order | None) -> dict[str, Any]:
    creating = current is None
    errors = Errors()
    for name in sorted(set(data) - ORDER_FIELDS):
        errors.add(name, _("Unknown field."))
    fields: dict[str, Any] = {}
    if "currency" in data or creating:
        fields["currency"] = parse_currency(data.get("currency") or base_currency(), "currency", errors, known=known_currencies())
    if "ordered_at" in data:
        fields["ordered_at"] = _moment(data["ordered_at"], errors)
    if "notes" in data:
        fields["notes"] = multi_line(data["notes"], "notes", errors, label=_("Notes"))
    if "owner" in data:
        fields["owner"] = _owner(data["owner"], errors, current)  # type: ignore[arg-type]
    if "team" in data:
        fields["team"] = _team(data["team"], errors)
    fields.update(_customer(actor, data, errors))
    if current is not None and current.status not in OPEN:
        for name in ("company", "contact", "currency", "lines"):
            changes = name in fields and fields[name] != getattr(current, name)
            if changes or (name == "lines" and "lines" in data):
                errors.add(name, _("Only a draft or confirmed order's customer, currency and lines can change."))
    company = fields.get("company", current.company if current else None)
    contact = fields.get("contact", current.contact if current else None)
    if company is None and contact is None and not errors.by_field.keys() & {"company", "contact"}:
        errors.add("contact", _("Choose the contact or the company (or both) the order is for."))
    currency = fields.get("currency") or (current.currency if current else "")
    if "lines" in data and currency:
        kept = set(current.lines.exclude(product=None).values_list("product_id", flat=True)) if current else set()
        fields["lines"] = clean_lines(actor, data["lines"], currency, errors, kept)
    errors.raise_if_any()
    return fields


# --- writing ----------------------------------------------------------------------------------


def _rate(currency: str) -> Decimal:
    if currency == base_currency():
        return Decimal(1)
    rate = ExchangeRate.objects.filter(currency=currency).values_list("rate", flat=True).first()
    if rate is None:
        raise ValidationError({"currency": [_("There is no exchange rate for %(code)s any more.") % {"code": currency}]})
    return Decimal(rate)


def next_number() -> str:
    """The next free order number, ORD-000001 onwards.

    A single ``UPDATE ... SET last = last + 1`` takes the counter's row lock (the database's write
    lock on SQLite) until the order's transaction ends, so two orders never get the same number;
    the unique constraint on ``Order.number`` is the last line of defence.
    """
    while True:
        if not OrderNumber.objects.filter(pk=1).update(last=F("last") + 1):
            OrderNumber.objects.get_or_create(pk=1, defaults={"last": 0})
            OrderNumber.objects.filter(pk=1).update(last=F("last") + 1)
        number = f"ORD-{OrderNumber.objects.get(pk=1).last:06d}"
        if not Order.objects.filter(number=number).exists():
            return number


def _write(actor: Any, order: Order, fields: dict[str, Any]) -> None:
    lines = fields.pop("lines", None)
    for name, value in fields.items():
        if value is not None or name not in ("ordered_at",):
            setattr(order, name, value)
    if order._state.adding:
        order.number = next_number()
        order.created_by = actor
        if order.ordered_at is None:
            order.ordered_at = timezone.now()
    order.updated_by = actor
    if lines is not None:
        order.total = sum((line["line_total"] for line in lines), Decimal("0.00"))
    order.total_base_cents = to_base_cents(order.total, _rate(order.currency))
    order.save()
    if lines is not None:
        order.lines.all().delete()
        OrderLine.objects.bulk_create([OrderLine(order=order, position=i, **line) for i, line in enumerate(lines)])


RELATIONS = ("company", "contact", "owner", "team")


def _would_change(order: Order, fields: Mapping[str, Any]) -> bool:
    for name, value in fields.items():
        if name == "lines":
            if [line_snapshot(line) for line in order.lines.order_by("position")] != cleaned_snapshot(value):
                return True
        elif name in RELATIONS:
            if (value.pk if value is not None else None) != getattr(order, f"{name}_id"):
                return True
        elif value is not None and getattr(order, name) != value:
            return True
    return False


@transaction.atomic
def create_order(actor: Any, data: Mapping[str, Any], *, deal: Any = None) -> Order:
    """A new draft order for a contact and/or company the actor can see, with its ``lines``.

    The actor owns it unless ``owner`` is given; its team is the owner's only team when they have one.
    ``deal`` is the won deal the order comes from (set by ``from_deals`` only, never from user
    input); it is part of the order's ``order.created`` event.
    """
    _require_seller(actor)
    fields = _clean(actor, data, None)
    fields.setdefault("lines", [])
    fields.setdefault("owner", actor)
    if "team" not in fields:
        fields["team"] = _default_team(fields["owner"]) if fields["owner"] is not None else None
    order = Order(deal=deal)
    _write(actor, order, fields)
    _ensure_visible(actor, order.pk)
    _audit(actor, "order.created", order, None, _snapshot(order))
    lifecycle.on_order_saved(actor, order.contact_id, order.status)
    return order


@transaction.atomic
def update_order(actor: Any, order_id: Any, data: Mapping[str, Any]) -> Order:
    """Change the fields given in ``data``; ``lines``, when given, replace all the order's lines."""
    _require_seller(actor)
    order = access_order_by_id(actor, order_id, for_write=True, lock=True)
    fields = _clean(actor, data, order)
    if not _would_change(order, fields):
        return order
    before = _snapshot(order)
    _write(actor, order, fields)
    _ensure_visible(actor, order.pk)
    _audit(actor, "order.updated", order, before, _snapshot(order))
    return order


@transaction.atomic
def change_order_status(actor: Any, order_id: Any, status: Any) -> Order:
    """Move the order to ``status`` if ``TRANSITIONS`` allows it; confirming needs at least one line."""
    _require_seller(actor)
    order = access_order_by_id(actor, order_id, for_write=True, lock=True)
    new = str(status or "")
    allowed = TRANSITIONS.get(order.status, frozenset())
    if new not in OrderStatus.values:
        raise ValidationError({"status": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(OrderStatus.values)}]})
    if new not in allowed:
        labels = ", ".join(str(OrderStatus(choice).label) for choice in sorted(allowed)) or _("none")
        raise ValidationError(
            {"status": [_("A %(old)s order cannot become %(new)s. Allowed next: %(allowed)s.") % {
                "old": OrderStatus(order.status).label, "new": OrderStatus(new).label, "allowed": labels}]}
        )  # fmt: skip
    if new == OrderStatus.CONFIRMED and not order.lines.exists():
        raise ValidationError({"status": [_("Add at least one line before confirming the order.")]})
    before = _snapshot(order)
    order.status, order.updated_by = new, actor
    order.save(update_fields=["status", "updated_by", "updated_at"])
    _audit(actor, "order.updated", order, before, _snapshot(order))
    lifecycle.on_order_saved(actor, order.contact_id, order.status)
    return order


@transaction.atomic
def delete_order(actor: Any, order_id: Any) -> ChangeSet:
    """Delete a draft or cancelled order with its lines (the audit trail keeps the record)."""
    _require_seller(actor)
    order = access_order_by_id(actor, order_id, for_write=True, lock=True)
    if order.status not in DELETABLE:
        raise ValidationError({"status": [_("Only a draft or cancelled order can be deleted; refund or cancel it instead.")]})
    changes = _audit(actor, "order.deleted", order, _snapshot(order), None)
    order.delete()
    return changes
