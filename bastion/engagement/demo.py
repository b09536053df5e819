"""Demo interaction events, recorded through the actions (deterministic for a seed).

Call after ``seed_demo_commerce`` (product views name catalogue products by SKU): a few page
visits, email opens, form submissions and product views for each seller's leads and contacts, so
their timelines, interests and engagement scores are not empty.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from bastion.commerce.models import Product
from bastion.directory.models import Contact
from bastion.engagement import actions
from bastion.sales.models import Lead

PAGES = [
    ("https://www.example.com/pricing", "Pricing", "pricing"),
    ("https://www.example.com/features/analytics", "Analytics", "analytics"),
    ("https://www.example.com/security", "Security and compliance", "security"),
    ("https://www.example.com/zh/customers", "客户案例", "客户案例"),
]
CAMPAIGNS = ["Spring newsletter", "Webinar invitation", "春季活动"]


def _event(rng: random.Random, person: dict[str, Any], skus: list[str], now: dt.datetime) -> dict[str, Any]:
    when = (now - dt.timedelta(days=rng.randint(0, 45), minutes=rng.randint(0, 600))).isoformat()
    kind = rng.choice(["page_visited", "page_visited", "email_opened", "form_submitted", "product_viewed"])
    if kind == "product_viewed" and not skus:
        kind = "page_visited"
    if kind == "email_opened":
        properties: dict[str, Any] = {"campaign": rng.choice(CAMPAIGNS)}
    elif kind == "product_viewed":
        properties = {"product": rng.choice(skus)}  # the timeline names the product
    else:
        url, title, topic = rng.choice(PAGES)
        properties = {"url": url, "title": title, "topic": topic}
    # Where a real deployment's events come from: the website's tracker, or the mailing tool.
    source = "newsletter" if kind == "email_opened" else "www.example.com"
    return {**person, "kind": kind, "occurred_at": when, "properties": properties, "source": source}


def seed_demo_engagement(owners: list[Any], *, per_person: int = 4, people: int = 6, seed: int = 2024) -> int:
    """Up to ``per_person`` events for ``people`` leads and contacts of each owner; returns how many events."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    skus = [sku for sku in Product.objects.filter(is_active=True).order_by("sku").values_list("sku", flat=True) if sku]
    now, made = timezone.now(), 0
    with transaction.atomic():
        for owner in owners:
            leads = Lead.objects.editable_by(owner).order_by("created_at", "id").values_list("pk", flat=True)[:people]
            contacts = Contact.objects.editable_by(owner).filter(erased_at=None).order_by("sort_name", "id")
            persons = [{"lead": str(pk)} for pk in leads]
            persons += [{"contact": str(pk)} for pk in contacts.values_list("pk", flat=True)[:people]]
            events = [_event(rng, person, skus, now) for person in persons for _i in range(rng.randint(1, per_person))]
            for start in range(0, len(events), actions.MAX_BATCH):
                made += len(actions.record_interactions(owner, events[start : start + actions.MAX_BATCH]))
    return made
