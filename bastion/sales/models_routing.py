"""Where leads that nobody entered by hand go: the team that receives them, in turn (sales.models imports this)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bastion.directory.models import Industry, KeyField
from bastion.directory.names import search_key
from bastion.kernel.access import ScopedManager
from bastion.kernel.access.records import Vocabulary
from bastion.kernel.crypto.classification import classify
from bastion.kernel.ids import new_id


class LeadRouting(models.Model):
    """The organisation's one routing rule for web-form leads (row id 1; ADR 0039).

    A captured lead belongs to ``team`` and is owned by the next of its members who may write
    customer records, in turn (round robin, ordered by user id after ``last_assigned``). Without a
    team, a captured lead has no owner and no team: only administrators see it until one assigns it.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = ScopedManager["LeadRouting"]()
    record_access = Vocabulary()
    data_classification = classify(internal=["id", "team", "last_assigned", "updated_at", "updated_by"])

    class Meta:
        verbose_name = _("lead routing")
        verbose_name_plural = _("lead routing")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="sales_leadrouting_single_row")]

    def __str__(self) -> str:
        return str(self.team or "—")


class TerritoryRule(models.Model):
    """A territory of the receiving team (ADR 0045): web-form leads from ``country`` and/or in ``industry``
    go to ``owner`` (a member of that team) instead of the next person in turn. Rules are tried by
    ``position``; an empty condition matches anything, but a rule has at least one."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    country = models.CharField(_("country or region"), max_length=100, blank=True, default="")
    country_key = KeyField(max_length=100, editable=False, default="")
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True, default="")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("goes to"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = ScopedManager["TerritoryRule"]()
    record_access = Vocabulary()
    data_classification = classify(
        internal=["id", "position", "country", "country_key", "industry", "owner", "created_at", "created_by"]
    )

    class Meta:
        ordering = ["position", "created_at", "id"]
        verbose_name = _("territory rule")
        verbose_name_plural = _("territory rules")
        constraints = [
            models.CheckConstraint(condition=~models.Q(country_key="", industry=""), name="sales_territory_has_a_condition")
        ]

    def __str__(self) -> str:
        return " / ".join(part for part in (self.country, self.get_industry_display()) if part)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.country_key = search_key(self.country)
        super().save(*args, **kwargs)
