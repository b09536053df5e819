"""HTML forms for companies and contacts: parse and show input; the actions validate and write.

Forms never query the database themselves (tests/test_layering.py): the choices they
offer (owners, tags, matching companies) are passed in by the views from the selectors.

Field-level security (docs/adr/0030) is applied in one place, :class:`FieldSecurityMixin`, from
the model's classification and the user's role: a field the role may not change is read-only
(showing its value, masked if the role may not see it) and is never passed to the action; a
field the role may change but not see is write-only: it is empty, shows the mask as a hint,
and an empty value keeps what is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from bastion.directory import validation
from bastion.directory.models import (
    Company,
    CompanySize,
    Contact,
    ContactEmail,
    ContactPhone,
    EmailLabel,
    Industry,
    Language,
    PhoneLabel,
    Tag,
)
from bastion.kernel.access.masking import can_edit_field, can_see_field, mask_value
from bastion.kernel.widgets import ActionErrorsMixin, BastionForm, IsoDateInput

EMAIL_ROWS = 3
PHONE_ROWS = 3
_BLANK = [("", _("—"))]


def _max(model: type[Company] | type[Contact], name: str) -> int:
    return int(model._meta.get_field(name).max_length or 0)  # type: ignore[union-attr]


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class AddressFields(BastionForm):
    street = forms.CharField(label=_("Street address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    region = forms.CharField(label=_("State / province"), max_length=100, required=False)
    country = forms.CharField(label=_("Country"), max_length=100, required=False)


class RecordForm(ActionErrorsMixin, AddressFields):
    """Fields companies and contacts share: address, owner, tags, notes."""

    owner = OwnerChoiceField(label=_("Owner"), queryset=None, required=False, empty_label=_("Nobody"))
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=validation.MAX_TAGS * (validation.MAX_TAG_LENGTH + 2),
        help_text=_("Separate tags with commas, e.g. VIP, partner."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=validation.MAX_NOTES_LENGTH, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args: Any, owners: QuerySet[Any, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]

    def clean_tags(self) -> list[str]:
        value: str = self.cleaned_data.get("tags") or ""
        errors = validation.Errors()
        names = validation.tags(value, errors)
        if errors:
            raise ValidationError(errors.by_field["tags"])
        return names


def _listed(row: dict[str, Any], key: str, visible: bool, name: str) -> dict[str, Any]:
    """A stored email or phone row as the form lists it when it cannot be edited in place."""
    labels = dict(EmailLabel.choices if name == "emails" else PhoneLabel.choices)
    value = row[key] if visible else mask_value(row[key])
    label = str(row.get("label") or "")
    return {"value": value, "label": labels.get(label, label), "is_primary": row.get("is_primary")}


WRITE_ONLY_HELP = _("Hidden for your role: type a new value to replace it, or leave empty to keep it.")
READ_ONLY_HELP = _("Your role cannot change this field.")


class FieldSecurityMixin:
    """Lock the fields ``user`` may not change, and make the ones they may change but not see write-only."""

    model: Any = None
    fields: dict[str, forms.Field]
    initial: Any

    def apply_field_security(self, user: Any) -> None:
        self.locked: set[str] = set()
        self.write_only: set[str] = set()
        for name, field in list(self.fields.items()):
            if name not in _classified(self.model):
                continue
            if not can_edit_field(user, self.model, name):
                # Shown as text (a mask is not a valid date), never read back: ``secured`` drops it.
                self.locked.add(name)
                widget = forms.TextInput() if isinstance(field, forms.DateField) else field.widget
                self.fields[name] = forms.CharField(
                    label=field.label, required=False, disabled=True, widget=widget, help_text=READ_ONLY_HELP
                )
                self.initial[name] = self._shown(user, name)
            elif not can_see_field(user, self.model, name):
                self.write_only.add(name)
                stored = self.initial.get(name)
                self.initial[name] = None
                if stored in (None, ""):
                    continue  # a new record, or nothing stored: nothing hidden to keep, the field stays as it is
                # A stored value the role may not see: its mask as a hint (as text: a mask is not a valid date).
                field.widget = forms.TextInput() if isinstance(field, forms.DateField) else field.widget
                field.widget.attrs["placeholder"] = str(mask_value(stored))
                field.help_text = WRITE_ONLY_HELP

    def _shown(self, user: Any, name: str) -> Any:
        value = self.initial.get(name)
        return value if can_see_field(user, self.model, name) else mask_value(value)

    def secured(self, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` without locked fields, and without write-only fields left empty (they keep their value)."""
        return {
            key: value
            for key, value in data.items()
            if key not in self.locked and not (key in self.write_only and value in (None, ""))
        }


