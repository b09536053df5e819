"""A person's lifecycle history, the policy for automatic moves, and a deal's product lines (sales.models imports this).

The stage itself is a field on the contact and on the lead (``lifecycle_stage``, choices in
``directory.models.LifecycleStage``); each move, by hand or automatic, leaves a
:class:`LifecycleChange` (ADR 0044). Writes go through bastion.sales.lifecycle.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bastion.directory.models import Contact, LifecycleStage
from bastion.kernel.access import ScopedManager
from bastion.kernel.access.records import Through, ThroughOneOf, Vocabulary
from bastion.kernel.crypto.classification import classify
from bastion.kernel.ids import new_id


class LifecycleReason(models.TextChoices):
    """Why a person's stage moved: by hand, or the event that moved it."""

    MANUAL = "manual", _("Changed by hand")
    SCORE_REACHED = "score_reached", _("Lead score reached the qualifying score")
    LEAD_QUALIFIED = "lead_qualified", _("Lead qualified")
    LEAD_CONVERTED = "lead_converted", _("Lead converted")
    DEAL_OPENED = "deal_opened", _("Deal opened")
    DEAL_WON = "deal_won", _("Deal won")
    DEALS_LOST = "deals_lost", _("All deals lost")
    ORDER_PLACED = "order_placed", _("Order placed")
    NO_RECENT_ORDER = "no_recent_order", _("No order for the churn period")


class LifecycleChange(models.Model):
    """One move of a contact's or a lead's lifecycle stage, with why, who and when."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="lifecycle_changes")
    lead = models.ForeignKey("sales.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="lifecycle_changes")
    from_stage = models.CharField(_("from"), max_length=20, choices=LifecycleStage.choices, blank=True, default="")
    to_stage = models.CharField(_("to"), max_length=20, choices=LifecycleStage.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=LifecycleReason.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    changed_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = ScopedManager["LifecycleChange"]()
    record_access = ThroughOneOf(parents=("contact", "lead"))
    data_classification = classify(
        internal=["id", "contact", "lead", "from_stage", "to_stage", "reason", "changed_by", "changed_at"]
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("lifecycle change")
        verbose_name_plural = _("lifecycle changes")
        indexes = [
            models.Index(fields=["contact", "changed_at"], name="sales_lifecycle_contact"),
            models.Index(fields=["lead", "changed_at"], name="sales_lifecycle_lead"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False, lead__isnull=True) | models.Q(contact__isnull=True, lead__isnull=False),
                name="sales_lifecycle_one_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_stage or '—'} → {self.to_stage}"


class LifecyclePolicy(models.Model):
    """The organisation's settings for automatic lifecycle moves (row id 1; ADR 0044)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    qualifying_score = models.SmallIntegerField(
        _("score that makes a lead marketing-qualified"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    churn_after_days = models.PositiveIntegerField(
        _("days without an order before a customer is churned"),
        default=365,
        validators=[MinValueValidator(30), MaxValueValidator(3650)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = ScopedManager["LifecyclePolicy"]()
    record_access = Vocabulary()
    data_classification = classify(internal=["id", "qualifying_score", "churn_after_days", "updated_at", "updated_by"])

    class Meta:
        verbose_name = _("lifecycle policy")
        verbose_name_plural = _("lifecycle policy")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="sales_lifecyclepolicy_single_row")]

    def __str__(self) -> str:
        return f"{self.qualifying_score} / {self.churn_after_days}"


class DealLine(models.Model):
    """One product line of a deal: a catalogue product or free text, a quantity and a unit price.

    When a deal has lines its amount is their sum (the actions compute it); when it is won, its
    lines become the lines of the customer's order (ADR 0044).
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    deal = models.ForeignKey("sales.Deal", on_delete=models.CASCADE, related_name="lines", verbose_name=_("deal"))
    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(
        "commerce.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="deal_lines",
        verbose_name=_("product"),
    )  # fmt: skip
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3, default=Decimal(1))
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=2)
    line_total = models.DecimalField(_("line total"), max_digits=18, decimal_places=2, editable=False)

    objects = ScopedManager["DealLine"]()
    record_access = Through("deal")
    data_classification = classify(
        internal=["id", "deal", "position", "product"],
        confidential=["description", "quantity", "unit_price", "line_total"],
    )

    class Meta:
        ordering = ["deal", "position"]
        verbose_name = _("deal line")
        verbose_name_plural = _("deal lines")
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="sales_dealline_quantity_positive")]

    def __str__(self) -> str:
        return self.description
