"""Keyset pagination (bastion.kernel.pagination) on real directory queries."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.directory import selectors
from bastion.directory.models import Contact
from bastion.directory.tests.factories import CompanyFactory, ContactFactory, UserFactory, bulk_contacts
from bastion.kernel import pagination
from bastion.kernel.access.roles import Role
from bastion.kernel.pagination import PageRequest, PaginationError, parse_page_request
from bastion.kernel.testing import query_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Any:
    return UserFactory(username="boss", role=Role.ADMINISTRATOR)


@pytest.fixture
def many(admin: Any) -> list[Any]:
    """137 contacts; the bulk generator repeats names, so the sort key has many ties."""
    bulk_contacts(137, seed=7)
    return list(Contact.objects.order_by("sort_name", "id").values_list("id", flat=True))


def request(params: dict[str, str]) -> PageRequest:
    return parse_page_request(params, orderings=selectors.CONTACT_ORDERINGS, default_ordering="name")


def page_of(user: Any, **params: str) -> Any:
    return selectors.contact_page(user, selectors.ContactFilters(), request(params))


def walk(user: Any, ordering: str, limit: int) -> tuple[list[Any], list[Any]]:
    """Every page forward, then every page back; returns the rows of each walk in list order."""
    forward: list[list[Any]] = []
    page = page_of(user, ordering=ordering, limit=str(limit))
    forward.append([row.pk for row in page])
    while page.next_cursor:
        page = page_of(user, ordering=ordering, limit=str(limit), cursor=page.next_cursor)
        forward.append([row.pk for row in page])
    backward = [[row.pk for row in page]]
    while page.previous_cursor:
        page = page_of(user, ordering=ordering, limit=str(limit), cursor=page.previous_cursor)
        backward.insert(0, [row.pk for row in page])
    assert page.is_first
    return [pk for rows in forward for pk in rows], [pk for rows in backward for pk in rows]


@pytest.mark.parametrize("ordering", ["name", "-name", "created", "-updated"])
def test_walks_every_row_once_in_order_both_ways(admin: Any, many: list[Any], ordering: str) -> None:
    field = selectors.CONTACT_ORDERINGS[ordering.lstrip("-")]
    sign = "-" if ordering.startswith("-") else ""
    expected = list(Contact.objects.order_by(f"{sign}{field}", f"{sign}id").values_list("id", flat=True))
    forward, backward = walk(admin, ordering, limit=10)
    assert forward == expected
    assert backward == expected


def test_ties_are_broken_by_id_and_stable(admin: Any, many: list[Any]) -> None:
    ContactFactory.create_batch(30, given_name="Sam", family_name="Lee", emails=[], phones=[])  # 30 equal sort keys
    expected = list(Contact.objects.order_by("sort_name", "id").values_list("id", flat=True))
    for ordering in ("name", "-name"):
        forward, backward = walk(admin, ordering, limit=7)  # page breaks fall inside the ties
        assert len(forward) == len(set(forward)) == len(expected)
        assert forward == backward
    assert walk(admin, "name", limit=7)[0] == expected


def test_first_and_last_pages(admin: Any, many: list[Any]) -> None:
    first = page_of(admin)
    assert len(first) == pagination.DEFAULT_LIMIT and first.is_first
    assert first.previous_cursor is None and first.next_cursor
    page = page_of(admin, limit="100", cursor=page_of(admin, limit="100").next_cursor or "")
    assert len(page) == 37 and page.next_cursor is None and page.previous_cursor


def _shape(sql: str) -> str:
    """SQL with its literal values blanked: two queries of the same shape compare equal."""
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)


def test_deep_page_runs_the_same_query_as_page_two(admin: Any, many: list[Any]) -> None:
    cursors = [page_of(admin, limit="10").next_cursor]
    for _ in range(10):
        cursors.append(page_of(admin, limit="10", cursor=cursors[-1]).next_cursor)
    shapes = []
    for cursor in (cursors[0], cursors[-2]):  # page 2 and page 11
        with CaptureQueriesContext(connection) as queries:
            page_of(admin, limit="10", cursor=cursor)
        main = queries.captured_queries[0]["sql"]
        shapes.append(_shape(main))
        assert "OFFSET" not in main.upper()
        assert all("COUNT(" not in q["sql"].upper() for q in queries.captured_queries)
        assert re.search(r'\("directory_contact"\."sort_name", "directory_contact"\."id"\) > \(', main), main
    assert shapes[0] == shapes[1]


def test_deep_page_seeks_the_sort_index(admin: Any, many: list[Any]) -> None:
    cursor = page_of(admin, limit="50").next_cursor
    queryset = selectors.contact_list(admin, selectors.ContactFilters())
    decoded = pagination._decode_cursor(cursor or "", request({}).ordering, Contact)
    query = queryset.filter(pagination._after(Contact, request({}).ordering, decoded)).order_by("sort_name", "pk")[:21]
    # A test table is tiny, so make PostgreSQL's planner show what it does at 100,000 rows:
    # walk the index in order from the cursor, without sorting.
    plan = query_plan(query, turned_off=("enable_seqscan", "enable_sort", "enable_bitmapscan"))
    if connection.vendor == "postgresql":
        assert re.search(r"Index Scan using dir_contact_name on directory_contact", plan), plan
        assert re.search(r"Index Cond: \(ROW\(\(?sort_name\)?(::text)?, id\) > ROW\(", plan), plan
        assert "Sort" not in plan and "disabled" not in plan.lower(), plan
    else:
        assert "SEARCH directory_contact USING INDEX dir_contact_name ((sort_name,id)>(?,?))" in plan, plan
        assert "TEMP B-TREE" not in plan, plan  # rows come in index order


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        "AQ",  # the version byte alone
        base64.urlsafe_b64encode(json.dumps({"o": "name", "v": "a", "k": "x", "b": 0}).encode()).decode(),  # not sealed
    ],
)
def test_malformed_cursors_are_refused(admin: Any, many: list[Any], cursor: str) -> None:
    with pytest.raises(PaginationError) as caught:
        page_of(admin, cursor=cursor)
    assert caught.value.param == "cursor"
    assert "damaged" in caught.value.message


def test_a_tampered_cursor_is_refused(admin: Any, many: list[Any]) -> None:
    good = page_of(admin).next_cursor or ""
    for position in (2, len(good) // 2, len(good) - 2):
        flipped = good[:position] + ("A" if good[position] != "A" else "B") + good[position + 1 :]
        with pytest.raises(PaginationError, match="damaged"):
            page_of(admin, cursor=flipped)


def test_overlong_cursor_is_refused_before_decoding(admin: Any) -> None:
    with pytest.raises(PaginationError, match="damaged"):
        page_of(admin, cursor="A" * 5000)


def test_cursor_of_another_sort_order_is_refused(admin: Any, many: list[Any]) -> None:
    cursor = page_of(admin, ordering="created").next_cursor or ""
    with pytest.raises(PaginationError, match="another sort order"):
        page_of(admin, ordering="name", cursor=cursor)


def test_cursor_with_wrong_value_types_is_refused(admin: Any, many: list[Any]) -> None:
    ordering = request({"ordering": "updated"}).ordering
    sealed = pagination.encode_cursor(ordering, "not a date", "also not a uuid")
    with pytest.raises(PaginationError, match="damaged"):
        page_of(admin, ordering="updated", cursor=sealed)


def test_cursors_hide_the_values_they_carry(admin: Any, many: list[Any]) -> None:
    cursor = page_of(admin, ordering="name").next_cursor or ""
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    last = page_of(admin, ordering="name").items[-1]
    assert last.sort_name.encode() not in raw  # the last row's name is sealed


def test_email_is_not_a_sort_order(admin: Any) -> None:
    """Emails are encrypted (restricted): no plain copy exists to sort on."""
    with pytest.raises(PaginationError, match="Sort by one of"):
        page_of(admin, ordering="email")


def test_cursor_from_a_rotated_secret_key_still_works(admin: Any, many: list[Any], settings: Any) -> None:
    cursor = page_of(admin, limit="5").next_cursor or ""
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50
    with pytest.raises(PaginationError):
        page_of(admin, limit="5", cursor=cursor)
    settings.SECRET_KEY_FALLBACKS = [old]
    assert len(page_of(admin, limit="5", cursor=cursor)) == 5


def test_paging_survives_the_cursor_row_being_deleted(admin: Any, many: list[Any]) -> None:
    first = page_of(admin, limit="10")
    Contact.objects.filter(pk=first.items[-1].pk).delete()
    second = page_of(admin, limit="10", cursor=first.next_cursor or "")
    assert [row.pk for row in second] == many[10:20]


def test_previous_page_of_deleted_rows_falls_back_to_the_first_page(admin: Any, many: list[Any]) -> None:
    second = page_of(admin, limit="10", cursor=page_of(admin, limit="10").next_cursor or "")
    Contact.objects.filter(pk__in=many[:10]).delete()
    back = page_of(admin, limit="10", cursor=second.previous_cursor or "")
    assert back.is_first and [row.pk for row in back] == many[10:20]


def test_previous_page_of_deleted_search_rows_falls_back_to_the_searchs_first_page(admin: Any, many: list[Any]) -> None:
    """The fallback keeps the search: it shows the first page of the matches, never of everything."""
    search = selectors.ContactFilters(q="w")
    matching = Contact.objects.filter(selectors._contact_search("w")).order_by("sort_name", "id")
    matches = list(matching.values_list("id", flat=True))
    assert 8 < len(matches) < len(many)
    first = selectors.contact_page(admin, search, request({"limit": "4"}))
    second = selectors.contact_page(admin, search, request({"limit": "4", "cursor": first.next_cursor or ""}))
    Contact.objects.filter(pk__in=matches[:4]).delete()
    back = selectors.contact_page(admin, search, request({"limit": "4", "cursor": second.previous_cursor or ""}))
    assert back.is_first and [row.pk for row in back] == matches[4:8]


@pytest.mark.parametrize(
    ("params", "param", "message"),
    [
        ({"limit": "0"}, "limit", "from 1 to 100"),
        ({"limit": "101"}, "limit", "from 1 to 100"),
        ({"limit": "ten"}, "limit", "whole number"),
        ({"limit": "-5"}, "limit", "from 1 to 100"),
        ({"ordering": "password"}, "ordering", "created, name, updated"),
        ({"ordering": "--name"}, "ordering", "Sort by one of"),
    ],
)
def test_bad_page_parameters_are_explained(params: dict[str, str], param: str, message: str) -> None:
    with pytest.raises(PaginationError) as caught:
        request(params)
    assert caught.value.param == param
    assert message in caught.value.message


def test_page_size_bounds() -> None:
    assert request({}).limit == 20
    assert request({"limit": "100"}).limit == 100
    assert request({"ordering": "-updated"}).ordering.param == "-updated"


def _pages(queryset: Any, ordering: str, *, ids_first: bool, any_of: Any = ()) -> tuple[list[list[Any]], list[list[Any]]]:
    """Every page forward, then every page back, as lists of primary keys."""
    params = {"ordering": ordering, "limit": "7"}
    page = pagination.paginate(queryset, request(params), ids_first=ids_first, any_of=any_of)
    forward = [[row.pk for row in page]]
    while page.next_cursor:
        cursor = {"cursor": page.next_cursor}
        page = pagination.paginate(queryset, request({**params, **cursor}), ids_first=ids_first, any_of=any_of)
        forward.append([row.pk for row in page])
    backward = [[row.pk for row in page]]
    while page.previous_cursor:
        cursor = {"cursor": page.previous_cursor}
        page = pagination.paginate(queryset, request({**params, **cursor}), ids_first=ids_first, any_of=any_of)
        backward.insert(0, [row.pk for row in page])
    return forward, backward


@pytest.mark.parametrize("ordering", ["name", "-name", "created"])
def test_ids_first_pages_are_the_same_pages(admin: Any, many: list[Any], ordering: str) -> None:
    """A name search finds its page's keys first (paginate(ids_first=True)): the same pages both ways, scoped."""
    rep = UserFactory(username="rep", role=Role.SALES_REP)
    Contact.objects.filter(pk__in=many[::3]).update(owner=rep)  # the rep sees a third of them
    for user in (admin, rep):
        queryset = selectors.contact_list(user, selectors.ContactFilters(q="w"))
        field = selectors.CONTACT_ORDERINGS[ordering.lstrip("-")]
        sign = "-" if ordering.startswith("-") else ""
        expected = list(queryset.order_by(f"{sign}{field}", f"{sign}id").values_list("id", flat=True))
        plain = _pages(queryset, ordering, ids_first=False)
        keys_first = _pages(queryset, ordering, ids_first=True)
        assert keys_first == plain
        # Each alternative of the name search on its own, then their union (contact_page's way on PostgreSQL).
        unsearched = selectors.contact_list(user, selectors.ContactFilters())
        assert _pages(unsearched, ordering, ids_first=True, any_of=selectors.name_search_branches("w")) == plain
        forward, backward = keys_first
        assert [pk for rows in forward for pk in rows] == expected == [pk for rows in backward for pk in rows]
        assert 0 < len(expected) < len(many)
        if user is rep:
            assert set(expected) <= set(many[::3])
    page = selectors.contact_page(admin, selectors.ContactFilters(q="w"), request({"limit": "5"}))
    assert len(page.items) == 5 and all(row.visible_tags == [] for row in page)


