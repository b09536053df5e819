"""Money: amounts as ``Decimal`` with two decimal places, currencies as ISO 4217 codes, and
conversion to the organisation's base currency (``settings.BASTION_BASE_CURRENCY``).

No ``float`` anywhere: input is parsed straight into ``Decimal`` and conversions round half
up to the hundredth, as accountants expect.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from bastion.directory.validation import Errors

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999999999.99")  # 18 digits, two after the point
_CODE = re.compile(r"[A-Z]{3}")


def base_currency() -> str:
    return str(settings.BASTION_BASE_CURRENCY)


def parse_amount(value: Any, field: str, errors: Errors, *, label: str) -> Decimal:
    """A non-negative amount with at most two decimal places ("1 234,50" is refused: use a point)."""
    if value is None or value == "":
        return Decimal("0.00")
    if isinstance(value, float):  # never trust a binary float with money
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(" ", "").replace("_", ""))
    except InvalidOperation:
        errors.add(field, _("%(label)s must be a number such as 1250.50.") % {"label": label})
        return Decimal("0.00")
    if not amount.is_finite() or amount < 0:
        errors.add(field, _("%(label)s must be zero or more.") % {"label": label})
        return Decimal("0.00")
    if amount != amount.quantize(CENT):
        errors.add(field, _("%(label)s can have at most two decimal places.") % {"label": label})
        return Decimal("0.00")
    if amount > MAX_AMOUNT:
        errors.add(field, _("%(label)s is too large.") % {"label": label})
        return Decimal("0.00")
    return amount.quantize(CENT)


def parse_currency(value: Any, field: str, errors: Errors, *, known: set[str]) -> str:
    """A currency code that is the base currency or has an exchange rate."""
    code = str(value or "").strip().upper()
    if not _CODE.fullmatch(code):
        errors.add(field, _("Enter the currency as a three-letter code such as USD, EUR or CNY."))
        return ""
    if code not in known:
        errors.add(
            field,
            _("There is no exchange rate for %(code)s. Use one of: %(known)s.")
            % {"code": code, "known": ", ".join(sorted(known))},
        )
        return ""
    return code


def to_base_cents(amount: Decimal, rate: Decimal) -> int:
    """``amount`` (in a currency worth ``rate`` base units each) in hundredths of the base currency."""
    return int((amount * rate / CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_cents(cents: int | None) -> Decimal:
    return (Decimal(cents or 0) * CENT).quantize(CENT)
