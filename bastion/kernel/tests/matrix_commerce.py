"""Commerce tables and checks of the access matrix (test_record_matrix.py): the product catalogue,
who may take orders, and a customer's lifetime value. The expected answers are written here by
hand from ADR 0040, not read from the code under test.

- The product catalogue is organisation set-up, like the sales set-up (matrix_sales.py): read by
  every role that reads customer records, changed by administrators only; an allowed change must
  change the catalogue, a denied one must change nothing.
- Orders are owned records like deals (one per relation in matrix_world.py), with one more rule:
  the marketing roles, which otherwise change customer records, read orders but do not take them
  (403 for any change, before the record is looked up).
- The catalogue as CSV (page and API) is read like the catalogue, behind a fresh second factor
  that an API token cannot prove (ADR 0031): an allowed export lists the catalogue, a refused one
  names no product and records no export. (The order export is an owned-record export, judged
  with the other lists' exports in test_record_matrix.py.)
- The lifetime value of a contact is an aggregate of the orders the role may read: asked about a
  contact the role may read, it answers; about one it may not, the same 404 as a missing contact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from bastion.commerce.models import Order, OrderLine, Product
from bastion.kernel.access.roles import Role
from bastion.kernel.audit.kinds import EventKind, Outcome
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.tests.matrix_world import ALLOWED_STATUS, OK, Check, World, body_of, call

READ, CONFIGURE = "read", "configure"
NO_ORDERS = frozenset({Role.MARKETING_MANAGER, Role.MARKETER})  # they read orders, never take them
LIFETIME_VALUE = "api-order-lifetime-value"
PRODUCT = {"name": "Mx product", "unit_price": "12.00", "currency": settings.BASTION_BASE_CURRENCY, "is_active": "on"}
# url name -> [(method, argument, data, need)]; "product" is a catalogue product no order uses.
PRODUCTS: dict[str, list[tuple[str, str, Any, str]]] = {
    "commerce:product-list": [("get", "", None, READ)],
    "commerce:product-detail": [("get", "product", None, READ)],
    "commerce:product-create": [("get", "", None, CONFIGURE), ("post", "", PRODUCT, CONFIGURE)],
    "commerce:product-edit": [
        ("get", "product", None, CONFIGURE), ("post", "product", {**PRODUCT, "name": "Mx renamed"}, CONFIGURE),
    ],
    "commerce:product-delete": [("get", "product", None, CONFIGURE), ("post", "product", {"confirmed": "yes"}, CONFIGURE)],
    "api-product-list": [("get", "", None, READ), ("post", "", {"name": "Mx product", "unit_price": "1.00"}, CONFIGURE)],
    "api-product-detail": [
        ("get", "product", None, READ), ("patch", "product", {"name": "Mx renamed"}, CONFIGURE),
        ("delete", "product", None, CONFIGURE),
    ],
}  # fmt: skip


PRODUCT_EXPORTS = ("commerce:product-export", "api-product-export")


def is_commerce_gated(name: str) -> bool:
    """URL names judged here rather than as record endpoints."""
    return name in PRODUCTS or name == LIFETIME_VALUE or name in PRODUCT_EXPORTS


def expected_order(role: str | None, need: int, by_record: Callable[[], int]) -> int:
    """``by_record()`` (the rules for owned records) after the order rule: marketing roles change no order."""
    from bastion.kernel.access.records import Need

    if role in NO_ORDERS and need >= Need.EDIT:
        return 403
    return by_record()


def order_html_data(data: str, record: Order) -> dict[str, Any]:
    """The order form (no lines) or a status button."""
    if data == "status":
        return {"status": "cancelled", "confirmed": "yes"}  # agreed, as the dialog or page does
    contact = record.contact
    return {
        "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "100",
        "contact_name": contact.display_name if contact else "", "contact_id": str(contact.pk) if contact else "",
        "currency": record.currency, "owner": record.owner_id or "", "team": str(record.team_id or ""), "notes": "Changed",
    }  # fmt: skip


def new_order(world: World) -> dict[str, Any]:
    return {"contact": str(world.records[("contact", "own")].pk), "lines": [{"description": "Mx line", "quantity": "1"}]}


def _catalogue_state() -> tuple[Any, ...]:
    rows = [list(model.objects.order_by("pk").values()) for model in (Product, Order, OrderLine)]
    return rows, AuditEvent.objects.filter(outcome=Outcome.SUCCESS).count()


def _url(name: str, argument: str, product: Product) -> str:
    if not argument:
        return reverse(name)
    return reverse(name, kwargs={"id": str(product.pk)}) if name.startswith("api-") else reverse(name, args=[product.pk])


def check_products(world: World, html: Check, api: Check, want_for: Callable[[str], int]) -> None:
    """Every catalogue endpoint, judged against ``want_for(need)``: allowed changes change, denied ones do not."""
    product = Product.objects.create(name="Mx catalogue item", unit_price="5.00", currency=settings.BASTION_BASE_CURRENCY)
    for name, calls in PRODUCTS.items():
        check = api if name.startswith("api-") else html
        for method, argument, data, need in calls:
            url, want = _url(name, argument, product), want_for(need)
            with transaction.atomic():
                before = _catalogue_state()
                response = call(check.client, method, url, data, check.api)
                after = _catalogue_state()
                transaction.set_rollback(True)
            label, status = f"{name}: {method.upper()} {url}", response.status_code
            if want == OK and status not in ALLOWED_STATUS[method]:
                check.failures.append(f"{label} allowed by the policy, got {status}")
            elif want == OK and method != "get" and before == after:
                check.failures.append(f"{label} allowed by the policy, answered {status} but changed nothing")
            elif want != OK and (status != want or before != after):
                check.failures.append(f"{label} should be {want} and change nothing, got {status}, changed: {before != after}")


def check_lifetime_value(world: World, api: Check, want_for: Callable[[str], int], relations: list[str]) -> None:
    """The lifetime value of each relation's contact: ``want_for(relation)``; a refusal names no order."""
    for relation in relations:
        contact = world.records[("contact", relation)]
        url = f"{reverse(LIFETIME_VALUE)}?contact={contact.pk}"
        with transaction.atomic():
            response = call(api.client, "get", url, None, True)
            body = body_of(response)
            transaction.set_rollback(True)
        want = want_for(relation)
        if response.status_code != want:
            api.failures.append(f"{LIFETIME_VALUE} [{relation}]: GET should be {want}, got {response.status_code}")
        elif want != OK and ("value" in body or world.records[("order", relation)].number in body):
            api.failures.append(f"{LIFETIME_VALUE} [{relation}]: the refusal holds the value")


