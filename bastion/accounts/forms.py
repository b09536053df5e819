"""Forms of the account pages (the sign-in forms are allauth's)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bastion.accounts.scopes import ACCESS_LEVELS, TOKEN_RESOURCES
from bastion.accounts.tokens import TokenError, parse_token_networks
from bastion.kernel.widgets import BastionForm

_LEVEL_LABELS = {"read": _("Read"), "write": _("Read and write")}


class ApiTokenForm(BastionForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “nightly export script”."),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[(f"{resource}:{level}", _LEVEL_LABELS[level]) for resource in TOKEN_RESOURCES for level in ACCESS_LEVELS],
        widget=forms.CheckboxSelectMultiple,
        initial=[f"{resource}:read" for resource in TOKEN_RESOURCES],
        help_text=_("What the token may do. Your role still applies: a token never grants more than you have."),
        error_messages={"required": _("Choose at least one scope, e.g. read access to contacts.")},
    )
    allowed_networks = forms.CharField(
        label=_("Allowed networks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "off"}),
        help_text=_("Optional. One network per line in CIDR form, e.g. 203.0.113.0/24 or 2001:db8::/32. Empty: any address."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Interpolated here, not at import, so the text follows the request's language.
        self.fields["days"].help_text = gettext("From 1 to %(max)d days. Shorter is safer.") % {
            "max": settings.API_TOKEN_MAX_DAYS
        }

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name that says what it is for."))
        return name

    def clean_allowed_networks(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["allowed_networks"].splitlines()]
        networks: list[str] = []
        for number, line in enumerate(lines, start=1):
            if not line:
                continue
            try:
                networks += parse_token_networks([line])
            except TokenError as exc:
                raise forms.ValidationError(gettext("Line %(number)d: %(error)s") % {"number": number, "error": exc}) from exc
        return list(dict.fromkeys(networks))

    def scope_groups(self) -> list[tuple[Any, list[Any]]]:
        """The scope checkboxes grouped per resource: ``[(label, [read box, write box]), ...]``."""
        boxes = {box.data["value"]: box for box in self["scopes"]}
        return [(label, [boxes[f"{resource}:{level}"] for level in ACCESS_LEVELS]) for resource, label in TOKEN_RESOURCES.items()]
