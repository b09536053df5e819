"""Commerce actions: products (administrators), orders with lines, totals, statuses, numbers; allow and deny."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from bastion.commerce import actions, selectors
from bastion.commerce.models import Order, OrderLine, OrderNumber, OrderStatus, Product
from bastion.kernel.audit.kinds import EventKind, Outcome
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def state() -> list[Any]:
    rows = [list(model.objects.order_by("pk").values()) for model in (Product, Order, OrderLine)]
    successes = AuditEvent.objects.filter(outcome=Outcome.SUCCESS, kind__in=[300, 301, 302, 510]).count()
    return [*rows, successes]


def line(product: Any = None, **values: Any) -> dict[str, Any]:
    return {"product": product.pk if product else None, "quantity": "1", **values}


# --- products -----------------------------------------------------------------------------


def test_admin_manages_the_catalogue_with_audit(personas: Any, rates: Any) -> None:
    product = actions.create_product(
        personas.admin, {"name": " Widget  Pro ", "sku": "WP-1", "unit_price": "12.5", "currency": "eur"}
    )
    assert (product.name, product.unit_price, product.currency, product.is_active) == (
        "Widget Pro",
        Decimal("12.50"),
        "EUR",
        True,
    )
    event = AuditEvent.objects.filter(kind=EventKind.SETTING_CHANGED, target_id=str(product.pk)).get()
    assert event.changes["name"]["new"] == "Widget Pro"
    actions.update_product(personas.admin, product.pk, {"is_active": False})
    assert not Product.objects.get(pk=product.pk).is_active
    with pytest.raises(ValidationError) as error:
        actions.create_product(personas.admin, {"name": "Copy", "sku": "WP-1", "unit_price": "-1", "currency": "XXX"})
    assert set(error.value.message_dict) == {"sku", "unit_price", "currency"}
    actions.delete_product(personas.admin, product.pk)
    assert not Product.objects.exists()


@pytest.mark.parametrize("who", ["rep_east", "sales_manager", "marketer", "auditor", "outsider"])
def test_only_administrators_change_the_catalogue(personas: Any, catalogue: Any, who: str) -> None:
    before = state()
    actor = getattr(personas, who)
    with pytest.raises((PermissionDenied, Http404)):
        actions.create_product(actor, {"name": "Sneaky"})
    with pytest.raises((PermissionDenied, Http404)):
        actions.update_product(actor, catalogue["widget"].pk, {"unit_price": "0"})
    with pytest.raises((PermissionDenied, Http404)):
        actions.delete_product(actor, catalogue["widget"].pk)
    assert state() == before


def test_a_product_on_an_order_cannot_be_deleted_only_deactivated(personas: Any, catalogue: Any, customer: Any) -> None:
    actions.create_order(personas.rep_east, {"contact": customer[1].pk, "lines": [line(catalogue["widget"])]})
    before = state()
    with pytest.raises(ValidationError, match="Deactivate it instead"):
        actions.delete_product(personas.admin, catalogue["widget"].pk)
    assert state() == before
    actions.update_product(personas.admin, catalogue["widget"].pk, {"is_active": False})
    with pytest.raises(ValidationError) as error:
        actions.create_order(personas.rep_east, {"contact": customer[1].pk, "lines": [line(catalogue["widget"])]})
    assert "lines[0].product" in error.value.message_dict


# --- orders -------------------------------------------------------------------------------


def test_order_totals_in_two_currencies(personas: Any, catalogue: Any, customer: Any) -> None:
    company, contact = customer
    order = actions.create_order(
        personas.rep_east,
        {
            "contact": contact.pk, "company": company.pk, "currency": "EUR",
            "lines": [
                line(catalogue["gadget"], quantity="2"), line(description="Installation", quantity="1.5", unit_price="33.33"),
            ],
        },
    )  # fmt: skip
    assert order.number.startswith("ORD-") and order.status == OrderStatus.DRAFT
    # 2 x 100.00 + 1.5 x 33.33 = 249.995 -> 250.00 (line rounded half up); x 1.10 = 275.00 USD
    assert order.total == Decimal("250.00") and order.total_base_cents == 27500
    assert [ln.line_total for ln in selectors.lines_of(personas.rep_east, order)] == [Decimal("200.00"), Decimal("50.00")]
    assert order.owner == personas.rep_east and order.team is not None and order.team.name == "Sales East"
    event = AuditEvent.objects.get(kind=EventKind.RECORD_CREATED, target_id=str(order.pk))
    assert event.changes["total"]["new"] == "250.00"
    # A product priced in another currency needs an explicit price.
    with pytest.raises(ValidationError) as error:
        actions.create_order(personas.rep_east, {"contact": contact.pk, "currency": "USD", "lines": [line(catalogue["gadget"])]})
    assert "lines[0].unit_price" in error.value.message_dict


def test_lines_are_replaced_and_errors_name_each_field(personas: Any, catalogue: Any, customer: Any) -> None:
    order = actions.create_order(
        personas.rep_east, {"contact": customer[1].pk, "lines": [line(catalogue["widget"], quantity="3")]}
    )
    actions.update_order(personas.rep_east, order.pk, {"lines": [line(description="Consulting", quantity="2", unit_price="5")]})
    order.refresh_from_db()
    assert order.total == Decimal("10.00") and list(order.lines.values_list("description", flat=True)) == ["Consulting"]
    before = state()
    with pytest.raises(ValidationError) as error:
        actions.update_order(
            personas.rep_east, order.pk,
            {"lines": [line(description="Bad", quantity="0"), line(quantity="1"), {"quantity": "x", "colour": "red"}]},
        )  # fmt: skip
    fields = set(error.value.message_dict)
    assert {"lines[0].quantity", "lines[1].description", "lines[2].quantity", "lines[2].colour"} <= fields
    assert state() == before


def test_an_order_needs_a_visible_customer(personas: Any, customer: Any, west_contact: Any) -> None:
    before = state()
    with pytest.raises(ValidationError) as error:
        actions.create_order(personas.rep_east, {"lines": []})
    assert "contact" in error.value.message_dict
    # Another team's contact looks like one that does not exist.
    with pytest.raises(ValidationError) as error:
        actions.create_order(personas.rep_east, {"contact": west_contact.pk})
    assert error.value.message_dict["contact"] == ["Choose a contact that exists and that you can see."]
    assert state() == before


@pytest.mark.parametrize("who", ["marketer", "auditor", "outsider"])
def test_roles_that_do_not_take_orders_cannot_create_them(personas: Any, customer: Any, who: str) -> None:
    before = state()
    with pytest.raises(PermissionDenied):
        actions.create_order(getattr(personas, who), {"contact": customer[1].pk})
    assert state() == before


def test_read_only_cannot_create_change_or_delete(personas: Any, customer: Any, read_only: Any) -> None:
    order = actions.create_order(personas.rep_east, {"contact": customer[1].pk})
    before = state()
    for call in (
        lambda: actions.create_order(read_only, {"contact": customer[1].pk}),
        lambda: actions.update_order(read_only, order.pk, {"notes": "x"}),
        lambda: actions.change_order_status(read_only, order.pk, "cancelled"),
        lambda: actions.delete_order(read_only, order.pk),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert state() == before


def test_another_teams_order_is_invisible(personas: Any, customer: Any) -> None:
    order = actions.create_order(personas.rep_east, {"contact": customer[1].pk, "notes": "secret"})
    before = state()
    for call in (
        lambda: actions.update_order(personas.rep_west, order.pk, {"notes": "x"}),
        lambda: actions.change_order_status(personas.rep_west, order.pk, "cancelled"),
        lambda: actions.delete_order(personas.rep_west, order.pk),
    ):
        with pytest.raises(Http404):
            call()
    assert state() == before
    assert selectors.purchase_history(personas.rep_west, contact_id=customer[1].pk) == []
    assert selectors.purchase_history(personas.sales_manager, contact_id=customer[1].pk) == [order]


def test_status_transitions(personas: Any, catalogue: Any, customer: Any) -> None:
    rep = personas.rep_east
    empty = actions.create_order(rep, {"contact": customer[1].pk})
    with pytest.raises(ValidationError, match="at least one line"):
        actions.change_order_status(rep, empty.pk, "confirmed")
    order = actions.create_order(rep, {"contact": customer[1].pk, "lines": [line(catalogue["widget"])]})
    with pytest.raises(ValidationError, match="cannot become"):
        actions.change_order_status(rep, order.pk, "shipped")
    for status in ("confirmed", "paid", "shipped", "refunded"):
        assert actions.change_order_status(rep, order.pk, status).status == status
    with pytest.raises(ValidationError, match="Allowed next: none"):
        actions.change_order_status(rep, order.pk, "paid")
    with pytest.raises(ValidationError, match="Only a draft or cancelled"):
        actions.delete_order(rep, order.pk)
    with pytest.raises(ValidationError) as error:
        actions.update_order(rep, order.pk, {"lines": []})
    assert "lines" in error.value.message_dict
    actions.update_order(rep, order.pk, {"notes": "Refund sent"})  # notes may still change
    changes = AuditEvent.objects.filter(target_id=str(order.pk), kind=EventKind.RECORD_UPDATED).values_list("changes", flat=True)
    assert {"old": "shipped", "new": "refunded"} in [c.get("status") for c in changes]
    actions.change_order_status(rep, empty.pk, "cancelled")
    actions.delete_order(rep, empty.pk)
    assert not Order.objects.filter(pk=empty.pk).exists()
    assert AuditEvent.objects.filter(target_id=str(empty.pk), kind=EventKind.RECORD_DELETED).exists()


def test_lifetime_value_counts_paid_and_shipped_in_the_base_currency(personas: Any, catalogue: Any, customer: Any) -> None:
    rep, (company, contact) = personas.rep_east, customer

    def order(currency: str, price: str, *statuses: str) -> Order:
        made = actions.create_order(rep, {"contact": contact.pk, "company": company.pk, "currency": currency,
                                          "lines": [line(description="Item", unit_price=price)]})  # fmt: skip
        for status in statuses:
            actions.change_order_status(rep, made.pk, status)
        return made

    order("USD", "100.00", "confirmed", "paid")
    order("EUR", "10.00", "confirmed", "paid", "shipped")  # 11.00 USD
    order("CNY", "100.00", "confirmed", "paid", "refunded")  # 14.00 USD, given back
    order("USD", "999.00", "confirmed")
    order("USD", "555.00", "cancelled")
    value = selectors.lifetime_value(rep, contact_id=contact.pk)
    assert (value.value, value.orders, value.refunded) == (Decimal("111.00"), 2, Decimal("14.00"))
    assert selectors.lifetime_value(rep, company_id=company.pk) == value
    assert selectors.lifetime_value(personas.rep_west, contact_id=contact.pk).value == Decimal("0.00")


def test_order_numbers_are_unique_and_sequential(personas: Any, customer: Any) -> None:
    numbers = [actions.create_order(personas.rep_east, {"contact": customer[1].pk}).number for _i in range(3)]
    first = int(numbers[0].split("-")[1])
    assert numbers == [f"ORD-{n:06d}" for n in range(first, first + 3)]
    # A counter that fell behind (restored from an old backup) skips numbers already taken.
    OrderNumber.objects.filter(pk=1).update(last=first - 1)
    again = actions.create_order(personas.rep_east, {"contact": customer[1].pk}).number
    assert again == f"ORD-{first + 3:06d}" and len(set(Order.objects.values_list("number", flat=True))) == 4


def test_an_order_given_away_out_of_sight_is_rolled_back(personas: Any, customer: Any) -> None:
    before = state()
    with pytest.raises(PermissionDenied):
        actions.create_order(personas.rep_east, {"contact": customer[1].pk, "owner": personas.rep_west.pk, "team": None})
    assert state() == before
