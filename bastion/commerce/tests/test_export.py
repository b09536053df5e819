"""CSV exports of the order list and the product catalogue (pages and API): what the user can see with
the list's filters, search and sort order applied, audited, formula cells defused, behind a fresh
second factor; other teams' orders, tokens, roles without customer records and bad sort orders get
nothing."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import yaml
from django.urls import reverse

from bastion.accounts.testing import step_up
from bastion.accounts.tokens import issue_token
from bastion.commerce import actions
from bastion.commerce.models import Order
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

ORDER_CSV, PRODUCT_CSV = "/api/v1/orders/export/", "/api/v1/products/export/"
ORDER_HEADER = [
    "Id", "Number", "Status", "Ordered", "Contact", "Company", "Currency", "Total", "Total (USD)", "Owner", "Team",
    "Created", "Updated",
]  # fmt: skip
PRODUCT_HEADER = ["Id", "SKU", "Name", "Description", "Unit price", "Currency", "Status", "Created", "Updated"]


def rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv") and response["Cache-Control"] == "no-store"
    assert response.streaming and 'attachment; filename="' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return str(response.content.decode())


def exports() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=EventKind.EXPORTED).order_by("sequence"))


@pytest.fixture
def orders(personas: Any, catalogue: Any, customer: Any, west_contact: Any) -> dict[str, Order]:
    """Two orders of rep_east's team (one paid, in EUR), one of rep_west's team."""
    company, contact = customer
    gadget = [{"product": catalogue["gadget"].pk, "quantity": "2"}]
    paid = actions.create_order(
        personas.rep_east,
        {"contact": contact.pk, "company": company.pk, "currency": "EUR", "ordered_at": "2025-03-01", "lines": gadget},
    )
    for status in ("confirmed", "paid"):
        actions.change_order_status(personas.rep_east, paid.pk, status)
    draft = actions.create_order(
        personas.rep_east,
        {"company": company.pk, "ordered_at": "2025-04-01", "lines": [{"description": "Set-up", "quantity": "1"}]},
    )
    west = actions.create_order(
        personas.rep_west,
        {"contact": west_contact.pk, "ordered_at": "2025-05-01", "lines": [{"description": "X", "quantity": "1"}]},
    )
    return {"paid": Order.objects.get(pk=paid.pk), "draft": draft, "west": west}


def test_a_rep_exports_their_teams_orders_with_the_lists_filters(personas: Any, signed_in: Any, orders: Any) -> None:
    paid, draft, west = orders["paid"], orders["draft"], orders["west"]
    client = signed_in(personas.rep_east)
    step_up(client, personas.rep_east)
    header, *lines = rows(client.get(reverse("commerce:order-export")))
    assert header == ORDER_HEADER
    assert [line[1] for line in lines] == [draft.number, paid.number]  # newest first, as the list
    assert west.number not in str(lines) and "Zenith" not in str(lines)  # another team's order is not there
    assert lines[1] == [
        str(paid.pk), paid.number, "Paid", paid.ordered_at.isoformat(), "Mei Chen", "Aurora Robotics Ltd", "EUR", "200.00",
        "220.00", "rep_east", "Sales East", paid.created_at.isoformat(), paid.updated_at.isoformat(),
    ]  # fmt: skip
    only_paid = rows(client.get(reverse("commerce:order-export"), {"status": "paid", "ordering": "total"}))
    assert [line[1] for line in only_paid[1:]] == [paid.number]
    searched = rows(client.get(reverse("commerce:order-export"), {"q": draft.number[-3:].lower(), "ordering": "ordered"}))
    assert [line[1] for line in searched[1:]] == [draft.number]
    by_api = rows(client.get(ORDER_CSV, {"ordering": "ordered"}))
    assert [line[1] for line in by_api[1:]] == [paid.number, draft.number] and west.number not in str(by_api)
    drafts = rows(client.get(ORDER_CSV, {"status": "draft"}))
    assert [line[1] for line in drafts[1:]] == [draft.number]
    events = exports()
    assert [(e.target_type, e.extra["count"]) for e in events] == [("commerce.order", n) for n in (2, 1, 1, 2, 1)]
    assert events[0].extra == {"format": "csv", "count": 2, "filters": {}, "ordering": "-ordered"}
    assert events[1].extra["filters"] == {"status": "paid"} and events[1].extra["ordering"] == "total"
    assert events[4].extra["filters"] == {"status": "draft"} and all(e.actor_id == personas.rep_east.pk for e in events)


def test_the_other_team_exports_only_its_own_order(personas: Any, signed_in: Any, orders: Any) -> None:
    client = signed_in(personas.rep_west)
    step_up(client, personas.rep_west)
    for response in (client.get(reverse("commerce:order-export")), client.get(ORDER_CSV)):
        text = body(response)
        assert response.status_code == 200 and orders["west"].number in text
        assert orders["paid"].number not in text and orders["draft"].number not in text and "Aurora" not in text


def test_an_order_export_for_a_customer_the_user_cannot_see_is_the_lists_404(
    personas: Any, signed_in: Any, orders: Any, customer: Any
) -> None:
    client = signed_in(personas.rep_west)
    step_up(client, personas.rep_west)
    for name in ("contact", "company"):
        target = customer[1] if name == "contact" else customer[0]
        response = client.get(ORDER_CSV, {name: str(target.pk)})
        assert response.status_code == 404 and orders["paid"].number not in body(response)
    assert exports() == []


def test_a_product_export_applies_the_filters_and_defuses_formulas(personas: Any, signed_in: Any, catalogue: Any) -> None:
    actions.create_product(personas.admin, {"name": "=1+1", "sku": "F-1", "unit_price": "1.00", "currency": "USD"})
    actions.update_product(personas.admin, catalogue["gadget"].pk, {"is_active": False})
    client = signed_in(personas.marketer)  # a role that reads the catalogue without changing it
    step_up(client, personas.marketer)
    header, *lines = rows(client.get(reverse("commerce:product-export")))
    assert header == PRODUCT_HEADER
    assert [line[2] for line in lines] == ["'=1+1", "Gadget", "Widget"]  # name order, as the list; the formula defused
    widget = catalogue["widget"]
    assert lines[2][:7] == [str(widget.pk), "W-1", "Widget", "", "10.00", "USD", "Active"]
    inactive = rows(client.get(reverse("commerce:product-export"), {"active": "no"}))
    assert [line[2] for line in inactive[1:]] == ["Gadget"] and inactive[1][6] == "Inactive"
    searched = rows(client.get(reverse("commerce:product-export"), {"q": "wid", "ordering": "-price"}))
    assert [line[1] for line in searched[1:]] == ["W-1"]
    by_api = rows(client.get(PRODUCT_CSV, {"active": "true", "ordering": "-price"}))
    assert [line[2] for line in by_api[1:]] == ["Widget", "'=1+1"]
    by_sku = rows(client.get(PRODUCT_CSV, {"q": "F-1"}))
    assert [line[2] for line in by_sku[1:]] == ["'=1+1"]
    events = exports()
    assert [(e.target_type, e.extra["count"]) for e in events] == [("commerce.product", n) for n in (3, 1, 1, 2, 1)]
    assert events[1].extra["filters"] == {"active": "False"} and events[2].extra == {
        "format": "csv", "count": 1, "filters": {"q": "wid"}, "ordering": "-price",
    }  # fmt: skip


def test_exports_need_a_fresh_second_factor_and_tokens_cannot_export(
    personas: Any, signed_in: Any, api_as: Any, orders: Any
) -> None:
    client = signed_in(personas.rep_east)  # signed in, second factor not confirmed lately
    for name in ("commerce:order-export", "commerce:product-export"):
        page = client.get(reverse(name))
        assert page.status_code == 302 and page["Location"].startswith("/accounts/2fa/reauthenticate/")
    for url in (ORDER_CSV, PRODUCT_CSV):
        api = client.get(url)
        assert api.status_code == 403 and api.json()["error"] == "step_up_required"
        assert orders["paid"].number not in body(api) and "Widget" not in body(api)
    token = api_as(personas.rep_east, ["order:read", "product:read"])
    for url in (ORDER_CSV, PRODUCT_CSV):
        refused = token.get(url)
        assert refused.status_code == 403 and refused.json()["error"] == "step_up_unavailable"
        assert orders["paid"].number not in body(refused) and "Widget" not in body(refused)
    assert exports() == []


def test_a_role_that_may_not_read_orders_gets_nothing(personas: Any, signed_in: Any, orders: Any) -> None:
    auditor = signed_in(personas.auditor)
    step_up(auditor, personas.auditor)
    for url in (reverse("commerce:order-export"), reverse("commerce:product-export"), ORDER_CSV, PRODUCT_CSV):
        response = auditor.get(url)
        assert response.status_code == 403, url
        text = body(response)
        assert not any(order.number in text for order in orders.values()) and "Widget" not in text and "Id," not in text
    assert exports() == []


def test_a_bad_sort_order_is_a_400_that_names_it(personas: Any, signed_in: Any, orders: Any) -> None:
    client = signed_in(personas.rep_east)
    step_up(client, personas.rep_east)
    for name, allowed in (
        ("commerce:order-export", "ordered, total, updated"),
        ("commerce:product-export", "name, price, updated"),
    ):
        page = client.get(reverse(name), {"ordering": "notes"})
        assert page.status_code == 400 and f"Sort by one of: {allowed}" in page.content.decode()
        assert orders["paid"].number not in page.content.decode()
    for url in (ORDER_CSV, PRODUCT_CSV):
        api = client.get(url, {"ordering": "-bogus"})
        assert api.status_code == 400 and list(api.json()["fields"]) == ["ordering"]
    bad_filter = client.get(ORDER_CSV, {"status": "lost"})
    assert bad_filter.status_code == 400 and "status" in bad_filter.json()["fields"]
    assert exports() == []


def test_the_list_pages_link_to_the_export_with_their_filters(personas: Any, signed_in: Any, orders: Any) -> None:
    client = signed_in(personas.rep_east)
    page = client.get(reverse("commerce:order-list"), {"status": "paid", "ordering": "total", "limit": "10"})
    assert 'href="/orders/export.csv?status=paid&amp;ordering=total"' in page.content.decode()
    # An htmx filter change swaps the results, and the export link out of band, with the new filters.
    swap = client.get(reverse("commerce:order-list"), {"status": "draft"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="export-link" class="export-link" hx-swap-oob="true"' in swap and "/orders/export.csv?status=draft" in swap
    assert orders["draft"].number in swap
    products = client.get(reverse("commerce:product-list"), {"q": "wid"}).content.decode()
    assert 'href="/products/export.csv?q=wid"' in products and "Export these products (CSV)" in products
    swap = client.get(reverse("commerce:product-list"), {"active": "yes"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="export-link" class="export-link" hx-swap-oob="true"' in swap and "/products/export.csv?active=yes" in swap


def test_the_openapi_document_lists_both_exports(personas: Any, client: Any) -> None:
    token = issue_token(personas.admin, name="schema test", days=1).plaintext
    response = client.get("/api/v1/schema/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    paths = yaml.safe_load(response.content)["paths"]
    for path in (ORDER_CSV, PRODUCT_CSV):
        operation = paths[path]["get"]
        assert "text/csv" in operation["responses"]["200"]["content"], path
        assert {"403", "429"} <= set(operation["responses"]) and "CSV" in operation["summary"]
    assert {p["name"] for p in paths[ORDER_CSV]["get"]["parameters"]} >= {"q", "status", "contact", "company", "owner"}