def _classified(model: Any) -> frozenset[str]:
    from bastion.kernel.crypto.classification import classification_of

    return frozenset(classification_of(model))


class CompanyForm(FieldSecurityMixin, RecordForm):
    name = forms.CharField(label=_("Name"), max_length=_max(Company, "name"))
    domain = forms.CharField(
        label=_("Web domain"), max_length=253, required=False, help_text=_("For example example.com; no need for https://.")
    )
    industry = forms.ChoiceField(label=_("Industry"), choices=_BLANK + list(Industry.choices), required=False)
    size = forms.ChoiceField(label=_("Employees"), choices=_BLANK + list(CompanySize.choices), required=False)

    field_order = ["name", "domain", "industry", "size", "owner", "tags"]
    model = Company

    def __init__(self, *args: Any, owners: QuerySet[Any, Any], user: Any, **kwargs: Any) -> None:
        super().__init__(*args, owners=owners, **kwargs)
        self.apply_field_security(user)

    def action_data(self) -> dict[str, Any]:
        return self.secured(dict(self.cleaned_data))

    @staticmethod
    def initial_for(company: Company) -> dict[str, Any]:
        fields = ("name", "domain", "industry", "size", "street", "postal_code", "city", "region", "country", "notes")
        initial: dict[str, Any] = {name: getattr(company, name) for name in fields}
        initial["owner"] = company.owner_id
        initial["tags"] = ", ".join(tag.name for tag in company.tags.all())
        return initial


class EmailRowForm(BastionForm):
    address = forms.EmailField(label=_("Email address"), max_length=254, required=False)
    label = forms.ChoiceField(label=_("Label"), choices=EmailLabel.choices, required=False)
    is_primary = forms.BooleanField(label=_("Primary"), required=False)


class PhoneRowForm(BastionForm):
    number = forms.CharField(label=_("Phone number"), max_length=40, required=False)
    label = forms.ChoiceField(label=_("Label"), choices=PhoneLabel.choices, required=False)
    is_primary = forms.BooleanField(label=_("Primary"), required=False)

    def clean_number(self) -> str:
        number: str = self.cleaned_data.get("number") or ""
        problem = validation.phone_problem(number) if number else None
        if problem:
            raise ValidationError(problem)
        return number


class RowFormSet(forms.BaseFormSet):
    """Email or phone rows; checks across rows (duplicates, one primary) so all errors show at once."""

    key = ""
    noun: Any = ""

    def clean(self) -> None:
        if any(self.errors):
            return
        rows = [form.cleaned_data for form in self.forms if (form.cleaned_data or {}).get(self.key)]
        if sum(bool(row.get("is_primary")) for row in rows) > 1:
            raise ValidationError(validation.several_primaries(str(self.noun)))
        if self.key == "address":
            seen: set[str] = set()
            for number, row in enumerate(rows, start=1):
                if row["address"].lower() in seen:
                    raise ValidationError(validation.duplicate_email(number, row["address"]))
                seen.add(row["address"].lower())


class EmailRowFormSet(RowFormSet):
    key, noun = "address", _("email addresses")


class PhoneRowFormSet(RowFormSet):
    key, noun = "number", _("phone numbers")


EmailFormSet = forms.formset_factory(
    EmailRowForm, formset=EmailRowFormSet, extra=0, max_num=validation.MAX_EMAILS, absolute_max=validation.MAX_EMAILS
)
PhoneFormSet = forms.formset_factory(
    PhoneRowForm, formset=PhoneRowFormSet, extra=0, max_num=validation.MAX_PHONES, absolute_max=validation.MAX_PHONES
)