def test_a_name_search_finds_its_keys_per_alternative_where_the_database_can(admin: Any, many: list[Any]) -> None:
    """On PostgreSQL the page's keys are the union of each alternative's first keys (one query, no OR
    for the planner to walk the name index with); elsewhere one query with the OR. Same rows either way."""
    both: Any = ContactFactory(given_name="Wanda", family_name="Wong")  # matches both alternatives
    both = both.pk
    with CaptureQueriesContext(connection) as queries:
        page = selectors.contact_page(admin, selectors.ContactFilters(q="W"), request({"limit": "5"}))
    rows_query = queries.captured_queries[0]["sql"]
    assert ("UNION" in rows_query) is connection.features.supports_slicing_ordering_in_compound
    assert rows_query.count("LIMIT") == (3 if connection.features.supports_slicing_ordering_in_compound else 2)
    matching = Contact.objects.filter(selectors._contact_search("W")).order_by("sort_name", "id")
    assert [row.pk for row in page] == list(matching.values_list("id", flat=True)[:5])
    walked = _pages(selectors.contact_list(admin, selectors.ContactFilters(q="W")), "name", ids_first=True)
    assert [pk for rows in walked[0] for pk in rows] == list(matching.values_list("id", flat=True))
    assert [pk for rows in walked[0] for pk in rows].count(both) == 1


