"""Demo products and orders, created through the actions (deterministic for a seed).

Call after ``seed_demo_sales`` (it sets the exchange rates the prices use): a small catalogue in
two currencies and orders in every status for the demo customers, so contact and company pages
show a purchase history and a lifetime value.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from bastion.commerce import actions
from bastion.directory.models import Contact
from bastion.sales.actions import known_currencies

CATALOGUE = [
    ("CRM licence (per seat, yearly)", "LIC-SEAT", "240.00", "USD"),
    ("Support plan", "SUP-STD", "1200.00", "USD"),
    ("Onboarding workshop", "SRV-ONB", "900.00", "EUR"),
    ("数据迁移服务", "SRV-MIG", "8000.00", "CNY"),
    ("Analytics add-on", "ADD-ANL", "60.00", "USD"),
]
# The statuses an order is walked through, and how often each final status is chosen.
PATHS = [
    ([], 2), (["confirmed"], 2), (["confirmed", "paid"], 3), (["confirmed", "paid", "shipped"], 4),
    (["cancelled"], 1), (["confirmed", "paid", "refunded"], 1),
]  # fmt: skip


def seed_demo_commerce(admin: Any, owners: list[Any], *, orders: int = 60, seed: int = 2024) -> int:
    """The catalogue and ``orders`` orders of the demo contacts; returns how many orders."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    paths = [path for path, weight in PATHS for _i in range(weight)]
    with transaction.atomic():
        known = known_currencies()
        products = [
            actions.create_product(admin, {"name": name, "sku": sku, "unit_price": price, "currency": currency})
            for name, sku, price, currency in CATALOGUE
            if currency in known
        ]
        if not products:
            return 0
        made = 0
        now = timezone.now()
        for number in range(orders):
            owner = owners[number % len(owners)]
            contacts = list(Contact.objects.editable_by(owner).only("id", "company_id").order_by("sort_name", "id")[:100])
            if not contacts:
                continue
            contact = rng.choice(contacts)
            product = rng.choice(products)
            lines = [{"product": product.pk, "quantity": str(rng.randint(1, 20))}]
            if rng.random() < 0.4:
                lines.append(
                    {"description": "Custom integration", "quantity": "1", "unit_price": f"{rng.randint(5, 50) * 100}.00"}
                )
            data = {
                "contact": contact.pk, "company": contact.company_id, "currency": product.currency, "lines": lines,
                "ordered_at": now - dt.timedelta(days=rng.randint(0, 400)),
            }  # fmt: skip
            order = actions.create_order(owner, data)
            for status in rng.choice(paths):
                actions.change_order_status(owner, order.pk, status)
            made += 1
    return made
