"""A list page costs the same few queries for 20 rows as for 100 (no N+1), in HTML and the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.directory.tests.factories import CompanyFactory, ContactFactory, TagFactory

pytestmark = pytest.mark.django_db

# Measured with a signed-in session: 9 queries are the sign-in middleware's (session, user,
# membership, allauth's user-session tracking with its savepoint, the second-factor check);
# the page adds the rows (company and owner joined), one prefetch of their tags, and the
# filter choices (owners, tags); and, for the roles that read the audit trail (the administrator
# here), the count of open security alerts in the menu.
HTML_LIST_QUERIES = 14
# A search (``q``) also spends the search rate limits: one conditional UPDATE per budget (user, IP).
SEARCH_LIMIT_QUERIES = 2
HTML_DIRECTORY_QUERIES = 3  # rows, tag prefetch, tag choices: the ones touching directory tables
# The API: the token (joined with its user and membership), one conditional update of the
# per-token throttle counter, then the rows and one prefetch of their tags.
API_LIST_QUERIES = 4
API_DIRECTORY_QUERIES = 2


@pytest.fixture
def crowded(personas: Any) -> None:
    """110 contacts at 110 companies, each with an owner and two tags."""
    tags = [TagFactory(name="VIP"), TagFactory(name="Partner")]
    owners = [personas.rep_east, personas.rep_west, personas.marketer]
    for i in range(110):
        company = CompanyFactory(owner=owners[i % 3], tags=tags)
        ContactFactory(company=company, owner=owners[i % 3], tags=tags)


def count(fetch: Any, ours_at_most: int = HTML_DIRECTORY_QUERIES) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = fetch()
    assert response.status_code == 200
    ours = [query["sql"] for query in queries.captured_queries if '"directory_' in query["sql"]]
    assert len(ours) <= ours_at_most, ours
    return len(queries.captured_queries), response


@pytest.mark.parametrize("url", ["/contacts/", "/companies/", "/contacts/?tag=vip&q=a", "/search/?q=a"])
def test_html_lists_have_constant_query_counts(personas: Any, signed_in: Any, crowded: None, url: str, settings: Any) -> None:
    # Day-long search windows, as in the API test below: a minute ending between the two requests
    # made the second one create its counter rows (an INSERT in a savepoint per budget) once under load.
    settings.ACCESS_RATE_LIMITS = {**settings.ACCESS_RATE_LIMITS, "search": {"user": "100000/day", "ip": "100000/day"}}
    client = signed_in(personas.admin)
    client.get(url)  # warm the session
    sep = "&" if "?" in url else "?"
    small, page20 = count(lambda: client.get(f"{url}{sep}limit=20"))
    large, page100 = count(lambda: client.get(f"{url}{sep}limit=100"))
    assert small == large <= HTML_LIST_QUERIES + (SEARCH_LIMIT_QUERIES if "q=" in url else 0), (small, large)


def test_html_list_row_counts(personas: Any, signed_in: Any, crowded: None) -> None:
    client = signed_in(personas.admin)
    assert client.get("/contacts/?limit=100").content.decode().count("<tr>") == 101  # header + rows


def test_company_detail_with_contacts_has_constant_query_count(personas: Any, signed_in: Any) -> None:
    company = CompanyFactory.create()
    ContactFactory.create_batch(5, company=company)
    client = signed_in(personas.admin)
    url = f"/companies/{company.pk}/"
    client.get(url)
    # the company (owner, team and authors joined), its tags, whether the reader may edit and
    # share it (one query), a page of its contacts, their tags, the sales timeline (one query), the
    # purchase history (one query) and, for a reader who may delete it, the count of its visible
    # contacts that the delete dialog names (its deals, orders and activities are counted in sales
    # and commerce tables, and its deals are listed in one query: not counted here)
    few, _ = count(lambda: client.get(url), ours_at_most=8)
    ContactFactory.create_batch(40, company=company)
    many, _ = count(lambda: client.get(url + "?limit=45"), ours_at_most=8)
    assert few == many


@pytest.mark.parametrize("url", ["/api/v1/contacts/", "/api/v1/companies/"])
def test_api_lists_have_constant_query_counts(personas: Any, api_as: Any, crowded: None, url: str, settings: Any) -> None:
    # A day-long throttle window: a per-minute window could roll over between the two requests,
    # and the first request of a window creates its counter row (two more queries).
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "100000/day"}}
    client = api_as(personas.admin)
    client.get(url)  # the first use stamps the token's last-used time and opens the throttle window
    small, page20 = count(lambda: client.get(url, {"limit": 20}), API_DIRECTORY_QUERIES)
    large, page100 = count(lambda: client.get(url, {"limit": 100}), API_DIRECTORY_QUERIES)
    assert len(page20.json()["results"]) == 20 and len(page100.json()["results"]) == 100
    assert small == large <= API_LIST_QUERIES, (small, large)
