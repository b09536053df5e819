"""Deleting products: one on a deal (and on no order) is refused with why, not a server error; the
product list's "Delete the chosen products…" (administrators) deletes those on no order or deal,
says first how many it keeps, and refuses every other persona; the API does the same."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bastion.commerce import actions as commerce
from bastion.commerce.models import Product
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions

pytestmark = pytest.mark.django_db
IN_USE = "This product is on at least one order or deal, so it cannot be deleted. Deactivate it instead."
UNSEEN = "No such record, or you may not see it."


@pytest.fixture
def products(personas: Any, stages: Any) -> dict[str, Product]:
    admin = personas.admin
    made = {
        key: commerce.create_product(admin, {"name": name, "sku": key.upper(), "unit_price": "10.00"})
        for key, name in (("arm", "Robot arm"), ("gripper", "Gripper"), ("spare", "Spare cable"))
    }
    actions.create_deal(personas.rep_east, {"name": "Arms", "lines": [{"product": made["arm"].pk, "quantity": "2"}]})
    return made


def exists(product: Product) -> bool:
    return bool(Product._base_manager.filter(pk=product.pk).exists())


def test_a_product_on_a_deal_is_refused_with_why(personas: Any, signed_in: Any, products: dict[str, Product]) -> None:
    with pytest.raises(ValidationError) as refused:
        commerce.delete_product(personas.admin, products["arm"].pk)
    assert refused.value.message_dict == {"product": [IN_USE]} and exists(products["arm"])
    client = signed_in(personas.admin)
    page = client.get(reverse("commerce:product-delete", args=[products["arm"].pk])).content.decode()
    assert "Deactivate" in page  # the page says it is in use before the press
    response = client.post(reverse("commerce:product-delete", args=[products["arm"].pk]), {"confirmed": "yes"}, follow=True)
    assert response.status_code == 200 and IN_USE in response.content.decode() and exists(products["arm"])


def test_an_administrator_deletes_the_chosen_products_not_in_use(
    personas: Any, signed_in: Any, products: dict[str, Product]
) -> None:
    client, url = signed_in(personas.admin), reverse("sales:product-delete-chosen")
    listed = client.get(reverse("commerce:product-list")).content.decode()
    assert f'formaction="{url}"' in listed and "Delete the chosen products…" in listed
    chosen = [str(products[key].pk) for key in ("arm", "gripper")]
    page = client.post(url, {"record": chosen, "choosing": "1"}).content.decode()
    assert "Delete 2 products" in page and 'data-label="Owner' not in page  # products have no owner column
    assert "1 of these products is on an order or a deal and will be kept: 1 will be deleted." in page
    assert client.post(url, {"record": chosen}).status_code == 400 and exists(products["gripper"])
    body = client.post(url, {"record": chosen, "confirmed": "on"}, follow=True).content.decode()
    assert "1 product deleted." in body and f"1 product was not deleted, for example “Robot arm”: {IN_USE}" in body
    assert exists(products["arm"]) and not exists(products["gripper"]) and exists(products["spare"])
    assert AuditEvent.objects.filter(target_id=str(products["gripper"].pk), changes__has_key="name").count() == 2


def test_only_administrators_delete_chosen_products(
    personas: Any, signed_in: Any, api_as: Any, products: dict[str, Product]
) -> None:
    url, chosen = reverse("sales:product-delete-chosen"), [str(products["spare"].pk)]
    others = [getattr(personas, f.name) for f in dataclasses.fields(personas) if f.name != "admin"]
    for user in others:
        assert signed_in(user).post(url, {"record": chosen, "confirmed": "on"}).status_code in (302, 403), user
        body = {"records": chosen, "confirmed": True}
        assert api_as(user).post("/api/v1/products/delete/", body, format="json").status_code in (401, 403), user
    assert exists(products["spare"])
    missing = uuid.uuid4()
    body = {"records": [*chosen, str(missing), str(products["arm"].pk)], "confirmed": True}
    answer = api_as(personas.admin).post("/api/v1/products/delete/", body, format="json").json()
    refused = [{"id": str(missing), "reason": UNSEEN}, {"id": str(products["arm"].pk), "reason": IN_USE}]
    assert answer == {"changed": 1, "unchanged": 0, "refused": refused} and not exists(products["spare"])
    assert exists(products["gripper"])
