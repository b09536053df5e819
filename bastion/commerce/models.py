"""The product catalogue, orders with their lines, and the counter that numbers orders (ADR 0040).

Money as in sales (docs/adr/0033): ``Decimal`` with two places in the record's own currency,
and the order's total also in integer hundredths of the base currency (``total_base_cents``)
so sums (lifetime value, list totals) are exact on SQLite and PostgreSQL alike. The actions
compute every total; nothing here does arithmetic on save.

Products are the organisation's vocabulary (every customer-data role reads them, administrators
change them); orders are owned records like deals; an order line is visible with its order.
Writes go through bastion.commerce.actions; reads through ``objects.visible_to(user)``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bastion.directory.models import Company, Contact, KeyField
from bastion.directory.names import search_key
from bastion.kernel.access import ScopedManager
from bastion.kernel.access.records import Owned, Through, Vocabulary
from bastion.kernel.crypto.classification import classify
from bastion.kernel.ids import new_id

CENT = Decimal("0.01")


class Product(models.Model):
    """Something the organisation sells, at a list price in one currency; deactivated rather than deleted once ordered."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=200)
    name_key = KeyField(max_length=200, editable=False, default="")
    sku = models.CharField(_("SKU"), max_length=64, null=True, blank=True, unique=True)
    description = models.TextField(_("description"), blank=True, default="")
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(_("currency"), max_length=3)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = ScopedManager["Product"]()
    record_access = Vocabulary()
    data_classification = classify(
        internal=[
            "id", "name", "name_key", "sku", "description", "unit_price", "currency", "is_active", "created_at",
            "updated_at", "created_by", "updated_by",
        ],
    )  # fmt: skip

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [
            models.Index(fields=["name_key", "id"], name="commerce_product_name"),
            models.Index(fields=["unit_price", "id"], name="commerce_product_price"),
            models.Index(fields=["updated_at", "id"], name="commerce_product_updated"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="commerce_product_price_positive")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = search_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


class OrderNumber(models.Model):
    """The one row counting order numbers: incremented with a single UPDATE inside the order's transaction."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last = models.PositiveBigIntegerField(default=0)

    objects = ScopedManager["OrderNumber"]()
    record_access = Vocabulary()
    data_classification = classify(internal=["id", "last"])

    class Meta:
        verbose_name = _("order number counter")

    def __str__(self) -> str:
        return str(self.last)


class Order(models.Model):
    """What a contact and/or a company bought: lines, a status that moves by the allowed transitions, totals.

    The actions require a contact or a company; there is no database constraint for it, because
    deleting a customer sets these to null and the order must stay (it is the record of a sale).
    ``total`` is in ``currency``; ``total_base_cents`` the same in hundredths of the base currency,
    converted when the order is saved (and again when its status changes).
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.DRAFT)
    currency = models.CharField(_("currency"), max_length=3)
    total = models.DecimalField(_("total"), max_digits=18, decimal_places=2, default=Decimal("0.00"), editable=False)
    total_base_cents = models.BigIntegerField(_("total in the base currency (hundredths)"), default=0, editable=False)
    ordered_at = models.DateTimeField(_("ordered at"))
    company = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders", verbose_name=_("company")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders", verbose_name=_("contact")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("owner")
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    notes = models.TextField(_("notes"), blank=True, default="")
    # The won deal this order was made from (ADR 0044): one order per deal, however often it is reopened and won.
    deal = models.OneToOneField(
        "sales.Deal", on_delete=models.SET_NULL, null=True, blank=True, related_name="order", editable=False,
        verbose_name=_("deal"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = ScopedManager["Order"]()
    record_access = Owned(owner="owner", team="team")
    data_classification = classify(
        internal=[
            "id", "number", "status", "ordered_at", "company", "contact", "owner", "team", "deal", "created_at",
            "updated_at", "created_by", "updated_by",
        ],
        confidential=["currency", "total", "total_base_cents", "notes"],
    )  # fmt: skip

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["ordered_at", "id"], name="commerce_order_ordered"),
            models.Index(fields=["total_base_cents", "id"], name="commerce_order_total"),
            models.Index(fields=["updated_at", "id"], name="commerce_order_updated"),
            models.Index(fields=["contact", "status"], name="commerce_order_contact"),
            models.Index(fields=["company", "status"], name="commerce_order_company"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def total_base(self) -> Decimal:
        return (Decimal(self.total_base_cents) * CENT).quantize(CENT)


class OrderLine(models.Model):
    """One line of an order: a catalogue product or free text, a quantity and a unit price (copied, not linked)."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="lines", verbose_name=_("product")
    )
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=2)
    line_total = models.DecimalField(_("line total"), max_digits=18, decimal_places=2, editable=False)

    objects = ScopedManager["OrderLine"]()
    record_access = Through("order")
    data_classification = classify(
        internal=["id", "order", "position", "product"],
        confidential=["description", "quantity", "unit_price", "line_total"],
    )

    class Meta:
        ordering = ["order", "position"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="commerce_line_quantity_positive")]

    def __str__(self) -> str:
        return self.description
