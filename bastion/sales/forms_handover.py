"""The form that hands a colleague's open work to another (bastion.sales.handover)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bastion.directory.forms import ActionErrorsMixin, BastionForm, OwnerChoiceField
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

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
