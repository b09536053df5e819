"""Forms of the staff administration and the access review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bastion.kernel.access.roles import Role
from bastion.kernel.widgets import BastionForm


class RoleForm(BastionForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class TeamsForm(BastionForm):
    teams: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Member of"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("New records of this person go to their first team; the team sees them."),
    )  # fmt: skip
    managed: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Manages"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("A manager sees and changes the records of the team and of its members."),
    )  # fmt: skip

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = teams  # type: ignore[attr-defined]
        self.fields["managed"].queryset = teams  # type: ignore[attr-defined]


class SignOffForm(BastionForm):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you checked and what you changed, for the auditors."),
    )  # fmt: skip
    confirmed = forms.BooleanField(label=_("I reviewed every member's role, teams, shares and API tokens."))
