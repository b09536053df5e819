"""Forms of the lifecycle (ADR 0044): a person's stage by hand, and the policy for automatic moves."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bastion.directory.forms import ActionErrorsMixin, BastionForm
from bastion.directory.models import LifecycleStage


class LifecycleStageForm(ActionErrorsMixin, BastionForm):
    lifecycle_stage = forms.ChoiceField(label=_("Lifecycle stage"), choices=LifecycleStage.choices)


class LifecyclePolicyForm(ActionErrorsMixin, BastionForm):
    qualifying_score = forms.IntegerField(
        label=_("Score that makes a lead marketing-qualified"),
        min_value=1,
        max_value=1000,
        help_text=_("A lead whose score reaches this becomes marketing-qualified."),
    )
    churn_after_days = forms.IntegerField(
        label=_("Days without an order before a customer is churned"),
        min_value=30,
        max_value=3650,
        help_text=_("Checked every night; a new order makes a churned customer a customer again."),
    )
