"""Forms of the staff administration and the access review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from bastion.accounts import selectors
from bastion.kernel.access.roles import Role
from bastion.kernel.widgets import ActionErrorsMixin, BastionForm


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


class NewColleagueForm(ActionErrorsMixin, BastionForm):
    """Who to add: the sign-in name, the name shown to colleagues, the email, the role and the teams.

    The form checks what it can say at once; the action (``staff.add_member``) checks the rest
    (the name's characters, a user of that name in any case) and its errors come back on the fields.
    """

    username = forms.CharField(
        label=_("Username"), max_length=150,
        help_text=_("What they type to sign in: letters, digits and @ . + - _ only. It cannot be changed later."),
        error_messages={"required": _("Enter a username."), "max_length": _("The username can be at most 150 characters.")},
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )  # fmt: skip
    first_name = forms.CharField(
        label=_("Given name"), max_length=150, required=False,
        error_messages={"max_length": _("The given name can be at most 150 characters.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip
    last_name = forms.CharField(
        label=_("Family name"), max_length=150, required=False,
        help_text=_("The name colleagues see next to the records this person owns."),
        error_messages={"max_length": _("The family name can be at most 150 characters.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip
    email = forms.EmailField(
        label=_("Email"),
        error_messages={
            "required": _("Enter an email address."),
            "invalid": _("Enter a valid email address, such as name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("Choose a role")), *Role.choices],
        help_text=_("What they may see and do. You can change it later on their page."),
        error_messages={
            "required": _("Choose a role."),
            "invalid_choice": _("%(value)s is not a role. Choose one from the list."),
        },
    )  # fmt: skip
    teams: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Teams"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("New records of this person go to their first team; the team sees them."),
        error_messages={
            "invalid_choice": _("One of the chosen teams no longer exists. Choose again."),
            "invalid_pk_value": _("One of the chosen teams no longer exists. Choose again."),
        },
    )  # fmt: skip

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = teams  # type: ignore[attr-defined]

    def clean_username(self) -> str:
        """Said at once with the other fields' errors; ``staff.add_member`` checks again when it writes."""
        username: str = self.cleaned_data["username"]
        get_user_model()._meta.get_field("username").run_validators(username)
        if selectors.staff_member_id_named(username) is not None:
            raise forms.ValidationError(_("A user named %(username)s already exists."), params={"username": username})
        return username
