"""Where leads that nobody entered by hand go: the team that receives them, in turn (sales.models imports this)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bastion.kernel.access import ScopedManager
from bastion.kernel.access.records import Vocabulary
from bastion.kernel.crypto.classification import classify


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
