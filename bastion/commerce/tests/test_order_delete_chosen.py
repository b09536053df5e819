"""The order list's "Delete the chosen orders…": only drafts and cancelled orders are deleted (each
through delete_order, audited); the others are refused with why and kept; nothing goes before the
tick; marketing roles, the read-only role and the auditor delete nothing; the API does the same."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.urls import reverse

from bastion.commerce import actions
from bastion.commerce.models import Order
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
UNSEEN = "No such record, or you may not see it."
KEPT = "Only a draft or cancelled order can be deleted; refund or cancel it instead."


@pytest.fixture
def orders(personas: Any, catalogue: dict[str, Any], customer: Any, west_contact: Any) -> dict[str, Order]:
    def order(actor: Any, contact: Any, *steps: str) -> Order:
        made = actions.create_order(
            actor, {"contact": contact.pk, "lines": [{"product": catalogue["widget"].pk, "quantity": "1"}]}
        )
        for step in steps:
            actions.change_order_status(actor, made.pk, step)
        return made

    east, west, contact = personas.rep_east, personas.rep_west, customer[1]
    return {
        "draft": order(east, contact),
        "cancelled": order(east, contact, "confirmed", "cancelled"),
        "confirmed": order(east, contact, "confirmed"),
        "west": order(west, west_contact),
    }


def exists(order: Order) -> bool:
    return bool(Order._base_manager.filter(pk=order.pk).exists())


def deletions(order: Order) -> int:
    # A fresh query each time: reading the audit trail seals what waits in its inbox first.
    return AuditEvent.objects.filter(target_id=str(order.pk), kind=EventKind.RECORD_DELETED).count()


def test_drafts_and_cancelled_orders_go_and_the_others_are_kept_with_why(
    personas: Any, signed_in: Any, orders: dict[str, Order]
) -> None:
    client, url = signed_in(personas.rep_east), reverse("sales:order-delete-chosen")
    listed = client.get(reverse("commerce:order-list")).content.decode()
    assert f'formaction="{url}"' in listed and "Delete the chosen orders…" in listed
    chosen = [str(orders[key].pk) for key in ("draft", "cancelled", "confirmed", "west")]  # west's is out of sight
    page = client.post(url, {"record": chosen, "choosing": "1"}).content.decode()
    assert "Delete 3 orders" in page and orders["west"].number not in page and "Only draft and cancelled orders" in page
    assert "1 of these orders is neither a draft nor cancelled and will be kept: 2 will be deleted." in page
    assert client.post(url, {"record": chosen}).status_code == 400 and all(exists(order) for order in orders.values())
    body = client.post(url, {"record": chosen, "confirmed": "on"}, follow=True).content.decode()
    assert "2 orders deleted." in body
    assert f"1 order was not deleted, for example {orders['confirmed'].number}: {KEPT}" in body
    assert [exists(orders[key]) for key in ("draft", "cancelled", "confirmed", "west")] == [False, False, True, True]
    assert deletions(orders["draft"]) == 1 and deletions(orders["confirmed"]) == 0 and deletions(orders["west"]) == 0


def test_roles_that_take_no_orders_delete_nothing(
    personas: Any, signed_in: Any, orders: dict[str, Order], read_only: Any
) -> None:
    url, chosen = reverse("sales:order-delete-chosen"), {"record": [str(orders["draft"].pk)], "confirmed": "on"}
    for user in (personas.marketer, read_only, personas.auditor):
        assert signed_in(user).post(url, chosen).status_code == 403, user
    marketer_list = signed_in(personas.marketer).get(reverse("commerce:order-list")).content.decode()
    assert url not in marketer_list
    assert exists(orders["draft"]) and deletions(orders["draft"]) == 0


def test_the_api_deletes_drafts_and_refuses_the_rest_alike(personas: Any, api_as: Any, orders: dict[str, Order]) -> None:
    api, missing, url = api_as(personas.rep_east), uuid.uuid4(), "/api/v1/orders/delete/"
    chosen = [str(orders[key].pk) for key in ("draft", "confirmed", "west")] + [str(missing)]
    for denied_client in (api_as(personas.rep_east, scopes=["order:read"]), api_as(personas.marketer)):
        assert denied_client.post(url, {"records": chosen, "confirmed": True}, format="json").status_code == 403
    assert api.post(url, {"records": chosen}, format="json").status_code == 400 and exists(orders["draft"])
    body = api.post(url, {"records": chosen, "confirmed": True}, format="json").json()
    refused = [
        {"id": str(orders["west"].pk), "reason": UNSEEN},  # out of sight: refused exactly like a missing id
        {"id": str(missing), "reason": UNSEEN},
        {"id": str(orders["confirmed"].pk), "reason": KEPT},
    ]
    assert body == {"changed": 1, "unchanged": 0, "refused": refused}
    assert not exists(orders["draft"]) and exists(orders["confirmed"]) and exists(orders["west"])
