"""The product list's "Deactivate" and "Activate": administrators switch the ticked products at once,
each through the product's update (audited); one already so is left alone; every other persona is
refused and nothing changes; the API does the same."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest
from django.urls import reverse

from bastion.commerce.models import Product
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
UNSEEN = "No such record, or you may not see it."


def active_of(product: Any) -> bool:
    return bool(Product._base_manager.values_list("is_active", flat=True).get(pk=product.pk))


def switches(product: Any) -> int:
    # A fresh query each time: reading the audit trail seals what waits in its inbox first.
    return AuditEvent.objects.filter(
        target_id=str(product.pk), kind=EventKind.SETTING_CHANGED, changes__has_key="is_active"
    ).count()


def test_an_administrator_deactivates_and_activates_the_chosen_products(
    personas: Any, signed_in: Any, catalogue: dict[str, Any]
) -> None:
    client, url = signed_in(personas.admin), reverse("sales:product-active-chosen")
    listed = client.get(reverse("commerce:product-list")).content.decode()
    assert f'formaction="{url}"' in listed and 'data-select-all="record"' in listed
    chosen = [str(catalogue["widget"].pk), str(catalogue["gadget"].pk)]
    created = switches(catalogue["widget"])  # its creation's event names is_active too
    done = client.post(url, {"record": chosen, "active": "0", "next": "/products/?q=g", "choosing": "1"})
    assert done.status_code == 302 and done["Location"] == "/products/?q=g"
    assert not active_of(catalogue["widget"]) and not active_of(catalogue["gadget"])
    told = client.get(done["Location"]).content.decode()
    assert "2 products deactivated: they can no longer be put on new orders." in told
    again = client.post(url, {"record": chosen[:1], "active": "0"}, follow=True).content.decode()
    assert "0 products deactivated" in again and "1 product was inactive already" in again
    assert switches(catalogue["widget"]) == created + 1
    back = client.post(url, {"record": chosen, "active": "1"}, follow=True).content.decode()
    assert "2 products activated." in back and active_of(catalogue["widget"]) and switches(catalogue["widget"]) == created + 2


def test_nothing_ticked_or_no_choice_changes_nothing(personas: Any, signed_in: Any, catalogue: dict[str, Any]) -> None:
    client, url = signed_in(personas.admin), reverse("sales:product-active-chosen")
    created = switches(catalogue["widget"])
    for data in (
        {"active": "0"},
        {"record": [str(catalogue["widget"].pk)]},
        {"record": [str(catalogue["widget"].pk)], "active": "x"},
    ):
        body = client.post(url, data, follow=True).content.decode()
        assert "Nothing changed: tick the products first, then choose" in body, data
    assert client.get(url).status_code == 405
    assert active_of(catalogue["widget"]) and switches(catalogue["widget"]) == created


def test_only_administrators_switch_products(personas: Any, signed_in: Any, catalogue: dict[str, Any], read_only: Any) -> None:
    url, chosen = reverse("sales:product-active-chosen"), [str(catalogue["widget"].pk)]
    created = switches(catalogue["widget"])
    others = [getattr(personas, f.name) for f in dataclasses.fields(personas) if f.name != "admin"] + [read_only]
    for user in others:
        client = signed_in(user)
        assert client.post(url, {"record": chosen, "active": "0"}).status_code == 403, user
        assert 'name="record"' not in client.get(reverse("commerce:product-list")).content.decode(), user
    assert active_of(catalogue["widget"]) and switches(catalogue["widget"]) == created


def test_the_api_switches_for_administrators_only(personas: Any, api_as: Any, catalogue: dict[str, Any]) -> None:
    url, missing = "/api/v1/products/active/", uuid.uuid4()
    created = switches(catalogue["gadget"])
    chosen = [str(catalogue["widget"].pk), str(missing)]
    body = api_as(personas.admin).post(url, {"records": chosen, "active": False}, format="json").json()
    assert body == {"changed": 1, "unchanged": 0, "refused": [{"id": str(missing), "reason": UNSEEN}]}
    assert not active_of(catalogue["widget"])
    bad = api_as(personas.admin).post(url, {"records": chosen, "active": "maybe"}, format="json")
    assert bad.status_code == 400 and "active" in str(bad.json())
    for user in (personas.sales_manager, personas.marketer, personas.auditor):
        denied = api_as(user).post(url, {"records": [str(catalogue["gadget"].pk)], "active": False}, format="json")
        assert denied.status_code == 403, user
    read_scope = api_as(personas.admin, scopes=["product:read"])
    assert read_scope.post(url, {"records": [str(catalogue["gadget"].pk)], "active": False}, format="json").status_code == 403
    assert active_of(catalogue["gadget"]) and switches(catalogue["gadget"]) == created
