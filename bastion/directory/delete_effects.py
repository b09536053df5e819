"""What deleting a company or a contact does to the records linked to it, told before the user confirms.

Deals, orders and (for a company) contacts are kept without it: their foreign keys are
``SET_NULL``. Tasks, calls, meetings and notes on it are deleted with it (``CASCADE``). Only
records the user may see are counted, so the sentences reveal nothing the user could not list.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from bastion.commerce.selectors import OrderFilters, order_totals
from bastion.directory import selectors
from bastion.sales.selectors import deal_count
from bastion.sales.selectors_activities import activity_count


def _sentences(texts: tuple[Any, ...], counts: tuple[int, ...]) -> list[str]:
    """Each of ``texts`` (``ngettext_lazy`` on the key "counter") for its count, where the count is not 0."""
    return [str(text % {"counter": count}) for text, count in zip(texts, counts, strict=True) if count]


def company_delete_effects(user: Any, company: Any) -> list[str]:
    """One sentence per kind of linked record deleting ``company`` keeps or removes."""
    counts = (
        selectors.company_contact_count(user, company),
        deal_count(user, company_id=company.pk),
        order_totals(user, OrderFilters(company_id=company.pk)).count,
        activity_count(user, company_id=company.pk),
    )
    texts = (
        ngettext_lazy(
            "Its %(counter)s contact is kept, no longer linked to a company.",
            "Its %(counter)s contacts are kept, no longer linked to a company.",
            "counter",
        ),
        ngettext_lazy(
            "Its %(counter)s deal is kept, no longer linked to a company.",
            "Its %(counter)s deals are kept, no longer linked to a company.",
            "counter",
        ),
        ngettext_lazy(
            "Its %(counter)s order is kept, no longer linked to a company.",
            "Its %(counter)s orders are kept, no longer linked to a company.",
            "counter",
        ),
        ngettext_lazy(
            "Its %(counter)s task, call, meeting or note is deleted with it.",
            "Its %(counter)s tasks, calls, meetings and notes are deleted with it.",
            "counter",
        ),
    )
    return _sentences(texts, counts)


def contact_delete_effects(user: Any, contact: Any) -> list[str]:
    """One sentence per kind of linked record deleting ``contact`` keeps or removes."""
    counts = (
        deal_count(user, contact_id=contact.pk),
        order_totals(user, OrderFilters(contact_id=contact.pk)).count,
        activity_count(user, contact_id=contact.pk),
    )
    texts = (
        ngettext_lazy(
            "Their %(counter)s deal is kept, no longer linked to a contact.",
            "Their %(counter)s deals are kept, no longer linked to a contact.",
            "counter",
        ),
        ngettext_lazy(
            "Their %(counter)s order is kept, no longer linked to a contact.",
            "Their %(counter)s orders are kept, no longer linked to a contact.",
            "counter",
        ),
        ngettext_lazy(
            "Their %(counter)s task, call, meeting or note is deleted with them.",
            "Their %(counter)s tasks, calls, meetings and notes are deleted with them.",
            "counter",
        ),
    )
    return _sentences(texts, counts)


def delete_question(question: str, effects: list[str]) -> str:
    """The confirmation dialog's text: the question, what happens to linked records, and that it is final."""
    return " ".join([question, *effects, _("This cannot be undone.")])
