"""The product list: its "Sort by" select offers the orderings the list knows, and choosing one re-orders it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from bastion.commerce import selectors
from bastion.commerce.tests.test_order_list_sorting import sort_options

pytestmark = pytest.mark.django_db


def test_the_sort_select_offers_every_ordering_and_sorts(signed_in: Any, personas: Any, catalogue: Any) -> None:
    client = signed_in(personas.rep_east)
    html = client.get(reverse("commerce:product-list")).content.decode()
    options = sort_options(html)
    assert {value for value, _selected in options} == {key for name in selectors.PRODUCT_ORDERINGS for key in (name, f"-{name}")}
    assert [value for value, selected in options if selected] == [selectors.DEFAULT_PRODUCT_ORDERING]

    def names(ordering: str) -> list[str]:
        page = client.get(reverse("commerce:product-list"), {"ordering": ordering}).content.decode()
        assert [value for value, selected in sort_options(page) if selected] == [ordering]
        return sorted(("Widget", "Gadget"), key=page.index)

    assert names("name") == ["Gadget", "Widget"]
    assert names("-name") == ["Widget", "Gadget"]
    assert names("-price") == ["Gadget", "Widget"]
