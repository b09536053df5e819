"""Commerce REST API: products (administrators write), orders with lines, status, filters, lifetime value, scopes."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.commerce import actions
from bastion.commerce.models import Order, OrderLine, Product
from bastion.kernel.audit.kinds import Outcome
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PRODUCTS, ORDERS = "/api/v1/products/", "/api/v1/orders/"


def state() -> list[Any]:
    rows = [list(model.objects.order_by("pk").values()) for model in (Product, Order, OrderLine)]
    return [*rows, AuditEvent.objects.filter(outcome=Outcome.SUCCESS, kind__in=[300, 301, 302, 510]).count()]


def test_products_read_by_readers_written_by_admins(personas: Any, api_as: Any, catalogue: Any) -> None:
    listing = api_as(personas.marketer).get(PRODUCTS, {"q": "wid"}).json()
    assert [p["sku"] for p in listing["results"]] == ["W-1"]
    before = state()
    assert api_as(personas.rep_east).post(PRODUCTS, {"name": "X"}, format="json").status_code == 403
    assert api_as(personas.auditor).get(PRODUCTS).status_code == 403
    assert state() == before
    admin = api_as(personas.admin)
    created = admin.post(PRODUCTS, {"name": "Support", "unit_price": "9.99"}, format="json")
    assert created.status_code == 201 and created.json()["currency"] == "USD"
    url = f"{PRODUCTS}{created.json()['id']}/"
    assert admin.patch(url, {"is_active": False}, format="json").json()["is_active"] is False
    bad = admin.patch(url, {"currency": "ZZZ", "sku": "W-1"}, format="json")
    assert bad.status_code == 400 and {"currency", "sku"} <= set(bad.json()["fields"])
    assert admin.delete(url).status_code == 204


def test_order_lifecycle_filters_and_lifetime_value(personas: Any, api_as: Any, catalogue: Any, customer: Any) -> None:
    company, contact = customer
    api = api_as(personas.rep_east)
    body = {"contact": str(contact.pk), "currency": "EUR", "lines": [{"product": str(catalogue["gadget"].pk), "quantity": "2"}]}
    created = api.post(ORDERS, body, format="json")
    assert created.status_code == 201, created.json()
    order = created.json()
    assert order["total"] == "200.00" and order["total_base"] == "220.00" and order["lines"][0]["description"] == "Gadget"
    url = f"{ORDERS}{order['id']}/"
    for status in ("confirmed", "paid"):
        assert api.post(f"{url}status/", {"status": status}, format="json").status_code == 200
    wrong = api.post(f"{url}status/", {"status": "draft"}, format="json")
    assert wrong.status_code == 400 and "status" in wrong.json()["fields"]
    history = api.get(f"{url}history/").json()
    assert [(change["status"], change["by"]) for change in history] == [
        ("draft", personas.rep_east.pk), ("confirmed", personas.rep_east.pk), ("paid", personas.rep_east.pk),
    ]  # fmt: skip
    assert api_as(personas.rep_west).get(f"{url}history/").status_code == 404  # another team's order
    assert [o["number"] for o in api.get(ORDERS, {"contact": str(contact.pk)}).json()["results"]] == [order["number"]]
    assert api.get(ORDERS, {"company": str(company.pk)}).json()["results"] == []
    assert api.get(ORDERS, {"status": "paid"}).json()["results"][0]["id"] == order["id"]
    value = api.get(f"{ORDERS}lifetime-value/", {"contact": str(contact.pk)}).json()
    assert value == {"value": "220.00", "orders": 1, "refunded": "0.00", "currency": "USD"}
    assert api.get(f"{ORDERS}lifetime-value/").status_code == 400
    assert api.delete(url).status_code == 400  # a paid order is refunded, not deleted


def test_errors_name_the_fields(personas: Any, api_as: Any, customer: Any) -> None:
    api = api_as(personas.rep_east)
    response = api.post(ORDERS, {"contact": str(customer[1].pk), "lines": [{"quantity": "-1"}, {"quantity": "1"}]}, format="json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert "lines[0].quantity" in fields and "lines[1].description" in fields


def test_other_teams_orders_and_customers_are_not_found(personas: Any, api_as: Any, customer: Any) -> None:
    order = actions.create_order(personas.rep_east, {"contact": customer[1].pk, "notes": "Top secret"})
    before = state()
    west = api_as(personas.rep_west)
    for method, url, data in (
        ("get", f"{ORDERS}{order.pk}/", None), ("patch", f"{ORDERS}{order.pk}/", {"notes": "x"}),
        ("post", f"{ORDERS}{order.pk}/status/", {"status": "cancelled"}), ("delete", f"{ORDERS}{order.pk}/", None),
        ("get", f"{ORDERS}lifetime-value/?contact={customer[1].pk}", None), ("get", f"{ORDERS}?contact={customer[1].pk}", None),
    ):  # fmt: skip
        response = getattr(west, method)(url, data, format="json")
        assert response.status_code == 404, (method, url)
        assert b"Top secret" not in response.content and order.number.encode() not in response.content
    assert west.post(ORDERS, {"contact": str(customer[1].pk)}, format="json").status_code == 400
    assert api_as(personas.marketer).post(ORDERS, {"contact": str(customer[1].pk)}, format="json").status_code == 403
    assert state() == before


def test_token_scopes(personas: Any, api_as: Any, customer: Any, catalogue: Any) -> None:
    reader = api_as(personas.rep_east, scopes=["order:read"])
    assert reader.get(ORDERS).status_code == 200
    assert reader.post(ORDERS, {"contact": str(customer[1].pk)}, format="json").status_code == 403
    assert reader.get(PRODUCTS).status_code == 403
    assert api_as(personas.rep_east, scopes=["product:read"]).get(PRODUCTS).status_code == 200
    assert not Order.objects.exists()
