"""The forms that hand a colleague's open work to another (bastion.sales.handover) and that change
chosen records from their list (owner, tags, a deal's stage, a lead's status, deleting them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bastion.directory import validation
from bastion.directory.forms import ActionErrorsMixin, BastionForm, OwnerChoiceField
from bastion.sales.forms import stage_choices
from bastion.sales.forms_leads import OPEN_STATUSES
from bastion.sales.handover import KINDS


class HandOverForm(ActionErrorsMixin, BastionForm):
    recipient = OwnerChoiceField(label=_("Hand over to"), queryset=None, empty_label=_("Choose a colleague"))
    kinds = forms.MultipleChoiceField(
        label=_("What to hand over"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one kind of work to hand over.")},
    )
    to_their_team = forms.BooleanField(
        label=_("Move the records to the new owner's team as well"),
        required=False,
        help_text=_("Otherwise each record stays in its team, whose members keep seeing it."),
    )

    def __init__(self, *args: Any, recipients: Any, work: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = recipients  # type: ignore[attr-defined]
        self.fields["kinds"].choices = [(key, f"{kind.label} ({work.get(key, 0)})") for key, kind in KINDS.items()]  # type: ignore[attr-defined]
        self.fields["kinds"].initial = [key for key, count in work.items() if count]


class ReassignForm(ActionErrorsMixin, BastionForm):
    owner = OwnerChoiceField(label=_("New owner"), queryset=None, empty_label=_("Choose a colleague"))

    def __init__(self, *args: Any, owners: Any, label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        if label is not None:  # "New assignee" for activities
            self.fields["owner"].label = label


class TagChosenForm(ActionErrorsMixin, BastionForm):
    """Tags to add to the chosen records and tags (of those they carry) to take off them."""

    add = forms.CharField(
        label=_("Tags to add"),
        required=False,
        max_length=validation.MAX_TAGS * (validation.MAX_TAG_LENGTH + 2),
        help_text=_("Separate tags with commas, e.g. VIP, partner."),
        widget=forms.TextInput(attrs={"list": "tag-options", "autocomplete": "off"}),
    )
    remove = forms.MultipleChoiceField(label=_("Tags to take off"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, carried: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["remove"].choices = [(name, name) for name in carried]  # type: ignore[attr-defined]


class MoveChosenForm(ActionErrorsMixin, BastionForm):
    """The stage to move the chosen deals to (grouped by pipeline), and why they were lost, if it is a lost stage."""

    stage = forms.ChoiceField(label=_("Move to"))
    lost_reason = forms.CharField(
        label=_("Lost reason"),
        max_length=200,
        required=False,
        help_text=_("Only for a lost stage: written on each deal that moves there."),
    )

    def __init__(self, *args: Any, stages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [("", _("Choose a stage")), *stage_choices(stages)]  # type: ignore[attr-defined]


class LeadStatusChosenForm(ActionErrorsMixin, BastionForm):
    """The status to give the chosen leads (converting is done one lead at a time, with Convert)."""

    status = forms.ChoiceField(label=_("New status"), choices=[("", _("Choose a status")), *OPEN_STATUSES])


class DeleteChosenForm(ActionErrorsMixin, BastionForm):
    """The chosen records are deleted only once the box is ticked: deleting cannot be undone."""

    confirmed = forms.BooleanField(
        label=_("I understand that the records listed below are deleted for good"),
        error_messages={"required": _("Tick the box to confirm: deleted records cannot be brought back.")},
    )
