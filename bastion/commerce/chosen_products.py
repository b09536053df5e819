"""The product list's "Deactivate" and "Activate": the products ticked on the list switched at once
(nothing is lost: each can be switched back), each through ``actions_products.update_product`` (its
lock, its audit event). A product already so is left as it was and not counted.

Only administrators change the catalogue: anyone else is refused before any product is looked at.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bastion.commerce.actions_products import _require_admin, update_product
from bastion.commerce.models import Product
from bastion.sales.handover import HandOver, set_each

KEY = "products"


def set_active(actor: Any, pks: Iterable[Any], active: bool) -> HandOver:
    """Activate (``active``) or deactivate the chosen products (at most ``BATCH``). ``moved`` counts those that changed."""
    _require_admin(actor)
    return set_each(KEY, pks, Product, "is_active", active, lambda pk: update_product(actor, pk, {"is_active": active}))
