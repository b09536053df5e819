"""What deleting a company or a contact (or several, chosen on their list) does to the records linked
to it, told before the user confirms.

Deals, orders and (for a company) contacts are kept without it: their foreign keys are
``SET_NULL``. Tasks, calls, meetings and notes on it are deleted with it (``CASCADE``). Only
records the user may see are counted, so the sentences reveal nothing the user could not list.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy, npgettext_lazy

from bastion.commerce.selectors import order_count
from bastion.directory import selectors
from bastion.sales.selectors import deal_count
from bastion.sales.selectors_activities import activity_count


def _sentences(texts: tuple[Any, ...], counts: tuple[int, ...]) -> list[str]:
    """Each of ``texts`` (``ngettext_lazy`` on the key "counter") for its count, where the count is not 0."""
    return [str(text % {"counter": count}) for text, count in zip(texts, counts, strict=True) if count]


ONE_COMPANY = (
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
SEVERAL_COMPANIES = (
    ngettext_lazy(
        "Their %(counter)s contact is kept, no longer linked to a company.",
        "Their %(counter)s contacts are kept, no longer linked to a company.",
        "counter",
    ),
    ngettext_lazy(
        "Their %(counter)s deal is kept, no longer linked to a company.",
        "Their %(counter)s deals are kept, no longer linked to a company.",
        "counter",
    ),
    ngettext_lazy(
        "Their %(counter)s order is kept, no longer linked to a company.",
        "Their %(counter)s orders are kept, no longer linked to a company.",
        "counter",
    ),
    ngettext_lazy(
        "Their %(counter)s task, call, meeting or note is deleted with the companies.",
        "Their %(counter)s tasks, calls, meetings and notes are deleted with the companies.",
        "counter",
    ),
)
ONE_CONTACT = (
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
SEVERAL_CONTACTS = (  # the same English as ONE_CONTACT; the context lets a translation say "these contacts"
    npgettext_lazy(
        "several contacts",
        "Their %(counter)s deal is kept, no longer linked to a contact.",
        "Their %(counter)s deals are kept, no longer linked to a contact.",
        "counter",
    ),
    npgettext_lazy(
        "several contacts",
        "Their %(counter)s order is kept, no longer linked to a contact.",
        "Their %(counter)s orders are kept, no longer linked to a contact.",
        "counter",
    ),
    npgettext_lazy(
        "several contacts",
        "Their %(counter)s task, call, meeting or note is deleted with them.",
        "Their %(counter)s tasks, calls, meetings and notes are deleted with them.",
        "counter",
    ),
)


def company_delete_effects(user: Any, companies: list[Any]) -> list[str]:
    """One sentence per kind of linked record deleting ``companies`` (one, or those chosen on the list) keeps or removes."""
    ids = [company.pk for company in companies]
    counts = (
        selectors.company_contact_count(user, ids),
        deal_count(user, company_ids=ids),
        order_count(user, company_ids=ids),
        activity_count(user, company_ids=ids),
    )
    return _sentences(ONE_COMPANY if len(ids) == 1 else SEVERAL_COMPANIES, counts)


def contact_delete_effects(user: Any, contacts: list[Any]) -> list[str]:
    """One sentence per kind of linked record deleting ``contacts`` (one, or those chosen on the list) keeps or removes."""
    ids = [contact.pk for contact in contacts]
    counts = (deal_count(user, contact_ids=ids), order_count(user, contact_ids=ids), activity_count(user, contact_ids=ids))
    return _sentences(ONE_CONTACT if len(ids) == 1 else SEVERAL_CONTACTS, counts)


def delete_question(question: str, effects: list[str]) -> str:
    """The confirmation dialog's text: the question, what happens to linked records, and that it is final."""
    return " ".join([question, *effects, _("This cannot be undone.")])
