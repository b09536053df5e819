"""HTML forms for products and orders: parse and show input; the actions validate and write.

Forms never query the database (tests/test_layering.py): the views pass in the choices
(products, currencies, owners, teams) they got from the selectors. An order's lines are a
formset of plain rows; "Add a line" adds an empty row in the page (bastion/app.js, from the formset's
empty form), and without JavaScript "Add lines" re-renders the form with more empty rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from bastion.commerce.actions import FINAL, REACHABLE
from bastion.commerce.models import Order, OrderStatus, Product
from bastion.directory.forms import ActionErrorsMixin, BastionForm, OwnerChoiceField
from bastion.kernel.widgets import IsoDateInput

_BLANK = [("", _("—"))]
BLANK_LINES = 3
MAX_LINES = 100


class ProductForm(ActionErrorsMixin, BastionForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    sku = forms.CharField(
        label=_("SKU"), max_length=64, required=False, help_text=_("Your stock-keeping code; optional, unique.")
    )
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=18, decimal_places=2, min_value=0)
    currency = forms.ChoiceField(label=_("Currency"))
    description = forms.CharField(
        label=_("Description"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(
        label=_("Active"), required=False, initial=True, help_text=_("Only active products can be put on new orders.")
    )

    def __init__(self, *args: Any, currencies: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(code, code) for code in currencies]  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(product: Product) -> dict[str, Any]:
        names = ("name", "sku", "unit_price", "currency", "description", "is_active")
        return {name: getattr(product, name) for name in names}


class ProductFilterForm(BastionForm):
    q = forms.CharField(required=False, max_length=200)
    active = forms.ChoiceField(
        label=_("Show"), required=False,
        choices=[("", _("Active and inactive")), ("yes", _("Active only")), ("no", _("Inactive only"))],
    )  # fmt: skip


class LineForm(BastionForm):
    product = forms.ChoiceField(label=_("Product"), required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=3, required=False)
    unit_price = forms.DecimalField(
        label=_("Unit price"), max_digits=18, decimal_places=2, min_value=0, required=False,
        help_text=_("Empty: the product's price."),
    )  # fmt: skip

    def __init__(self, *args: Any, products: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", _("Free text")), *products]  # type: ignore[attr-defined]

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not (data.get("product") or data.get("description"))


LineFormSet = forms.formset_factory(LineForm, extra=0, max_num=MAX_LINES, absolute_max=MAX_LINES)


class ProductLines:
    """The product lines of an order or a deal: a formset of rows, their input for the actions, and the
    actions' ``lines[2].quantity`` errors put back on the row they are about (blank rows are skipped)."""

    def __init__(
        self, data: Any = None, *, lines: list[dict[str, Any]] | None = None, extra_lines: int = BLANK_LINES,
        products: Iterable[Product] = (),
    ) -> None:  # fmt: skip
        choices = [(str(p.pk), f"{p.name} ({p.unit_price} {p.currency})") for p in products]
        rows = list(lines or [])
        rows += [{} for _i in range(min(extra_lines, MAX_LINES - len(rows)))]
        self.formset = LineFormSet(data, prefix="lines", initial=rows, form_kwargs={"products": choices})

    def is_valid(self) -> bool:
        return bool(self.formset.is_valid())

    def as_typed(self) -> list[dict[str, Any]]:
        """The rows as typed so far (to show them again with more empty rows)."""
        return [{name: form[name].value() for name in form.fields} for form in self.formset.forms]

    def data(self) -> list[dict[str, Any]]:
        rows = []
        for form in self.formset.forms:
            if form.is_blank():
                continue
            data = form.cleaned_data
            rows.append(
                {
                    "product": data.get("product") or None,
                    "description": data.get("description") or "",
                    "quantity": data["quantity"] if data.get("quantity") is not None else "",
                    "unit_price": data.get("unit_price"),
                }
            )
        return rows

    def add_errors(self, message_dict: dict[str, list[str]]) -> dict[str, list[str]]:
        """Put the lines' errors on their rows; returns the errors about anything else."""
        filled = [index for index, form in enumerate(self.formset.forms) if not form.is_blank()]
        rest: dict[str, list[str]] = {}
        for field, messages in message_dict.items():
            if field.startswith("lines["):
                index, _sep, name = field[len("lines[") :].partition("].")
                position = int(index.rstrip("]"))
                if position < len(filled):
                    form = self.formset.forms[filled[position]]
                    form.add_error(name if name in form.fields else None, messages)
                    continue
            rest[field] = messages
        return rest


