"""HTML forms for deals and the sales set-up: parse and show input; the actions validate and write.

Forms never query the database (tests/test_layering.py): the views pass in the choices
(stages, currencies, owners, teams) they got from the selectors.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from bastion.directory.forms import ActionErrorsMixin, BastionForm, OwnerChoiceField
from bastion.kernel.widgets import IsoDateInput
from bastion.sales.models import Deal, Stage, StageKind
from bastion.sales.models_scoring import Operator, ScoreCategory, ScoredField
from bastion.sales.selectors import CLOSINGS

_BLANK = [("", _("—"))]


def stage_choices(stages: Iterable[Stage]) -> list[tuple[Any, Any]]:
    """Stages grouped by pipeline (``<optgroup>``), in board order."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for stage in stages:
        groups.setdefault(stage.pipeline.name, []).append((str(stage.pk), stage.name))
    return list(groups.items())


class DealForm(ActionErrorsMixin, BastionForm):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("What is being sold, e.g. “200 licences, 2027”."))
    stage = forms.ChoiceField(label=_("Pipeline and stage"))
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2, min_value=0, required=False)
    currency = forms.ChoiceField(label=_("Currency"))
    probability = forms.IntegerField(
        label=_("Probability (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Leave empty to use the stage's default."),
    )
    expected_close_date = forms.DateField(label=_("Expected close date"), required=False, widget=IsoDateInput())
    company_name = forms.CharField(
        label=_("Company"),
        max_length=200,
        required=False,
        help_text=_("Type the name of an existing company, or leave empty."),
        widget=forms.TextInput(
            attrs={
                "list": "company-options",
                "autocomplete": "off",
                "hx-get": reverse_lazy("directory:company-suggest"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#company-options",
                "hx-sync": "this:replace",
            }
        ),
    )
    company_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    contact_name = forms.CharField(
        label=_("Contact"),
        max_length=201,
        required=False,
        help_text=_("The full name of an existing contact (at the company, if you chose one), or leave empty."),
    )
    contact_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    owner = OwnerChoiceField(label=_("Owner"), queryset=None, required=False, empty_label=_("Nobody"))
    team = forms.ChoiceField(label=_("Team"), required=False)
    lost_reason = forms.CharField(
        label=_("Lost reason"), max_length=200, required=False, help_text=_("Why the deal was lost, when it was.")
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(
        self, *args: Any, stages: Iterable[Stage], currencies: Iterable[str], owners: Any, teams: Iterable[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = stage_choices(stages)  # type: ignore[attr-defined]
        self.fields["currency"].choices = [(code, code) for code in currencies]  # type: ignore[attr-defined]
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        self.fields["team"].choices = [*_BLANK, *((str(team.pk), team.name) for team in teams)]  # type: ignore[attr-defined]

    def action_data(self, company: Any, contact: Any) -> dict[str, Any]:
        """The input for create_deal / update_deal; the company and contact were resolved by the view."""
        skip = {"company_name", "company_id", "contact_name", "contact_id"}
        data = {name: value for name, value in self.cleaned_data.items() if name not in skip}
        data["company"], data["contact"] = company, contact
        if data.get("amount") is None:
            data["amount"] = "0"
        return data

    def add_action_errors(self, error: Any) -> None:
        renamed = {"company": "company_name", "contact": "contact_name", "pipeline": "stage"}
        for field, messages in error.message_dict.items():
            target = renamed.get(field, field)
            self.add_error(target if target in self.fields else None, messages)

    @staticmethod
    def initial_for(deal: Deal) -> dict[str, Any]:
        names = ("name", "amount", "currency", "probability", "expected_close_date", "lost_reason", "notes")
        initial: dict[str, Any] = {name: getattr(deal, name) for name in names}
        initial.update(
            stage=str(deal.stage_id),
            owner=deal.owner_id,
            team=str(deal.team_id) if deal.team_id else "",
            company_name=deal.company.name if deal.company else "",
            company_id=deal.company_id,
            contact_name=deal.contact.display_name if deal.contact else "",
            contact_id=deal.contact_id,
        )
        return initial


class MoveForm(BastionForm):
    """The stage select on each board card and on the deal page (the keyboard's way to move a deal)."""

    stage = forms.UUIDField()
    lost_reason = forms.CharField(max_length=200, required=False)


# The "Expected close" filter's labels, by the keys of sales.selectors.CLOSINGS.
CLOSING_LABELS = {
    "overdue": _("Passed, still open"), "this_month": _("This month"), "next_30_days": _("In the next 30 days"),
    "none": _("No date"),
}  # fmt: skip


class DealFilterForm(BastionForm):
    """The filters above the deal list and the board (GET); invalid values are reported and ignored."""

    q = forms.CharField(required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), ("open", _("Open")), ("won", _("Won")), ("lost", _("Lost"))],
    )
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    closing = forms.ChoiceField(
        label=_("Expected close"),
        required=False,
        choices=[("", _("Any date")), *((key, CLOSING_LABELS[key]) for key in CLOSINGS)],
    )

    def __init__(self, data: Any, *, owners: Iterable[Any], pipelines: Iterable[Any]) -> None:
        super().__init__(data)
        self.fields["owner"].choices = [("", _("Anyone")), *((u.pk, u.get_full_name() or u.username) for u in owners)]  # type: ignore[attr-defined]
        self.fields["pipeline"] = forms.TypedChoiceField(
            label=_("Pipeline"),
            required=False,
            choices=[("", _("All pipelines")), *((str(p.pk), p.name) for p in pipelines)],
            coerce=uuid.UUID,
            empty_value=None,
        )


class PipelineForm(ActionErrorsMixin, BastionForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=1000, required=False)
    is_default = forms.BooleanField(label=_("Default pipeline"), required=False, help_text=_("New deals go here."))


class StageForm(ActionErrorsMixin, BastionForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    probability = forms.IntegerField(label=_("Default probability (%)"), min_value=0, max_value=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=StageKind.choices, help_text=_("Won and lost stages close a deal."))
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=1000, required=False)


class ExchangeRateForm(ActionErrorsMixin, BastionForm):
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3, help_text=_("Three letters, e.g. EUR."))
    rate = forms.DecimalField(label=_("Rate"), max_digits=18, decimal_places=8, min_value=0)


class LeadRoutingForm(ActionErrorsMixin, BastionForm):
    """The team that receives web-form leads (ADR 0039); empty: administrators only."""

    team = forms.ChoiceField(
        label=_("Team that receives web-form leads"),
        required=False,
        help_text=_("Each new lead goes to the next member of this team who may change customer records, in turn."),
    )

    def __init__(self, *args: Any, teams: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        nobody = ("", _("Nobody: only administrators see them until they assign them"))
        self.fields["team"].choices = [nobody, *((str(team.pk), team.name) for team in teams)]  # type: ignore[attr-defined]


class TerritoryRuleForm(ActionErrorsMixin, BastionForm):
    """A territory of the receiving team (ADR 0045): leads from a country and/or in an industry go to one member."""

    country = forms.CharField(label=_("Country or region"), max_length=100, required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    owner = forms.ChoiceField(label=_("Goes to"))

    def __init__(self, *args: Any, people: Iterable[Any] = (), industries: Iterable[tuple[str, Any]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = [("", _("Any industry")), *industries]  # type: ignore[attr-defined]
        choices = [(str(person.pk), person.get_full_name() or person.get_username()) for person in people]
        self.fields["owner"].choices = choices  # type: ignore[attr-defined]


class ScoringRuleForm(ActionErrorsMixin, BastionForm):
    """A lead-scoring rule (ADR 0041); the action checks the condition fits what the rule looks at."""

    name = forms.CharField(label=_("Name"), max_length=120, help_text=_("For example “Decision maker”."))
    category = forms.ChoiceField(label=_("Kind of points"), choices=ScoreCategory.choices)
    field = forms.ChoiceField(label=_("Looks at"), choices=ScoredField.choices)
    operator = forms.ChoiceField(label=_("Condition"), choices=Operator.choices)
    value = forms.CharField(
        label=_("Value"),
        max_length=200,
        required=False,
        help_text=_(
            "Text to look for (any case), a number to compare with, or empty for “is filled in”. "
            "Interests match a topic, a product name or a SKU."
        ),
    )
    points = forms.IntegerField(label=_("Points"), min_value=-100, max_value=100, help_text=_("From -100 to 100."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
