"""The search page's one box over every kind of customer record the user may see (its reads).

Companies and contacts come from ``directory.selectors.search_directory``; deals (by the start
of their name) and leads (by name, or by a whole email address or phone number through the
blind index) from their lists' own scoped selectors, so the search shows exactly what those
lists would show the user, a few of each.
"""

from __future__ import annotations

from typing import Any

from bastion.directory.names import query_key
from bastion.directory.selectors import SearchResults, search_directory
from bastion.kernel.pagination import Ordering, PageRequest
from bastion.sales.selectors import DEAL_ORDERINGS, DealFilters, deal_page
from bastion.sales.selectors_leads import LEAD_ORDERINGS, LeadFilters, lead_page

DEAL_BY_NAME = Ordering(key="name", field=DEAL_ORDERINGS["name"])
LEAD_BY_NAME = Ordering(key="name", field=LEAD_ORDERINGS["name"])


def search_customer_records(user: Any, text: str, *, limit: int = 10) -> SearchResults:
    """Up to ``limit`` companies, contacts, deals and leads matching ``text``, and whether there are more of each."""
    results = search_directory(user, text, limit=limit)
    if not query_key(text):
        return results
    deals = deal_page(user, DealFilters(q=text), PageRequest(ordering=DEAL_BY_NAME, limit=limit))
    leads = lead_page(user, LeadFilters(q=text), PageRequest(ordering=LEAD_BY_NAME, limit=limit))
    results.deals, results.more_deals = list(deals.items), deals.next_cursor is not None
    results.leads, results.more_leads = list(leads.items), leads.next_cursor is not None
    return results