def check_product_exports(world: World, html: Check, session: Check, api: Check, want_for: Callable[[bool], int]) -> None:
    """The catalogue as CSV from the page, the API in the (stepped-up) session and the API with a token:
    ``want_for(token)``; allowed, it lists the catalogue; refused, it names no product and records no export."""
    product = Product.objects.create(name="Mx exported item", unit_price="7.00", currency=settings.BASTION_BASE_CURRENCY)
    for name, check, token in (
        (PRODUCT_EXPORTS[0], html, False), (PRODUCT_EXPORTS[1], session, False), (PRODUCT_EXPORTS[1], api, True),
    ):  # fmt: skip
        label, url, want = f"{name} ({'token' if token else 'session'})", reverse(name), want_for(token)
        with transaction.atomic():
            before = AuditEvent.objects.filter(kind=EventKind.EXPORTED).count()
            response = call(check.client, "get", url, None, check.api)
            body = body_of(response)
            exported = AuditEvent.objects.filter(kind=EventKind.EXPORTED).count() - before
            transaction.set_rollback(True)
        status = response.status_code
        if want == OK and (status != OK or product.name not in body or exported != 1):
            check.failures.append(f"{label}: allowed by the policy, got {status}, listed: {product.name in body}")
        elif want != OK and (status != want or product.name in body or exported):
            check.failures.append(f"{label}: should be {want} naming no product and recording no export, got {status}")
