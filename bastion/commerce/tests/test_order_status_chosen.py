"""The order list's "Set the status": chosen orders move to one status, each through the order's own
status change (its allowed transitions, audit event); one already there is left alone; one that may
not move there is refused with why; a cancelled or refunded status is confirmed first; marketing roles
and the read-only role change nothing; the API does the same."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.urls import reverse

from bastion.commerce import actions
from bastion.commerce.models import Order
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import views_told

pytestmark = pytest.mark.django_db
UNSEEN = "No such record, or you may not see it."


@pytest.fixture
def orders(personas: Any, catalogue: dict[str, Any], customer: Any, west_contact: Any) -> dict[str, Order]:
    def order(actor: Any, contact: Any, status: str) -> Order:
        lines = [{"product": catalogue["widget"].pk, "quantity": "2"}]
        made = actions.create_order(actor, {"contact": contact.pk, "lines": lines})
        for step in {"draft": [], "confirmed": ["confirmed"], "paid": ["confirmed", "paid"]}[status]:
            actions.change_order_status(actor, made.pk, step)
        return made

    east, west, contact = personas.rep_east, personas.rep_west, customer[1]
    return {
        "confirmed": order(east, contact, "confirmed"),
        "paid": order(east, contact, "paid"),
        "draft": order(east, contact, "draft"),
        "west": order(west, west_contact, "confirmed"),
    }


def status_of(order: Order) -> str:
    return str(Order._base_manager.values_list("status", flat=True).get(pk=order.pk))


def status_events(order: Order) -> int:
    # A fresh query each time: reading the audit trail seals what waits in its inbox first.
    return AuditEvent.objects.filter(target_id=str(order.pk), kind=EventKind.RECORD_UPDATED, changes__has_key="status").count()


def test_the_list_offers_it_and_the_chosen_orders_move_by_the_allowed_steps(
    personas: Any, signed_in: Any, orders: dict[str, Order]
) -> None:
    client, url = signed_in(personas.rep_east), reverse("sales:order-status-chosen")
    listed = client.get(reverse("commerce:order-list")).content.decode()
    assert f'formaction="{url}"' in listed and "Set the status of the chosen orders…" in listed
    assert 'data-testid="change-owner"' not in listed  # orders are not handed over from their list
    chosen = [str(orders[key].pk) for key in ("confirmed", "paid", "draft", "west")]  # west's is out of sight
    page = client.post(url, {"record": chosen, "choosing": "1", "next": "/orders/?q=1"})
    body = page.content.decode()
    assert page.status_code == 200 and "Set the status of 3 orders" in body and orders["west"].number not in body
    assert '<option value="paid">Paid</option>' in body and 'value="draft"' not in body
    events = status_events(orders["draft"])
    done = client.post(url, {"record": chosen, "status": "paid", "next": "/orders/?q=1"})
    assert done.status_code == 302 and done["Location"] == "/orders/?q=1"
    assert [status_of(orders[key]) for key in ("confirmed", "paid", "draft", "west")] == ["paid", "paid", "draft", "confirmed"]
    told = client.get(done["Location"]).content.decode()
    assert "1 order changed status." in told and "1 order had that status already" in told
    assert f"1 order kept its status, for example {orders['draft'].number}: A Draft order cannot become Paid." in told
    assert status_events(orders["confirmed"]) == 2 and status_events(orders["draft"]) == events


def test_a_final_status_is_confirmed_first(personas: Any, signed_in: Any, orders: dict[str, Order]) -> None:
    client, url = signed_in(personas.rep_east), reverse("sales:order-status-chosen")
    chosen = [str(orders["confirmed"].pk), str(orders["paid"].pk)]
    unconfirmed = client.post(url, {"record": chosen, "status": "cancelled"})
    body = unconfirmed.content.decode()
    assert unconfirmed.status_code == 400 and "No order changed status" in body and "Tick the box to confirm" in body
    assert status_of(orders["confirmed"]) == "confirmed" and status_of(orders["paid"]) == "paid"
    confirmed = client.post(url, {"record": chosen, "status": "cancelled", "confirmed": "on"}, follow=True).content.decode()
    assert "1 order changed status." in confirmed and "A Paid order cannot become Cancelled." in confirmed
    assert status_of(orders["confirmed"]) == "cancelled" and status_of(orders["paid"]) == "paid"


def test_bad_input_and_roles_that_take_no_orders_change_nothing(
    personas: Any, signed_in: Any, orders: dict[str, Order], read_only: Any
) -> None:
    url, chosen = reverse("sales:order-status-chosen"), [str(orders["confirmed"].pk)]
    client = signed_in(personas.rep_east)
    for status in ("", "draft", "bogus"):
        response = client.post(url, {"record": chosen, "status": status})
        assert response.status_code == 400 and "No order changed status" in response.content.decode(), status
    for user in (personas.marketer, read_only, personas.auditor):
        assert signed_in(user).post(url, {"record": chosen, "status": "paid"}).status_code == 403, user
    marketer_list = signed_in(personas.marketer).get(reverse("commerce:order-list")).content.decode()
    assert url not in marketer_list and 'name="record"' not in marketer_list
    assert status_of(orders["confirmed"]) == "confirmed" and status_events(orders["confirmed"]) == 1


def test_the_api_moves_what_the_user_may_change_and_refuses_the_rest_alike(
    personas: Any, api_as: Any, orders: dict[str, Order]
) -> None:
    api, missing, url = api_as(personas.rep_east), uuid.uuid4(), "/api/v1/orders/status/"
    chosen = [str(orders["confirmed"].pk), str(orders["draft"].pk), str(orders["west"].pk), str(missing)]
    body = api.post(url, {"records": chosen, "status": "paid"}, format="json").json()
    refused = [
        {"id": str(orders["west"].pk), "reason": UNSEEN},  # out of sight: refused exactly like a missing id
        {"id": str(missing), "reason": UNSEEN},
        {"id": str(orders["draft"].pk), "reason": "A Draft order cannot become Paid. Allowed next: Cancelled, Confirmed."},
    ]
    assert body == {"changed": 1, "unchanged": 0, "refused": refused}
    assert status_of(orders["confirmed"]) == "paid" and status_of(orders["west"]) == "confirmed"
    for status in ("draft", "", None):
        bad = api.post(url, {"records": [str(orders["paid"].pk)], "status": status}, format="json")
        assert bad.status_code == 400 and "status" in str(bad.json()), status
    for denied_client in (api_as(personas.rep_east, scopes=["order:read"]), api_as(personas.marketer)):
        denied = denied_client.post(url, {"records": [str(orders["paid"].pk)], "status": "shipped"}, format="json")
        assert denied.status_code == 403
    assert status_of(orders["paid"]) == "paid"


def test_each_reason_for_a_refusal_is_told_once_with_its_count(
    personas: Any, signed_in: Any, orders: dict[str, Order], monkeypatch: Any
) -> None:
    client, url = signed_in(personas.rep_east), reverse("sales:order-status-chosen")
    second = actions.create_order(personas.rep_east, {"contact": orders["draft"].contact_id, "lines": []})
    chosen = [str(orders[key].pk) for key in ("confirmed", "paid", "draft")] + [str(second.pk)]
    body = client.post(url, {"record": chosen, "status": "shipped"}, follow=True).content.decode()
    assert "1 order changed status." in body  # the paid one
    told = [line for line in body.split("<li") if 'class="message error"' in line]
    draft_example = {f"example {orders['draft'].number}:", f"example {second.number}:"}  # either draft names the group
    assert len(told) == 2 and "2 orders kept their status, for example ORD-" in told[0]  # the larger group first
    assert "A Draft order cannot become Shipped." in told[0] and any(example in told[0] for example in draft_example)
    confirmed = f"1 order kept its status, for example {orders['confirmed'].number}: A Confirmed order cannot become Shipped."
    assert confirmed in told[1]
    monkeypatch.setattr(views_told, "REASONS_SHOWN", 1)
    again = client.post(url, {"record": chosen, "status": "shipped"}, follow=True).content.decode()
    assert "2 orders kept their status" in again and confirmed not in again
    assert "1 more was left as it was for other reasons: open it to see why." in again
    assert [status_of(orders[key]) for key in ("confirmed", "paid", "draft")] == ["confirmed", "shipped", "draft"]
