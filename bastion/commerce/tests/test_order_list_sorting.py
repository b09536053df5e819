"""The order list: its "Sort by" select offers the orderings the list knows, and choosing one
re-orders the list; the Orders entry of the main menu is marked as the current page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from bastion.commerce import actions, selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_orders(personas: Any, catalogue: Any, customer: Any) -> tuple[Any, Any]:
    """An older order of 5 widgets (50.00) and a newer one of 1 widget (10.00)."""
    company, contact = customer

    def order(quantity: str, day: str) -> Any:
        lines = [{"product": catalogue["widget"].pk, "quantity": quantity}]
        data = {"contact": contact.pk, "company": company.pk, "lines": lines, "ordered_at": day}
        return actions.create_order(personas.rep_east, data)

    return order("5", "2026-01-05"), order("1", "2026-02-05")


def sort_options(html: str) -> list[tuple[str, bool]]:
    """The ``(value, selected)`` of each option of the list's ``ordering`` select."""
    select = re.search(r'<select name="ordering" id="id_ordering">(.*?)</select>', html, re.S)
    assert select is not None
    return [(value, bool(selected)) for value, selected in re.findall(r'<option value="([^"]+)"( selected)?>', select.group(1))]


def test_the_sort_select_offers_every_ordering_of_the_list(signed_in: Any, personas: Any, two_orders: Any) -> None:
    html = signed_in(personas.rep_east).get(reverse("commerce:order-list")).content.decode()
    options = sort_options(html)
    values = [value for value, _selected in options]
    assert set(values) == {key for name in selectors.ORDER_ORDERINGS for key in (name, f"-{name}")}
    assert [value for value, selected in options if selected] == [selectors.DEFAULT_ORDER_ORDERING]
    assert ">Largest total first</option>" in html and ">Newest first</option>" in html


def test_choosing_a_sort_changes_the_order(signed_in: Any, personas: Any, two_orders: Any) -> None:
    big, small = two_orders
    client = signed_in(personas.rep_east)

    def numbers(ordering: str | None) -> list[str]:
        html = client.get(reverse("commerce:order-list"), {"ordering": ordering} if ordering else {}).content.decode()
        if ordering:
            assert [value for value, selected in sort_options(html) if selected] == [ordering]
        return sorted((big.number, small.number), key=html.index)

    assert numbers(None) == [small.number, big.number]  # newest first
    assert numbers("-total") == [big.number, small.number]
    assert numbers("total") == [small.number, big.number]
    assert numbers("ordered") == [big.number, small.number]


def test_order_pages_mark_orders_in_the_menu(signed_in: Any, personas: Any, two_orders: Any) -> None:
    client = signed_in(personas.rep_east)
    current = f'<a href="{reverse("commerce:order-list")}" aria-current="page">'
    for url in (reverse("commerce:order-list"), reverse("commerce:order-detail", args=[two_orders[0].pk])):
        html = client.get(url).content.decode()
        assert current in html
        assert f'<a href="{reverse("commerce:product-list")}" aria-current="page">' not in html
