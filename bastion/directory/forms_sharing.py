"""The form that shares one record with a colleague or a team (bastion.accounts.sharing does the work)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bastion.kernel.access.records import Level
from bastion.kernel.widgets import BastionForm, IsoDateInput

DEFAULT_SHARE_DAYS = 30


class ShareForm(BastionForm):
    grantee = forms.ChoiceField(label=_("Share with"), help_text=_("One colleague, or everyone in one team."))
    level = forms.ChoiceField(label=_("Access"), choices=Level.choices, initial=Level.READ, widget=forms.RadioSelect)
    expires_on = forms.DateField(
        label=_("Until"),
        help_text=_("The share ends at the start of this day; expired shares grant nothing."),
        widget=IsoDateInput(),
    )

    def __init__(self, *args: Any, users: Any, teams: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"expires_on": timezone.localdate() + dt.timedelta(days=DEFAULT_SHARE_DAYS)})
        super().__init__(*args, **kwargs)
        people = [(f"user:{user.pk}", user.get_full_name() or user.username) for user in users]
        groups = [(f"team:{team.pk}", team.name) for team in teams]
        choices = [("", _("Choose…")), (_("Colleagues"), people), (_("Teams"), groups)]
        self.fields["grantee"].choices = choices  # type: ignore[attr-defined]

    def grantee_ids(self) -> dict[str, str]:
        """``{"user": id}`` or ``{"team": id}`` from the chosen option."""
        kind, _sep, value = self.cleaned_data["grantee"].partition(":")
        return {kind: value}

    def add_action_errors(self, error: Any) -> None:
        for name, messages in error.message_dict.items():
            field = "grantee" if name in ("user", "team") else name
            self.add_error(field if field in self.fields else None, messages)