class OrderForm(ActionErrorsMixin, BastionForm):
    company_name = forms.CharField(
        label=_("Company"),
        max_length=200,
        required=False,
        help_text=_("Type the name of an existing company, or leave empty."),
        widget=forms.TextInput(
            attrs={
                "list": "company-options", "autocomplete": "off", "hx-get": reverse_lazy("directory:company-suggest"),
                "hx-trigger": "input changed delay:250ms", "hx-target": "#company-options", "hx-sync": "this:replace",
            }
        ),
    )  # fmt: skip
    company_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    contact_name = forms.CharField(
        label=_("Contact"),
        max_length=201,
        required=False,
        help_text=_("The full name of an existing contact (at the company, if you chose one), or leave empty."),
    )
    contact_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    currency = forms.ChoiceField(label=_("Currency"))
    ordered_at = forms.DateField(label=_("Order date"), required=False, widget=IsoDateInput())
    owner = OwnerChoiceField(label=_("Owner"), queryset=None, required=False, empty_label=_("Nobody"))
    team = forms.ChoiceField(label=_("Team"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self,
        data: Any = None,
        *,
        initial: Any = None,
        lines: list[dict[str, Any]] | None = None,
        extra_lines: int = BLANK_LINES,
        products: Iterable[Product] = (),
        currencies: Iterable[str],
        owners: Any,
        teams: Iterable[Any],
    ) -> None:
        super().__init__(data, initial=initial)
        self.fields["currency"].choices = [(code, code) for code in currencies]  # type: ignore[attr-defined]
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        self.fields["team"].choices = [*_BLANK, *((str(team.pk), team.name) for team in teams)]  # type: ignore[attr-defined]
        self.product_lines = ProductLines(data, lines=lines, extra_lines=extra_lines, products=products)
        self.lines = self.product_lines.formset

    def is_valid(self) -> bool:
        return bool(super().is_valid()) & self.product_lines.is_valid()

    def line_data(self) -> list[dict[str, Any]]:
        return self.product_lines.data()

    def action_data(self, company: Any, contact: Any) -> dict[str, Any]:
        """The input for create_order / update_order; the company and contact were resolved by the view."""
        names = ("currency", "ordered_at", "owner", "team", "notes")
        data: dict[str, Any] = {name: self.cleaned_data.get(name) for name in names}
        data["company"], data["contact"], data["lines"] = company, contact, self.line_data()
        return data

    def add_action_errors(self, error: Any) -> None:
        renamed = {"company": "company_name", "contact": "contact_name"}
        for field, messages in self.product_lines.add_errors(error.message_dict).items():
            target = renamed.get(field, field)
            self.add_error(target if target in self.fields else None, messages)

    @staticmethod
    def initial_for(order: Order) -> dict[str, Any]:
        return {
            "currency": order.currency,
            "ordered_at": order.ordered_at.date() if order.ordered_at else None,
            "owner": order.owner_id,
            "team": str(order.team_id) if order.team_id else "",
            "notes": order.notes,
            "company_name": order.company.name if order.company else "",
            "company_id": order.company_id,
            "contact_name": order.contact.display_name if order.contact else "",
            "contact_id": order.contact_id,
        }


class StatusForm(BastionForm):
    status = forms.ChoiceField(choices=OrderStatus.choices)


class OrderStatusChosenForm(ActionErrorsMixin, BastionForm):
    """The status to move the chosen orders to; a final one (cancelled, refunded) is confirmed on the page."""

    status = forms.ChoiceField(label=_("New status"))
    confirmed = forms.BooleanField(label=_("I understand that a cancelled or refunded order cannot change again"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(value, OrderStatus(value).label) for value in REACHABLE]
        self.fields["status"].choices = [("", _("Choose a status")), *choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("status") in FINAL and not cleaned.get("confirmed"):
            self.add_error("confirmed", _("Tick the box to confirm: a cancelled or refunded order cannot change again."))
        return cleaned


class OrderFilterForm(BastionForm):
    """The filters above the order list (GET); invalid values are reported and ignored."""

    q = forms.CharField(required=False, max_length=50)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *OrderStatus.choices])
