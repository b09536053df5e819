"""Forms of the administrators' access pages: record-access defaults (and, later, staff)."""

from __future__ import annotations

from typing import Any

from django import forms

from bastion.accounts.access_settings import TypeVisibility
from bastion.kernel.access.records import Visibility
from bastion.kernel.widgets import BastionForm


class RecordDefaultsForm(BastionForm):
    """One choice per object type: who reads a record of that type by default."""

    def __init__(self, *args: Any, rows: list[TypeVisibility], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in rows:
            self.fields[row.object_type] = forms.ChoiceField(
                label=row.label, choices=Visibility.choices, initial=row.visibility, widget=forms.RadioSelect
            )
