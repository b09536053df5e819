"""Demo commerce data: a catalogue and orders in every status, through the actions."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.commerce.demo import seed_demo_commerce
from bastion.commerce.models import Order, Product
from bastion.directory import actions as directory

pytestmark = pytest.mark.django_db


def test_demo_orders_are_created_through_the_actions(personas: Any, rates: Any) -> None:
    for number in range(3):
        directory.create_contact(personas.rep_east, {"given_name": "Demo", "family_name": f"Person {number}"})
    made = seed_demo_commerce(personas.admin, [personas.rep_east], orders=12)
    assert made == 12 and Order.objects.count() == 12 and Product.objects.count() >= 4
    assert len(set(Order.objects.values_list("status", flat=True))) >= 3
    assert len(set(Order.objects.values_list("number", flat=True))) == 12
