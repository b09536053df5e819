"""Selectors: scoping (who sees what), search, filters, and index use."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.directory import actions, selectors
from bastion.directory.models import Contact
from bastion.directory.tests.factories import CompanyFactory, ContactFactory, TagFactory
from bastion.kernel.pagination import PageRequest, parse_ordering
from bastion.kernel.testing import query_plan

pytestmark = pytest.mark.django_db


def names(page: Any) -> list[str]:
    return [getattr(row, "display_name", None) or row.name for row in page.items]


def first_page(ordering: str = "name", limit: int = 50) -> PageRequest:
    return PageRequest(ordering=parse_ordering(ordering, selectors.CONTACT_ORDERINGS, "name"), limit=limit)


def company_request(limit: int = 50) -> PageRequest:
    return PageRequest(ordering=parse_ordering("name", selectors.COMPANY_ORDERINGS, "name"), limit=limit)


@pytest.mark.parametrize("who", ["admin", "rep_east", "sales_manager"])
def test_the_team_its_manager_and_administrators_see_the_teams_records(
    personas: Any, who: str, company: Any, contact: Any
) -> None:
    user = getattr(personas, who)
    assert names(selectors.company_page(user, selectors.CompanyFilters(), company_request())) == ["Acme Ltd"]
    assert names(selectors.contact_page(user, selectors.ContactFilters(), first_page())) == ["Alice Smith"]
    assert selectors.search_directory(user, "acme").companies == [company]


@pytest.mark.parametrize("who", ["rep_west", "service_agent", "marketer"])
def test_other_teams_see_none_of_them(personas: Any, who: str, company: Any, contact: Any) -> None:
    user = getattr(personas, who)
    assert selectors.company_page(user, selectors.CompanyFilters(), company_request()).items == []
    assert selectors.contact_page(user, selectors.ContactFilters(), first_page()).items == []
    assert selectors.search_directory(user, "alice.smith@acme.example").contacts == []
    assert selectors.company_suggestions(user, "ac") == [] and selectors.companies_named(user, "Acme Ltd") == []


def test_read_only_role_reads_its_teams_records(read_only: Any, company: Any, contact: Any) -> None:
    assert names(selectors.contact_page(read_only, selectors.ContactFilters(), first_page())) == ["Alice Smith"]


@pytest.mark.parametrize("who", ["auditor", "outsider"])
def test_auditor_and_outsider_see_nothing(personas: Any, who: str, company: Any, contact: Any) -> None:
    user = getattr(personas, who)
    assert selectors.company_page(user, selectors.CompanyFilters(), company_request()).items == []
    assert selectors.contact_page(user, selectors.ContactFilters(), first_page()).items == []
    results = selectors.search_directory(user, "alice.smith@acme.example")
    assert results.companies == [] and results.contacts == []
    assert selectors.search_directory(user, "a").contacts == []
    assert selectors.company_suggestions(user, "ac") == []
    assert selectors.companies_named(user, "Acme Ltd") == []
    assert selectors.tags_in_use(user) == []


def test_inactive_users_see_nothing(personas: Any, contact: Any) -> None:
    personas.rep_east.is_active = False
    personas.rep_east.save()
    assert selectors.contact_page(personas.rep_east, selectors.ContactFilters(), first_page()).items == []


@pytest.fixture
def people(personas: Any) -> dict[str, Any]:
    acme = CompanyFactory(name="Acme Ltd", industry="technology", size="11-50", owner=personas.rep_east)
    globex = CompanyFactory(name="Globex", industry="finance", size="1000+", owner=personas.rep_west)
    CompanyFactory(name="上海星辰科技有限公司", domain="xingchen.example", industry="technology", size="51-200")
    vip = TagFactory(name="VIP")
    return {
        "acme": acme,
        "globex": globex,
        "alice": ContactFactory(given_name="Alice", family_name="Smith", company=acme, owner=personas.rep_east, tags=[vip]),
        "bob": ContactFactory(given_name="Bob", family_name="Smithers", company=globex, emails=["Bob@Globex.example"]),
        "wei": ContactFactory(given_name="伟", family_name="王", preferred_language="zh-hans", company=acme),
        "jose": ContactFactory(given_name="José", family_name="Álvarez", owner=personas.rep_west),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("smith", ["Alice Smith", "Bob Smithers"]),  # family name prefix
        ("SMITH, al", ["Alice Smith"]),  # "family, given"
        ("alice s", ["Alice Smith"]),  # "given family"
        ("bo", ["Bob Smithers"]),
        ("王", ["王伟"]),
        ("王伟", ["王伟"]),
        ("jose alv", ["José Álvarez"]),  # accents ignored
        ("bob@globex.example", ["Bob Smithers"]),  # exact email, any case
        ("BOB@GLOBEX.EXAMPLE ", ["Bob Smithers"]),
        ("bob@globex", []),  # emails match whole, not by prefix
        ("mith", []),  # prefix search, not substring
        ("", ["José Álvarez", "Alice Smith", "Bob Smithers", "王伟"]),  # by family name
    ],
)
def test_contact_search(personas: Any, people: Any, query: str, expected: list[str]) -> None:
    page = selectors.contact_page(personas.admin, selectors.ContactFilters(q=query), first_page())
    assert names(page) == expected


def test_contact_filters(personas: Any, people: Any) -> None:
    def found(**kwargs: Any) -> list[str]:
        return names(selectors.contact_page(personas.admin, selectors.ContactFilters(**kwargs), first_page()))

    assert found(company_id=people["acme"].pk) == ["Alice Smith", "王伟"]
    assert found(owner_id=personas.rep_west.pk) == ["José Álvarez"]
    assert found(tag="vip") == ["Alice Smith"]
    assert found(preferred_language="zh-hans") == ["王伟"]
    assert found(q="smith", company_id=people["globex"].pk) == ["Bob Smithers"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"q": "ac"}, ["Acme Ltd"]),
        ({"q": "xingchen"}, ["上海星辰科技有限公司"]),  # domain prefix
        ({"q": "上海星辰"}, ["上海星辰科技有限公司"]),
        ({"q": "someone@globex.example"}, []),
        ({"industry": "technology"}, ["Acme Ltd", "上海星辰科技有限公司"]),
        ({"size": "1000+"}, ["Globex"]),
        ({"owner_id": "rep_west"}, ["Globex"]),
    ],
)
def test_company_search_and_filters(personas: Any, people: Any, filters: dict[str, Any], expected: list[str]) -> None:
    if filters.get("owner_id"):
        filters["owner_id"] = getattr(personas, filters["owner_id"]).pk
    page = selectors.company_page(personas.admin, selectors.CompanyFilters(**filters), company_request())
    assert names(page) == expected


def test_company_search_by_email_domain(personas: Any, people: Any) -> None:
    domain = people["globex"].domain
    page = selectors.company_page(personas.admin, selectors.CompanyFilters(q=f"anyone@{domain}"), company_request())
    assert names(page) == ["Globex"]


def test_search_directory_limits_and_flags_more(personas: Any) -> None:
    for i in range(12):
        actions.create_contact(personas.admin, {"given_name": f"Kim{i:02}", "family_name": "Lee"})
    results = selectors.search_directory(personas.admin, "lee", limit=10)
    assert len(results.contacts) == 10 and results.more_contacts
    assert results.companies == [] and not results.more_companies
    assert selectors.search_directory(personas.admin, "   ").contacts == []


def test_one_email_lookup_function(personas: Any, people: Any) -> None:
    assert selectors.contact_ids_with_email(" BOB@globex.EXAMPLE") == [people["bob"].pk]
    assert selectors.contact_ids_with_email("nobody@globex.example") == []


def test_companies_named_and_suggestions(personas: Any, people: Any) -> None:
    assert selectors.companies_named(personas.admin, "acme ltd") == [people["acme"]]
    assert [c.name for c in selectors.company_suggestions(personas.admin, "a")] == ["Acme Ltd"]
    assert selectors.company_suggestions(personas.admin, "") == []


def test_assignable_owners_are_active_colleagues_who_may_write(personas: Any, read_only: Any) -> None:
    usernames = set(selectors.assignable_owners().values_list("username", flat=True))
    assert usernames == {"admin", "rep_east", "rep_west", "sales_manager", "service_agent", "marketer"}


@pytest.mark.parametrize(
    ("query", "indexes"),
    [
        ("smi", ["dir_contact_name", "dir_contact_given_name"]),
        ("王", ["dir_contact_name", "dir_contact_given_name"]),
    ],
)
def test_name_search_uses_indexes(personas: Any, people: Any, query: str, indexes: list[str]) -> None:
    queryset = Contact.objects.visible_to(personas.admin).filter(selectors._contact_search(query))
    plan = query_plan(queryset)
    for index in indexes:
        assert index in plan, plan
    assert "SCAN directory_contact" not in plan  # SQLite: no full table scan
    assert "Seq Scan" not in plan  # PostgreSQL


def test_email_search_looks_up_the_blind_index_then_primary_keys(personas: Any, people: Any) -> None:
    queryset = Contact.objects.visible_to(personas.admin).filter(selectors._contact_search("bob@globex.example"))
    plan = query_plan(queryset)
    assert "Seq Scan" not in plan and "SCAN directory_contact" not in plan, plan  # a primary-key lookup
    assert list(queryset) == [people["bob"]]
