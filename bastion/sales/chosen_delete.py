"""A list's "Delete the chosen …" for companies, contacts, leads, deals, activities and orders: each
chosen record deleted through its own delete action (``directory.actions.delete_company`` and
``delete_contact``, ``actions_leads.delete_lead``, ``actions.delete_deal``,
``actions_activities.delete_activity``, ``commerce.actions.delete_order``), in its own
transaction, with its lock, its writer and record checks, its audit event and the audit of what
goes with it (the tasks, calls, meetings and notes on it; the deals, orders and contacts it
unlinks), which the page counts before asking (bastion.directory.delete_effects).

One the user may only read, or an order that is neither a draft nor cancelled, is refused by its
action and reported with why; the others are deleted all the same. Deleting a contact keeps the
key of its personal data for backups; erasing a person is a step of its own (the contact's Erase,
ADR 0019).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.http import Http404

from bastion.commerce import actions as order_actions
from bastion.commerce.actions_products import delete_product
from bastion.directory import actions as directory_actions
from bastion.sales import actions as deal_actions
from bastion.sales import actions_activities, actions_leads
from bastion.sales.handover import HandOver, each_chosen

# The lists whose chosen records can be deleted, by key of selectors_chosen.CHOOSABLE: each one's action.
DELETES: dict[str, Callable[[Any, Any], object]] = {
    "companies": directory_actions.delete_company,
    "contacts": directory_actions.delete_contact,
    "leads": actions_leads.delete_lead,
    "deals": deal_actions.delete_deal,
    "activities": actions_activities.delete_activity,
    "orders": order_actions.delete_order,
    "products": delete_product,  # administrators only; one on an order or deal is refused
}


def delete_chosen(actor: Any, key: str, pks: Iterable[Any]) -> HandOver:
    """Delete the chosen records of kind ``key`` (at most ``BATCH``), each through its delete action.
    ``moved`` counts those deleted; ``failed`` names each refused one and why (nothing of it changed)."""
    if key not in DELETES:
        raise Http404
    delete = DELETES[key]

    def one(pk: Any) -> int:
        delete(actor, pk)
        return 1

    return each_chosen(key, pks, one)
