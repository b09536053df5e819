"""Amounts are grouped in thousands in every language (bastion/formats/): Django's Simplified
Chinese formats have no thousands separator, which printed 7344040.00 USD."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import formats, translation

from bastion.sales import actions

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_deals_amount_has_thousands_separators(
    language: str, personas: Any, signed_in: Any, stages: Any, settings: Any
) -> None:
    deal = actions.create_deal(personas.rep_east, {"name": "Aurora fleet", "amount": "7344040", "currency": "USD"})
    client = signed_in(personas.rep_east)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    body = client.get(reverse("sales:deal-detail", args=[deal.pk])).content.decode()
    assert f'<html lang="{language}">' in body
    assert "7,344,040.00 USD" in body
    assert "7344040.00" not in body


def test_chinese_keeps_djangos_other_formats() -> None:
    with translation.override("zh-hans"):
        assert floatformat(Decimal("1234567.5"), "2g") == "1,234,567.50"
        assert formats.get_format("DATE_FORMAT") == "Y-m-d"  # as in English (bastion/formats/dates.py)
        assert formats.get_format("MONTH_DAY_FORMAT") == "m月j日"
        assert formats.get_format("DECIMAL_SEPARATOR") == "."
        assert "%Y/%m/%d" in formats.get_format("DATE_INPUT_FORMATS")