def _padded(rows: list[dict[str, Any]], minimum: int, maximum: int) -> list[dict[str, Any]]:
    """Existing rows plus blank ones: at least ``minimum`` rows and one free row, up to ``maximum``."""
    count = min(max(minimum, len(rows) + 1), maximum)
    return rows + [{"label": "work"} for _i in range(count - len(rows))]


class ContactForm(FieldSecurityMixin, RecordForm):
    given_name = forms.CharField(label=_("Given name"), max_length=_max(Contact, "given_name"), required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=_max(Contact, "family_name"), required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=_max(Contact, "job_title"), required=False)
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
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=IsoDateInput())
    national_id = forms.CharField(
        label=_("National ID number"), max_length=64, required=False, help_text=_("For example a passport or resident ID number.")
    )
    private_notes = forms.CharField(
        label=_("Private notes"),
        required=False,
        max_length=validation.MAX_NOTES_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Personal matters only colleagues who need them should read."),
    )

    field_order = ["given_name", "family_name", "job_title", "company_name", "company_id", "preferred_language", "owner"]
    model = Contact
    ROW_FIELDS = {
        "emails": (ContactEmail, "address", EmailFormSet, EMAIL_ROWS),
        "phones": (ContactPhone, "number", PhoneFormSet, PHONE_ROWS),
    }

    emails: forms.BaseFormSet[Any]
    phones: forms.BaseFormSet[Any]

    def __init__(self, *args: Any, owners: QuerySet[Any, Any], user: Any, **kwargs: Any) -> None:
        super().__init__(*args, owners=owners, **kwargs)
        self.apply_field_security(user)
        prefix_data = self.data if self.is_bound else None
        self.row_errors: dict[str, list[str]] = {"emails": [], "phones": []}
        # Rows the user cannot see are listed masked (and kept); new rows can be added if the role may write them.
        self.masked_rows: dict[str, list[dict[str, Any]]] = {"emails": [], "phones": []}
        self.rows_locked: set[str] = set()
        self.row_room: dict[str, int] = {}  # how many rows the form may hold in all ("Add another" stops there)
        for name, (model, key, formset_class, minimum) in self.ROW_FIELDS.items():
            rows = self.initial.get(name, [])
            visible = can_see_field(user, model, key)
            if not visible or not can_edit_field(user, model, key):
                self.masked_rows[name] = [_listed(row, key, visible, name) for row in rows]
                rows, minimum = [], 1
            if not can_edit_field(user, model, key):
                self.rows_locked.add(name)
            limit = validation.MAX_EMAILS if name == "emails" else validation.MAX_PHONES
            self.row_room[name] = limit - len(self.masked_rows[name])
            initial = _padded(rows, minimum, limit - len(self.masked_rows[name])) if name not in self.rows_locked else []
            setattr(self, name, formset_class(prefix_data, prefix=name, initial=initial))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("given_name") or cleaned.get("family_name")) and "given_name" not in self.errors:
            self.add_error("given_name", _("Enter a given name or a family name."))
        return cleaned

    @property
    def locked_emails(self) -> bool:
        return "emails" in self.rows_locked

    @property
    def locked_phones(self) -> bool:
        return "phones" in self.rows_locked

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return self.emails.is_valid() & self.phones.is_valid() & valid

    @property
    def has_errors(self) -> bool:
        rows = self.emails.total_error_count() + self.phones.total_error_count()
        return self.is_bound and bool(self.errors or rows or self.row_errors["emails"] or self.row_errors["phones"])

    @staticmethod
    def _rows(formset: forms.BaseFormSet[Any], key: str) -> list[dict[str, Any]]:
        rows = []
        for row_form in formset.forms:
            data = getattr(row_form, "cleaned_data", {}) or {}
            if data.get(key):
                rows.append({key: data[key], "label": data.get("label") or "work", "is_primary": bool(data.get("is_primary"))})
        return rows

    def action_data(self, company: Company | None, contact: Contact | None = None) -> dict[str, Any]:
        """The input for create_contact / update_contact; ``company`` was resolved by the view.

        ``contact`` (when editing) supplies the stored emails and phones the user could not see:
        they are kept, and any rows typed are added after them.
        """
        data = {name: self.cleaned_data[name] for name in self.fields if name not in {"company_name", "company_id"}}
        data["company"] = company
        for name, (_model, key, _formset, _minimum) in self.ROW_FIELDS.items():
            if name in self.rows_locked:
                continue
            typed = self._rows(getattr(self, name), key)
            if self.masked_rows[name] and contact is not None:  # stored rows the user cannot see
                if not typed:
                    continue  # kept as they are
                new_primary = any(row["is_primary"] for row in typed)
                typed = self._stored_rows(contact, name, key, new_primary=new_primary) + typed
            data[name] = typed
        return self.secured(data)

    @staticmethod
    def _stored_rows(contact: Contact, name: str, key: str, *, new_primary: bool) -> list[dict[str, Any]]:
        rows = getattr(contact, name).all()
        return [{key: getattr(r, key), "label": r.label, "is_primary": r.is_primary and not new_primary} for r in rows]

    def add_action_errors(self, error: ValidationError) -> None:
        for field, messages in error.message_dict.items():
            if field == "company":
                self.add_error("company_name", messages)
            elif field in self.row_errors:  # shown in the emails/phones fieldset; they name the row
                self.row_errors[field].extend(messages)
            else:
                self.add_error(field if field in self.fields else None, messages)

    @staticmethod
    def initial_for(contact: Contact) -> dict[str, Any]:
        fields = ("given_name", "family_name", "job_title", "preferred_language", "street", "postal_code", "city")
        personal = ("date_of_birth", "national_id", "private_notes")
        initial: dict[str, Any] = {name: getattr(contact, name) for name in (*fields, "region", "country", "notes", *personal)}
        initial["owner"] = contact.owner_id
        initial["tags"] = ", ".join(tag.name for tag in contact.tags.all())
        initial["company_name"] = contact.company.name if contact.company else ""
        initial["company_id"] = contact.company_id
        initial["emails"] = [{"address": e.address, "label": e.label, "is_primary": e.is_primary} for e in contact.emails.all()]
        initial["phones"] = [{"number": p.number, "label": p.label, "is_primary": p.is_primary} for p in contact.phones.all()]
        return initial


