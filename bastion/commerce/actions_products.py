"""Changes to the product catalogue (administrators only): create, update (also deactivate), delete.

Each action runs in one transaction: validate, authorise, write, audit (``setting.changed`` with
the field-level change set, like the sales set-up). Deleting a product that is on an order is
refused: deactivate it instead, so past orders keep pointing at it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bastion.commerce.access import access_product_by_id, can_manage_catalogue
from bastion.commerce.models import Product
from bastion.directory.validation import Errors, multi_line, single_line
from bastion.kernel.audit.changes import Snapshot, diff, target_of
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import record_event
from bastion.sales.actions import known_currencies
from bastion.sales.money import base_currency, parse_amount, parse_currency

PRODUCT_FIELDS = frozenset({"name", "sku", "description", "unit_price", "currency", "is_active"})


class CatalogueNotAllowed(PermissionDenied):
    """Only administrators change the product catalogue."""


def _require_admin(actor: Any) -> None:
    if not can_manage_catalogue(actor):
        raise CatalogueNotAllowed(_("Only an administrator can change the product catalogue."))


def _snapshot(product: Product) -> Snapshot:
    return {
        "name": product.name, "sku": product.sku, "description": product.description,
        "unit_price": str(product.unit_price), "currency": product.currency, "is_active": product.is_active,
    }  # fmt: skip


def _audit(actor: Any, product: Product, before: Snapshot | None, after: Snapshot | None, verb: str) -> None:
    record_event(
        EventKind.SETTING_CHANGED, actor=actor, target=target_of(product), changes=diff(before, after), extra={"verb": verb}
    )


def _clean(data: Mapping[str, Any], current: Product | None) -> dict[str, Any]:
    creating = current is None
    errors = Errors()
    for name in sorted(set(data) - PRODUCT_FIELDS):
        errors.add(name, _("Unknown field."))
    fields: dict[str, Any] = {}
    if "name" in data or creating:
        fields["name"] = single_line(data.get("name"), "name", 200, errors, label=_("Name"))
        if not fields["name"]:
            errors.add("name", _("Enter the product's name."))
    if "sku" in data:
        sku = single_line(data["sku"], "sku", 64, errors, label=_("SKU")) or None
        others = Product.objects.filter(sku=sku)
        if current is not None:
            others = others.exclude(pk=current.pk)
        taken = bool(sku) and others.exists()
        if taken:
            errors.add("sku", _("Another product already has the SKU “%(sku)s”.") % {"sku": sku})
        fields["sku"] = sku
    if "description" in data:
        fields["description"] = multi_line(data["description"], "description", errors, label=_("Description"))
    if "unit_price" in data or creating:
        fields["unit_price"] = parse_amount(data.get("unit_price"), "unit_price", errors, label=_("Unit price"))
    if "currency" in data or creating:
        fields["currency"] = parse_currency(data.get("currency") or base_currency(), "currency", errors, known=known_currencies())
    if "is_active" in data:
        fields["is_active"] = bool(data["is_active"])
    errors.raise_if_any()
    return fields


def _save(actor: Any, product: Product, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(product, name, value)
    if product._state.adding:
        product.created_by = actor
    product.updated_by = actor
    product.save()


@transaction.atomic
def create_product(actor: Any, data: Mapping[str, Any]) -> Product:
    """A new, active product (``name`` required; the price defaults to 0 in the base currency)."""
    _require_admin(actor)
    fields = _clean(data, None)
    product = Product()
    _save(actor, product, fields)
    _audit(actor, product, None, _snapshot(product), "product.created")
    return product


@transaction.atomic
def update_product(actor: Any, product_id: Any, data: Mapping[str, Any]) -> Product:
    """Change the fields given (``is_active: false`` deactivates: it cannot be put on new orders)."""
    _require_admin(actor)
    product = access_product_by_id(actor, product_id, lock=True)
    fields = _clean(data, product)
    before = _snapshot(product)
    if all(getattr(product, name) == value for name, value in fields.items()):
        return product
    _save(actor, product, fields)
    _audit(actor, product, before, _snapshot(product), "product.updated")
    return product


@transaction.atomic
def delete_product(actor: Any, product_id: Any) -> None:
    """Delete a product that no order or deal uses; one that is on an order or a deal is refused (deactivate it instead)."""
    _require_admin(actor)
    product = access_product_by_id(actor, product_id, lock=True)
    if product.lines.exists() or product.deal_lines.exists():
        raise ValidationError(
            {"product": [_("This product is on at least one order or deal, so it cannot be deleted. Deactivate it instead.")]}
        )
    _audit(actor, product, _snapshot(product), None, "product.deleted")
    product.delete()
