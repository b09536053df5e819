"""Forms for leads: the public web form, the colleague's lead form, filters and conversion."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bastion.directory.forms import ActionErrorsMixin, BastionForm, FieldSecurityMixin, OwnerChoiceField
from bastion.directory.models import Industry, Language
from bastion.sales.forms import stage_choices
from bastion.sales.models import Lead, LeadSource, LeadStatus

# The exact words of the consent checkbox; the text shown (in the visitor's language) is stored with the time.
CONSENT_TEXT = _(
    "I agree that my details and message are stored in order to answer me and to send me information "
    "about the products I asked about. I can withdraw this consent at any time."
)
INDUSTRY_CHOICES = [("", "—"), *Industry.choices]
OPEN_STATUSES = [(value, label) for value, label in LeadStatus.choices if value != LeadStatus.CONVERTED]


class PublicLeadForm(ActionErrorsMixin, BastionForm):
    """The embeddable "contact us" form. ``website`` is a honeypot: hidden from people, filled by bots."""

    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email address"), max_length=254)
    phone = forms.CharField(label=_("Phone number"), max_length=40, required=False)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    country = forms.CharField(label=_("Country or region"), max_length=100, required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False, choices=INDUSTRY_CHOICES)
    message = forms.CharField(label=_("Message"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    consent = forms.BooleanField(label=CONSENT_TEXT, error_messages={"required": _("Tick the box to agree before sending.")})
    website = forms.CharField(
        label=_("Leave this field empty"), required=False, widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"})
    )

    def action_data(self) -> dict[str, Any]:
        skip = {"consent", "website"}
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}


class LeadForm(FieldSecurityMixin, ActionErrorsMixin, BastionForm):
    """A lead by hand. Fields the user's role may not change are locked, and restricted ones it may
    change but not see are write-only (field-level security, docs/adr/0030)."""

    model = Lead
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    country = forms.CharField(label=_("Country or region"), max_length=100, required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False, choices=INDUSTRY_CHOICES)
    email = forms.EmailField(label=_("Email address"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone number"), max_length=40, required=False)
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)
    status = forms.ChoiceField(label=_("Status"), choices=OPEN_STATUSES)
    owner = OwnerChoiceField(label=_("Owner"), queryset=None, required=False, empty_label=_("Nobody"))
    team = forms.ChoiceField(label=_("Team"), required=False)
    message = forms.CharField(label=_("Message"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, owners: Any, teams: Iterable[Any], user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        self.fields["team"].choices = [("", _("—")), *((str(team.pk), team.name) for team in teams)]  # type: ignore[attr-defined]
        self.apply_field_security(user)

    @staticmethod
    def initial_for(lead: Any) -> dict[str, Any]:
        names = ("given_name", "family_name", "company_name", "job_title", "preferred_language", "status")
        initial: dict[str, Any] = {name: getattr(lead, name) for name in names}
        initial.update(email=str(lead.email), phone=str(lead.phone), message=str(lead.message), owner=lead.owner_id)
        initial["team"] = str(lead.team_id) if lead.team_id else ""
        return initial


class LeadFilterForm(BastionForm):
    q = forms.CharField(required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *LeadStatus.choices])
    source = forms.ChoiceField(label=_("Source"), required=False, choices=[("", _("Any")), *LeadSource.choices])
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)

    def __init__(self, data: Any, *, owners: Iterable[Any]) -> None:
        super().__init__(data)
        self.fields["owner"].choices = [("", _("Anyone")), *((u.pk, u.get_full_name() or u.username) for u in owners)]  # type: ignore[attr-defined]


class ConvertForm(ActionErrorsMixin, BastionForm):
    """Conversion: which contact (new or a duplicate), which company, and whether to open a deal."""

    contact = forms.ChoiceField(label=_("Contact"), required=False)
    company = forms.ChoiceField(label=_("Company"), required=False)
    create_deal = forms.BooleanField(label=_("Open a deal"), required=False, initial=True)
    deal_name = forms.CharField(label=_("Deal name"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2, min_value=0, required=False)
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    stage = forms.ChoiceField(label=_("Pipeline and stage"), required=False)

    def __init__(
        self,
        *args: Any,
        lead: Any,
        matches: Iterable[Any],
        stages: Iterable[Any],
        currencies: Iterable[str],
        named: Iterable[Any] = (),
        **kwargs: Any,
    ) -> None:
        """``named``: the visible companies already called what the lead's company is called, chosen first
        (so converting does not make a second one); else a lead with a company name creates it."""
        super().__init__(*args, **kwargs)
        contacts, named = [m.record for m in matches if m.kind == "contact"], list(named)
        companies = {c.pk: c for c in named}
        for contact in contacts:
            if contact.company is not None:
                companies.setdefault(contact.company.pk, contact.company)
        if "company" not in self.initial:
            self.initial["company"] = str(named[0].pk) if named else ("new" if lead.company_name else "")
        self.fields["contact"].choices = [  # type: ignore[attr-defined]
            ("", _("Create a new contact from the lead")),
            *((str(c.pk), _("Use the existing contact %(name)s") % {"name": c.display_name}) for c in contacts),
        ]
        company_choices: list[tuple[str, Any]] = [("", _("No company"))]
        if lead.company_name:
            company_choices.append(("new", _("Create the company “%(name)s”") % {"name": lead.company_name}))
        company_choices += [(str(pk), _("Use the existing company %(name)s") % {"name": c.name}) for pk, c in companies.items()]
        self.fields["company"].choices = company_choices  # type: ignore[attr-defined]
        self.fields["stage"].choices = [("", _("Default pipeline, first stage")), *stage_choices(stages)]  # type: ignore[attr-defined]
        self.fields["currency"].choices = [(code, code) for code in currencies]  # type: ignore[attr-defined]

    def action_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        company = data.pop("company") or ""
        data["create_company"] = company == "new"
        data["company"] = company if company not in ("", "new") else None
        data["contact"] = data.get("contact") or None
        return {name: value for name, value in data.items() if value not in (None, "")}