class CompanyFilterForm(BastionForm):
    """The filters above the company list (GET); invalid values are reported and ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    industry = forms.ChoiceField(label=_("Industry"), choices=[("", _("Any industry")), *Industry.choices], required=False)
    size = forms.ChoiceField(label=_("Employees"), choices=[("", _("Any size")), *CompanySize.choices], required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)

    def __init__(self, data: Mapping[str, Any], *, owners: Iterable[Any]) -> None:
        super().__init__(data)
        self.fields["owner"].choices = owner_choices(owners)  # type: ignore[attr-defined]


class ContactFilterForm(BastionForm):
    """The filters above the contact list (GET)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    company = forms.UUIDField(required=False, widget=forms.HiddenInput)
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    preferred_language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Any language")), *Language.choices], required=False
    )

    def __init__(self, data: Mapping[str, Any], *, owners: Iterable[Any], tags: Iterable[Tag]) -> None:
        super().__init__(data)
        self.fields["owner"].choices = owner_choices(owners)  # type: ignore[attr-defined]
        self.fields["tag"].choices = [("", _("Any tag")), *((tag.key, tag.name) for tag in tags)]  # type: ignore[attr-defined]


def owner_choices(owners: Iterable[Any]) -> list[tuple[Any, Any]]:
    return [("", _("Anyone")), *((user.pk, user.get_full_name() or user.username) for user in owners)]


def valid_filters(form: forms.Form) -> dict[str, Any]:
    """The filter values that passed validation (a bad one is shown as an error and ignored)."""
    form.is_valid()
    return {name: value for name, value in form.cleaned_data.items() if name not in form.errors}


class RevealForm(ActionErrorsMixin, BastionForm):
    """Why the user needs to see a masked value; required, and kept in the audit trail."""

    reason = forms.CharField(
        label=_("Reason"),
        min_length=10,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example the request or ticket you are working on. The reason is recorded; the value is not."),
    )
