"""Lead-scoring rules (ADR 0041): points for fit (who the lead is) and engagement (what happened with
them), edited by administrators; a lead's score is the sum of the rules it matches (sales.models imports this)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bastion.kernel.access import ScopedManager
from bastion.kernel.access.records import Vocabulary
from bastion.kernel.crypto.classification import classify
from bastion.kernel.ids import new_id


class ScoreCategory(models.TextChoices):
    FIT = "fit", _("Fit")
    ENGAGEMENT = "engagement", _("Engagement")


class ScoredField(models.TextChoices):
    """What a rule looks at. Only fields every role that sees the lead may see: a score must not
    tell a masked value (no rule reads the email, phone or message)."""

    JOB_TITLE = "job_title", _("Job title")
    COMPANY_NAME = "company_name", _("Company")
    SOURCE = "source", _("Source")
    LANGUAGE = "preferred_language", _("Preferred language")
    STATUS = "status", _("Status")
    ACTIVITIES = "activities", _("Number of calls, meetings and notes")
    DAYS_SINCE_CONTACT = "days_since_activity", _("Days since the last call, meeting or note")
    # Interaction events and the interests derived from them (bastion.engagement, ADR 0042).
    INTERACTIONS = "interactions_30d", _("Interactions in the last 30 days")
    PAGE_VISITS = "page_visits_30d", _("Pages visited in the last 30 days")
    EMAIL_OPENS = "email_opens_30d", _("Emails opened in the last 30 days")
    INTERESTS = "interests", _("Interests (topics and products)")


class Operator(models.TextChoices):
    CONTAINS = "contains", _("contains")
    EQUALS = "equals", _("is")
    IS_SET = "is_set", _("is filled in")
    AT_LEAST = "at_least", _("is at least")
    AT_MOST = "at_most", _("is at most")


class ScoringRule(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("kind of points"), max_length=12, choices=ScoreCategory.choices)
    field = models.CharField(_("looks at"), max_length=24, choices=ScoredField.choices)
    operator = models.CharField(_("condition"), max_length=10, choices=Operator.choices)
    value = models.CharField(_("value"), max_length=200, blank=True, default="")
    points = models.SmallIntegerField(_("points"), validators=[MinValueValidator(-100), MaxValueValidator(100)])
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = ScopedManager["ScoringRule"]()
    record_access = Vocabulary()
    data_classification = classify(
        internal=[
            "id", "name", "category", "field", "operator", "value", "points", "is_active", "created_at", "updated_at",
            "updated_by",
        ]
    )  # fmt: skip

    class Meta:
        ordering = ["category", "name", "id"]
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gte=-100, points__lte=100), name="sales_rule_points_range")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def value_label(self) -> str:
        """The value as a user reads it: for a lead field with choices (source, status, language) the
        choice's label ("Web form"), not its code ("web_form"); otherwise the value as written."""
        from bastion.sales.models import Lead

        names = {field.name for field in Lead._meta.get_fields()}
        choices = dict(Lead._meta.get_field(self.field).flatchoices) if self.field in names else {}  # type: ignore[union-attr]
        if self.field == ScoredField.LANGUAGE:
            choices = dict(settings.LANGUAGES)  # a language code, named in the languages Bastion speaks
        return str(choices.get(self.value, self.value))
