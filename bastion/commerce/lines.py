"""Product lines, shared by orders and deals: cleaning a list of lines and their audit snapshot (ADR 0040, 0044)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from bastion.commerce.models import CENT, Product
from bastion.directory.access import parse_uuid
from bastion.directory.validation import Errors, single_line
from bastion.sales.money import MAX_AMOUNT, parse_amount

LINE_FIELDS = frozenset({"product", "description", "quantity", "unit_price"})
MAX_LINES = 100
MAX_QUANTITY = Decimal("999999999.999")


def line_snapshot(line: models.Model) -> dict[str, Any]:
    """An order or deal line as the audit trail keeps it."""
    return {
        "product": str(line.product_id) if line.product_id else None,  # type: ignore[attr-defined]
        "description": line.description,  # type: ignore[attr-defined]
        "quantity": str(line.quantity),  # type: ignore[attr-defined]
        "unit_price": str(line.unit_price),  # type: ignore[attr-defined]
    }


def cleaned_snapshot(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cleaned lines in the shape of :func:`line_snapshot` (to tell whether a write changes anything)."""
    return [
        {"product": str(row["product"].pk) if row["product"] else None, "description": row["description"],
         "quantity": str(row["quantity"]), "unit_price": str(row["unit_price"])}
        for row in lines
    ]  # fmt: skip


def _quantity(value: Any, field: str, errors: Errors) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    try:
        quantity = Decimal(str(value if value is not None else "").strip())
    except InvalidOperation:
        errors.add(field, _("Quantity must be a number such as 1 or 2.5."))
        return Decimal(0)
    if not quantity.is_finite() or quantity <= 0:
        errors.add(field, _("Quantity must be more than zero."))
    elif quantity != quantity.quantize(Decimal("0.001")):
        errors.add(field, _("Quantity can have at most three decimal places."))
    elif quantity > MAX_QUANTITY:
        errors.add(field, _("Quantity is too large."))
    return quantity


def clean_lines(actor: Any, rows: Any, currency: str, errors: Errors, kept: set[Any]) -> list[dict[str, Any]]:
    """The new lines of an order or a deal: a product (active, or in ``kept``: already on the record)
    or a description, a quantity and a unit price (the product's when empty and it is priced in
    the record's currency). Errors name the line: ``lines[2].quantity``."""
    if not isinstance(rows, Sequence) or isinstance(rows, str | bytes):
        errors.add("lines", _("Lines must be a list."))
        return []
    if len(rows) > MAX_LINES:
        errors.add("lines", _("A record can have at most %(max)d lines.") % {"max": MAX_LINES})
        return []
    products = Product.objects.visible_to(actor)
    cleaned = []
    for index, row in enumerate(rows):
        at = f"lines[{index}]"
        if not isinstance(row, Mapping):
            errors.add(at, _("Each line must be an object."))
            continue
        for name in sorted(set(row) - LINE_FIELDS):
            errors.add(f"{at}.{name}", _("Unknown field."))
        product = None
        value = row.get("product")
        if value not in (None, ""):
            pk = parse_uuid(getattr(value, "pk", value))
            product = products.filter(pk=pk).first() if pk else None
            if product is None or not (product.is_active or product.pk in kept):
                errors.add(f"{at}.product", _("Choose an active product from the catalogue."))
                product = None
        description = single_line(row.get("description"), f"{at}.description", 300, errors, label=_("Description"))
        if not description and product is not None:
            description = product.name
        if not description:
            errors.add(f"{at}.description", _("Choose a product or describe the line."))
        quantity = _quantity(row.get("quantity", 1), f"{at}.quantity", errors)
        price_value = row.get("unit_price")
        if price_value in (None, "") and product is not None:
            if product.currency != currency:
                errors.add(
                    f"{at}.unit_price",
                    _("Enter the unit price in %(currency)s: the product is priced in %(product)s.")
                    % {"currency": currency, "product": product.currency},
                )
            price_value = product.unit_price
        unit_price = parse_amount(price_value, f"{at}.unit_price", errors, label=_("Unit price"))
        total = (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP) if quantity > 0 else Decimal("0.00")
        if total > MAX_AMOUNT:
            errors.add(f"{at}.quantity", _("The line total is too large."))
        line = {"product": product, "description": description, "quantity": quantity, "unit_price": unit_price}
        cleaned.append({**line, "line_total": total})
    return cleaned