@pytest.fixture
def companies() -> list[Any]:
    """40 companies: a third named 'Wren …', a third at a 'wren…' domain, some both, ties in name."""
    made = []
    for n in range(40):
        name = f"Wren {n % 7}" if n % 3 == 0 else f"Alder {n % 5}"
        domain = f"wren{n}.example" if n % 3 in (0, 1) and n % 2 else f"other{n}.example"
        made.append(CompanyFactory(name=name, domain=domain))
    return made


def company_request(params: dict[str, str]) -> PageRequest:
    return parse_page_request(params, orderings=selectors.COMPANY_ORDERINGS, default_ordering="name")


def _company_pages(queryset: Any, ordering: str, **options: Any) -> list[Any]:
    """Every company page forward then back (limit 4), as one list per direction of primary keys."""
    params = {"ordering": ordering, "limit": "4"}
    page = pagination.paginate(queryset, company_request(params), **options)
    forward = [row.pk for row in page]
    while page.next_cursor:
        page = pagination.paginate(queryset, company_request({**params, "cursor": page.next_cursor}), **options)
        forward += [row.pk for row in page]
    backward = [row.pk for row in page]
    while page.previous_cursor:
        page = pagination.paginate(queryset, company_request({**params, "cursor": page.previous_cursor}), **options)
        backward = [row.pk for row in page] + backward
    return [forward, backward]


