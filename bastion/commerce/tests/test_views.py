"""Commerce pages: the catalogue, the order list, detail, form with lines, status, delete; purchase history."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from bastion.commerce import actions, selectors
from bastion.commerce.models import Order, Product
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(personas: Any, catalogue: Any, customer: Any) -> Order:
    company, contact = customer
    lines = [{"product": catalogue["widget"].pk, "quantity": "3"}, {"description": "Set-up", "quantity": "1", "unit_price": "5"}]
    return actions.create_order(
        personas.rep_east, {"contact": contact.pk, "company": company.pk, "lines": lines, "notes": "Rush"}
    )


def management(total: int, prefix: str = "lines") -> dict[str, Any]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "100",
    }


def test_catalogue_list_search_and_empty_state(signed_in: Any, personas: Any, catalogue: Any) -> None:
    client = signed_in(personas.marketer)
    body = client.get(reverse("commerce:product-list")).content.decode()
    assert "Widget" in body and "Gadget" in body and "Add product" not in body
    assert "<script>" not in body and " style=" not in body
    found = client.get(reverse("commerce:product-list"), {"q": "gad"}).content.decode()
    assert "Gadget" in found and "W-1" not in found
    assert "No products match" in client.get(reverse("commerce:product-list"), {"q": "zzz"}).content.decode()
    assert client.get(reverse("commerce:product-list"), {"ordering": "bogus"}).status_code == 400
    assert client.get(reverse("commerce:product-create")).status_code == 403


def test_admin_adds_edits_and_deletes_products(signed_in: Any, personas: Any, rates: Any) -> None:
    client = signed_in(personas.admin)
    assert "No products yet" in client.get(reverse("commerce:product-list")).content.decode()
    data = {"name": "Licence", "sku": "", "unit_price": "99.90", "currency": "EUR", "is_active": "on"}
    created = client.post(reverse("commerce:product-create"), data)
    product = Product.objects.get()
    assert created.status_code == 302 and created["Location"] == reverse("commerce:product-detail", args=[product.pk])
    assert product.sku is None and product.unit_price == Decimal("99.90")
    bad = client.post(reverse("commerce:product-edit", args=[product.pk]), {**data, "unit_price": "x"})
    assert bad.status_code == 400
    client.post(reverse("commerce:product-edit", args=[product.pk]), {**data, "is_active": ""})
    assert not Product.objects.get().is_active
    asked = client.get(reverse("commerce:product-delete", args=[product.pk]))
    assert b"Delete product" in asked.content
    assert client.post(reverse("commerce:product-delete", args=[product.pk]), {"confirmed": "yes"}).status_code == 302
    assert not Product.objects.exists()


def test_a_product_page_shows_where_it_sells_among_what_the_user_sees(
    signed_in: Any, personas: Any, order: Order, catalogue: Any, rates: Any
) -> None:
    from bastion.sales import actions as sales
    from bastion.sales import actions_setup
    from bastion.sales.tests.conftest import STAGES

    actions_setup.create_pipeline(personas.admin, {"name": "New business"}, stages=STAGES)
    widget = catalogue["widget"]
    mine = sales.create_deal(personas.rep_east, {"name": "East widgets", "lines": [{"product": widget.pk, "quantity": "4"}]})
    theirs = sales.create_deal(personas.rep_west, {"name": "West widgets", "lines": [{"product": widget.pk, "quantity": "1"}]})
    east = signed_in(personas.rep_east)
    listing = east.get(reverse("commerce:product-list")).content.decode()
    assert f'<a href="{reverse("commerce:product-detail", args=[widget.pk])}">Widget</a>' in listing
    page = east.get(reverse("commerce:product-detail", args=[widget.pk])).content.decode()
    orders = page[page.index('data-testid="product-orders"') : page.index('data-testid="product-deals"')]
    assert order.number in orders and "Mei Chen" in orders and ">3</td>" in orders
    deals = page[page.index('data-testid="product-deals"') :]
    assert mine.name in deals and theirs.name not in deals  # another team's deal stays out
    assert "Edit" not in page[: page.index('class="card"')]  # a seller does not change the catalogue
    west = signed_in(personas.rep_west).get(reverse("commerce:product-detail", args=[widget.pk])).content.decode()
    assert order.number not in west and "No order you can see has this product yet." in west and theirs.name in west
    assert signed_in(personas.outsider).get(reverse("commerce:product-detail", args=[widget.pk])).status_code in (403, 404)
    # "Order this product" starts a new order with one of it.
    assert f'href="{reverse("commerce:order-create")}?product={widget.pk}"' in page
    form = east.get(reverse("commerce:order-create"), {"product": str(widget.pk)}).content.decode()
    assert f'<option value="{widget.pk}" selected>' in form and 'name="lines-0-quantity" value="1"' in form
    unknown = east.get(reverse("commerce:order-create"), {"product": "not-a-product"}).content.decode()
    assert " selected>Widget" not in unknown  # a bad id is ignored: an empty form


def test_a_product_in_use_is_not_deleted_from_the_page(signed_in: Any, personas: Any, order: Any, catalogue: Any) -> None:
    client = signed_in(personas.admin)
    url = reverse("commerce:product-delete", args=[catalogue["widget"].pk])
    assert b"Deactivate it instead" in client.get(url).content
    client.post(url, {"confirmed": "yes"})
    assert Product.objects.filter(pk=catalogue["widget"].pk).exists()


def test_order_list_detail_and_status_buttons(signed_in: Any, personas: Any, order: Order) -> None:
    client = signed_in(personas.rep_east)
    listing = client.get(reverse("commerce:order-list")).content.decode()
    assert order.number in listing and "35.00" in listing
    assert order.number in client.get(reverse("commerce:order-list"), {"q": order.number[-3:]}).content.decode()
    assert "No orders match" in client.get(reverse("commerce:order-list"), {"status": "paid"}).content.decode()
    detail = client.get(reverse("commerce:order-detail", args=[order.pk])).content.decode()
    assert "Widget" in detail and "Set-up" in detail and "Mark as confirmed" in detail and "<script>" not in detail
    response = client.post(reverse("commerce:order-status", args=[order.pk]), {"status": "confirmed"})
    assert response.status_code == 302 and Order.objects.get().status == "confirmed"
    client.post(reverse("commerce:order-status", args=[order.pk]), {"status": "shipped"})
    assert Order.objects.get().status == "confirmed"


def test_onward_statuses_come_first_and_a_final_one_is_asked_before_it_is_made(
    signed_in: Any, personas: Any, order: Order
) -> None:
    client = signed_in(personas.rep_east)
    detail = client.get(reverse("commerce:order-detail", args=[order.pk])).content.decode()
    assert detail.index("Mark as confirmed") < detail.index("Mark as cancelled")
    question = f"Mark the order {order.number} as cancelled? This cannot be undone."
    assert f'data-confirm="{question}" data-confirm-field="confirmed"' in detail
    assert detail.count("data-confirm-field") == 2  # the delete button and the cancel button, not "confirmed"
    before = AuditEvent.objects.count()
    asked = client.post(reverse("commerce:order-status", args=[order.pk]), {"status": "cancelled"})
    page = asked.content.decode()
    assert asked.status_code == 200 and f"Mark the order {order.number} as cancelled?" in page
    assert 'name="confirmed" value="yes"' in page and 'value="cancelled"' in page
    assert Order.objects.get().status == "draft" and AuditEvent.objects.count() == before  # nothing changed yet
    done = client.post(reverse("commerce:order-status", args=[order.pk]), {"status": "cancelled", "confirmed": "yes"})
    assert done.status_code == 302 and Order.objects.get().status == "cancelled"
    assert AuditEvent.objects.count() == before + 1  # the change, once
    assert actions.next_statuses("cancelled") == [] and actions.next_statuses("paid") == ["shipped", "refunded"]
    # A final status the order cannot reach (a stale page): told why at once, not asked first.
    again = client.post(reverse("commerce:order-status", args=[order.pk]), {"status": "refunded"}, follow=True)
    text = again.content.decode()
    assert "Mark the order" not in text and "cannot become Refunded" in text and Order.objects.get().status == "cancelled"


def test_the_order_page_shows_each_status_it_entered_with_who_and_when(signed_in: Any, personas: Any, order: Order) -> None:
    for status in ("confirmed", "paid"):
        actions.change_order_status(personas.rep_east, order.pk, status)
    actions.update_order(personas.rep_east, order.pk, {"notes": "Paid by wire"})  # not a status change
    page = signed_in(personas.rep_east).get(reverse("commerce:order-detail", args=[order.pk])).content.decode()
    history = page[page.index('data-testid="status-history"') : page.index("</ol>", page.index('data-testid="status-history"'))]
    badges = re.findall(r'<span class="badge (\w+)">', history)
    assert badges == ["draft", "confirmed", "paid"]
    name = personas.rep_east.get_full_name() or personas.rep_east.username
    assert history.count(name) == 3
    assert selectors.status_history(personas.rep_west, order) == []  # another team's order: nothing
    assert 'data-testid="status-history-archived"' not in page  # it starts at the creation


def test_a_status_change_names_its_colleague_even_after_their_account_is_gone() -> None:
    from types import SimpleNamespace

    from bastion.kernel.audit.kinds import EventKind

    def event(kind: int, actor_id: int | None) -> Any:
        return SimpleNamespace(
            kind=kind, actor_id=actor_id, actor_snapshot={"username": "old.hand"} if actor_id else {},
            changes={"status": {"old": "draft", "new": "paid"}}, timestamp=None,
        )  # fmt: skip

    gone = selectors._status_change(event(EventKind.RECORD_UPDATED, 41), None)
    assert (gone.status, gone.label, gone.by, gone.by_name, gone.created) == ("paid", "Paid", None, "old.hand", False)
    console = selectors._status_change(event(EventKind.RECORD_CREATED, None), None)
    assert (console.by_name, console.created) == (None, True)


def test_order_form_with_lines_creates_and_edits(signed_in: Any, personas: Any, catalogue: Any, customer: Any) -> None:
    client = signed_in(personas.rep_east)
    company, contact = customer
    page = client.get(reverse("commerce:order-create") + f"?contact={contact.pk}").content.decode()
    assert "Mei Chen" in page and "Aurora Robotics Ltd" in page and 'name="lines-2-quantity"' in page
    more = client.post(reverse("commerce:order-create"), {**management(1), "currency": "USD", "add_lines": "1"})
    assert more.status_code == 200 and 'name="lines-3-quantity"' in more.content.decode()
    data = {
        **management(3), "contact_name": "Mei Chen", "contact_id": str(contact.pk), "company_name": "Aurora Robotics Ltd",
        "company_id": str(company.pk), "currency": "USD", "owner": personas.rep_east.pk,
        "lines-0-product": str(catalogue["widget"].pk), "lines-0-quantity": "2",
        "lines-1-description": "Training", "lines-1-quantity": "1", "lines-1-unit_price": "50",
    }  # fmt: skip
    response = client.post(reverse("commerce:order-create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get()
    assert order.total == Decimal("70.00") and order.contact == contact
    bad = client.post(reverse("commerce:order-edit", args=[order.pk]), {**data, "lines-1-quantity": "0"})
    assert bad.status_code == 400 and "Quantity must be more than zero." in bad.content.decode()
    assert Order.objects.get().total == Decimal("70.00")


def test_other_teams_and_readers_are_refused(signed_in: Any, personas: Any, order: Order, read_only: Any) -> None:
    west = signed_in(personas.rep_west)
    for name in ("commerce:order-detail", "commerce:order-edit", "commerce:order-delete"):
        response = west.get(reverse(name, args=[order.pk]))
        assert response.status_code == 404 and order.number.encode() not in response.content
    assert order.number.encode() not in west.get(reverse("commerce:order-list")).content
    reader = signed_in(read_only)
    assert reader.get(reverse("commerce:order-detail", args=[order.pk])).status_code == 200
    assert reader.get(reverse("commerce:order-edit", args=[order.pk])).status_code == 403
    before = AuditEvent.objects.filter(kind__in=[300, 301, 302]).count()
    assert (
        signed_in(personas.marketer).post(reverse("commerce:order-status", args=[order.pk]), {"status": "cancelled"}).status_code
        == 403
    )
    assert signed_in(personas.auditor).get(reverse("commerce:order-list")).status_code == 403
    assert Order.objects.get().status == "draft" and AuditEvent.objects.filter(kind__in=[300, 301, 302]).count() == before


def test_delete_only_drafts_with_confirmation(signed_in: Any, personas: Any, order: Order) -> None:
    client = signed_in(personas.rep_east)
    assert b"Delete order" in client.get(reverse("commerce:order-delete", args=[order.pk])).content
    assert client.post(reverse("commerce:order-delete", args=[order.pk]), {"confirmed": "yes"}).status_code == 302
    assert not Order.objects.exists()


def test_purchase_history_on_the_contact_and_company_pages(signed_in: Any, personas: Any, order: Order, customer: Any) -> None:
    company, contact = customer
    actions.change_order_status(personas.rep_east, order.pk, "confirmed")
    actions.change_order_status(personas.rep_east, order.pk, "paid")
    client = signed_in(personas.rep_east)
    for url in (reverse("directory:contact-detail", args=[contact.pk]), reverse("directory:company-detail", args=[company.pk])):
        body = client.get(url).content.decode()
        assert "Purchase history" in body and order.number in body and "35.00" in body


def test_purchase_history_empty_state(signed_in: Any, personas: Any, customer: Any) -> None:
    body = signed_in(personas.rep_east).get(reverse("directory:contact-detail", args=[customer[1].pk])).content.decode()
    assert "No orders yet" in body
