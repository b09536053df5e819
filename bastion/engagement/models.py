"""Interaction events (a page visited, an email opened, a form submitted, a product viewed) and the
interests derived from them, per person: a contact or a lead (ADR 0042).

Both belong to exactly one person (a database check constraint) and are visible exactly when that
person is (:class:`~bastion.kernel.access.records.ThroughOneOf`). Writes go through
bastion.engagement.actions; reads through ``objects.visible_to(user)``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bastion.directory.models import Contact
from bastion.kernel.access import ScopedManager
from bastion.kernel.access.records import ThroughOneOf
from bastion.kernel.crypto.classification import classify
from bastion.kernel.ids import new_id

PERSON = ("contact", "lead")
ONE_PERSON = (Q(contact__isnull=False) & Q(lead__isnull=True)) | (Q(contact__isnull=True) & Q(lead__isnull=False))


class InteractionKind(models.TextChoices):
    PAGE_VISITED = "page_visited", _("Page visited")
    EMAIL_OPENED = "email_opened", _("Email opened")
    FORM_SUBMITTED = "form_submitted", _("Form submitted")
    PRODUCT_VIEWED = "product_viewed", _("Product viewed")


class Interaction(models.Model):
    """Something a person did that a system told us about (the website, the mail sender ...), when it
    happened (``occurred_at``, given by the sender) and when we learnt it (``recorded_at``).

    ``properties`` is a small flat object (url, title, campaign, topic, product ...) checked by the
    action; it is confidential, as a page address can be personal. ``product`` is the catalogue
    product that ``properties.product`` named, resolved when the event was recorded.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    lead = models.ForeignKey(
        "sales.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("lead")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=InteractionKind.choices)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    product = models.ForeignKey(
        "commerce.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    source = models.CharField(_("source"), max_length=64, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = ScopedManager["Interaction"]()
    record_access = ThroughOneOf(PERSON)
    data_classification = classify(
        internal=["id", "contact", "lead", "kind", "occurred_at", "recorded_at", "product", "source", "recorded_by"],
        confidential=["properties"],
    )

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["contact", "occurred_at", "id"], name="engagement_interaction_contact"),
            models.Index(fields=["lead", "occurred_at", "id"], name="engagement_interaction_lead"),
        ]
        constraints = [models.CheckConstraint(condition=ONE_PERSON, name="engagement_interaction_one_person")]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    @property
    def person_id(self) -> uuid.UUID:
        return self.contact_id or self.lead_id  # type: ignore[return-value]


class Interest(models.Model):
    """A person's interest in a topic (normalised text) or a catalogue product, derived from their
    interactions: how many named it (``count``), first and last seen. No decay: recency is
    ``last_seen``, and lead scoring counts recent interactions itself (ADR 0042)."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    lead = models.ForeignKey(
        "sales.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("lead")
    )
    topic = models.CharField(_("topic"), max_length=60, blank=True, default="")
    product = models.ForeignKey(
        "commerce.Product", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    count = models.PositiveIntegerField(_("count"), default=0)
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))

    objects = ScopedManager["Interest"]()
    record_access = ThroughOneOf(PERSON)
    data_classification = classify(
        internal=["id", "contact", "lead", "product", "count", "first_seen", "last_seen"], confidential=["topic"]
    )

    class Meta:
        verbose_name = _("interest")
        verbose_name_plural = _("interests")
        constraints = [
            models.CheckConstraint(condition=ONE_PERSON, name="engagement_interest_one_person"),
            models.CheckConstraint(
                condition=(Q(topic="") & Q(product__isnull=False)) | (~Q(topic="") & Q(product__isnull=True)),
                name="engagement_interest_topic_or_product",
            ),
            models.UniqueConstraint(
                fields=["contact", "topic"], condition=Q(contact__isnull=False, product__isnull=True),
                name="engagement_interest_contact_topic",
            ),
            models.UniqueConstraint(
                fields=["contact", "product"], condition=Q(contact__isnull=False, product__isnull=False),
                name="engagement_interest_contact_product",
            ),
            models.UniqueConstraint(
                fields=["lead", "topic"], condition=Q(lead__isnull=False, product__isnull=True),
                name="engagement_interest_lead_topic",
            ),
            models.UniqueConstraint(
                fields=["lead", "product"], condition=Q(lead__isnull=False, product__isnull=False),
                name="engagement_interest_lead_product",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.topic or str(self.product_id)