@pytest.mark.parametrize("ordering", ["name", "-name", "domain", "-created"])
def test_a_company_search_pages_its_name_and_domain_alternatives_as_one(admin: Any, companies: list[Any], ordering: str) -> None:
    """A company search (name or domain starts with the text) pages like the plain OR query, both ways,
    with each company once, though on PostgreSQL each alternative's keys are found on their own."""
    searched = selectors.company_list(admin, selectors.CompanyFilters(q="wren"))
    field = selectors.COMPANY_ORDERINGS[ordering.lstrip("-")]
    sign = "-" if ordering.startswith("-") else ""
    expected = list(searched.order_by(f"{sign}{field}", f"{sign}id").values_list("id", flat=True))
    by_name = {company.pk for company in companies if company.name.startswith("Wren")}
    by_domain = {company.pk for company in companies if company.domain.startswith("wren")}
    assert set(expected) == by_name | by_domain and by_name - by_domain and by_domain - by_name and by_name & by_domain
    unsearched = selectors.company_list(admin, selectors.CompanyFilters())
    branches = selectors.company_search_branches("wren")
    assert _company_pages(searched, ordering) == [expected, expected]
    assert _company_pages(unsearched, ordering, ids_first=True, any_of=branches) == [expected, expected]
    with CaptureQueriesContext(connection) as queries:
        page = selectors.company_page(admin, selectors.CompanyFilters(q="wren"), company_request({"ordering": ordering}))
    assert [row.pk for row in page] == expected[: page.limit]
    assert ("UNION" in queries.captured_queries[0]["sql"]) is connection.features.supports_slicing_ordering_in_compound


def test_a_company_search_by_email_address_matches_the_domain_only(admin: Any, companies: list[Any]) -> None:
    """An email address finds the companies at exactly its domain: one alternative, no union."""
    target = next(company for company in companies if company.domain.startswith("wren"))
    with CaptureQueriesContext(connection) as queries:
        page = selectors.company_page(admin, selectors.CompanyFilters(q=f"Ana@{target.domain.upper()}"), company_request({}))
    assert [row.pk for row in page] == [target.pk]
    assert "UNION" not in queries.captured_queries[0]["sql"]
    results = selectors.search_directory(admin, "wren", limit=3)
    assert len(results.companies) == 3 and results.more_companies
