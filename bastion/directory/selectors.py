"""Every read of companies and contacts, always starting from ``objects.visible_to(user)``.

Lists return a keyset :class:`~bastion.kernel.pagination.Page`, load only the columns a list
shows, and fetch related rows with joins or one prefetch, so a page costs the same few
queries whatever its size or depth.

Emails and phones are encrypted: they are found through their blind indexes in the key store
(:func:`contact_ids_with_email`, :func:`contact_ids_with_phone`), whose candidates are decrypted
to drop the false positives that truncation creates on purpose. They cannot be sorted.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet

from bastion.directory.models import EMAIL_SCOPE, PHONE_SCOPE, Company, Contact, ContactEmail, ContactPhone, Tag
from bastion.directory.names import prefix_successor, query_key
from bastion.kernel.access.roles import CUSTOMER_WRITE_ROLES
from bastion.kernel.crypto import blind
from bastion.kernel.crypto.fields import is_erased
from bastion.kernel.pagination import Ordering, Page, PageRequest, SearchBranch, matching_any, paginate

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

# Public sort key → model field. Every field here has a (field, id) index (see models.py).
COMPANY_ORDERINGS = {"name": "name_key", "domain": "domain", "created": "created_at", "updated": "updated_at"}
# Not email: emails are encrypted (restricted), and a sortable copy would be a plain-text leak.
CONTACT_ORDERINGS = {"name": "sort_name", "created": "created_at", "updated": "updated_at"}
DEFAULT_COMPANY_ORDERING = "name"
DEFAULT_CONTACT_ORDERING = "name"
CONTACT_BY_NAME = Ordering(key="name", field=CONTACT_ORDERINGS["name"])
COMPANY_BY_NAME = Ordering(key="name", field=COMPANY_ORDERINGS["name"])
_Filters = TypeVar("_Filters", bound="DataclassInstance")  # a list's filters: a dataclass with a text search ``q``
_Row = TypeVar("_Row", bound=Any)

_OWNER_COLUMNS = ("owner__id", "owner__username", "owner__first_name", "owner__last_name")
COMPANY_LIST_COLUMNS = (
    "id", "name", "domain", "industry", "size", "city", "country", "updated_at", "created_at", "name_key", "owner", "team",
    *_OWNER_COLUMNS,
)  # fmt: skip
CONTACT_LIST_COLUMNS = (
    "id", "given_name", "family_name", "preferred_language", "lifecycle_stage", "job_title", "primary_email", "primary_phone",
    "sort_name", "created_at", "updated_at", "erased_at", "company", "company__id", "company__name", "owner", "team",
    *_OWNER_COLUMNS,
)  # fmt: skip
_PHONE_QUERY = re.compile(r"\+?[\d\s().\-/]+")
MIN_PHONE_DIGITS = 5


@dataclass(frozen=True)
class CompanyFilters:
    q: str = ""
    industry: str = ""
    size: str = ""
    owner_id: int | None = None


@dataclass(frozen=True)
class ContactFilters:
    q: str = ""
    company_id: uuid.UUID | None = None
    owner_id: int | None = None
    tag: str = ""
    preferred_language: str = ""


@dataclass
class SearchResults:
    """What the search page shows: a few companies, contacts, deals and leads, and whether there are more.

    Deals and leads are filled in by ``sales.selectors_search`` (the sales app builds on this one).
    """

    query: str
    companies: list[Company] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    deals: list[Any] = field(default_factory=list)
    leads: list[Any] = field(default_factory=list)
    more_companies: bool = False
    more_contacts: bool = False
    more_deals: bool = False
    more_leads: bool = False


def prefix_match(column: str, text: str) -> Q:
    """Rows whose key ``column`` (a byte-ordered KeyField) starts with ``text`` (already a key).

    Written as the range ``column >= text AND column < successor(text)``, which a btree
    index seeks on both databases. Not ``LIKE 'text%'``: SQLite's LIKE ignores ASCII case
    and cannot use a plain index, and a leading-wildcard LIKE can use none anywhere.
    """
    upper = prefix_successor(text)
    condition = Q(**{f"{column}__gte": text})
    return condition & Q(**{f"{column}__lt": upper}) if upper is not None else condition


def is_phone_query(text: str) -> bool:
    """Whether a search box value is a phone number (digits, spaces, + ( ) - . /, at least 5 digits)."""
    text = text.strip()
    return bool(_PHONE_QUERY.fullmatch(text)) and len(re.sub(r"\D", "", text)) >= MIN_PHONE_DIGITS


def contact_ids_with_email(email: str) -> list[uuid.UUID]:
    """Ids of contacts that have ``email`` (exact, ignoring case), through the blind index: the one email lookup.

    The index gives candidates; their addresses are decrypted and compared, which drops the false
    positives. Callers filter an already scoped contact query with the result.
    """
    wanted = blind.normalize_email(email)
    candidates = blind.lookup(EMAIL_SCOPE, wanted)
    if not candidates:
        return []
    rows = ContactEmail.objects.filter(contact_id__in=candidates).only("id", "contact_id", "address")
    return sorted({row.contact_id for row in rows if not is_erased(row.address) and blind.normalize_email(row.address) == wanted})


def _ids_with_many(scope: str, model: Any, attribute: str, normalize: Any, values: Any) -> dict[str, set[uuid.UUID]]:
    wanted = {normalize(value) for value in values} - {""}
    candidates = blind.lookup_many(scope, wanted)
    found: dict[str, set[uuid.UUID]] = {value: set() for value in wanted}
    persons = sorted({person for people in candidates.values() for person in people})
    for start in range(0, len(persons), 500):
        rows = model.objects.filter(contact_id__in=persons[start : start + 500]).only("id", "contact_id", attribute)
        for row in rows:
            value = getattr(row, attribute)
            if is_erased(value):
                continue
            key = normalize(value)
            if key in found and row.contact_id in candidates[key]:
                found[key].add(row.contact_id)
    return found


def contact_ids_with_emails(emails: Iterable[str]) -> dict[str, set[uuid.UUID]]:
    """:func:`contact_ids_with_email` for many addresses at once: normalised address → ids (one index query per 500)."""
    return _ids_with_many(EMAIL_SCOPE, ContactEmail, "address", blind.normalize_email, emails)


def contact_ids_with_phones(numbers: Iterable[str]) -> dict[str, set[uuid.UUID]]:
    """:func:`contact_ids_with_phone` for many numbers at once: normalised number → ids."""
    return _ids_with_many(PHONE_SCOPE, ContactPhone, "number", blind.normalize_phone, numbers)


def contact_ids_with_phone(number: str) -> list[uuid.UUID]:
    """Ids of contacts with the phone ``number`` (digits compared, extension ignored), through the blind index."""
    wanted = blind.normalize_phone(number)
    candidates = blind.lookup(PHONE_SCOPE, wanted)
    if not candidates:
        return []
    rows = ContactPhone.objects.filter(contact_id__in=candidates).only("id", "contact_id", "number")
    return sorted({row.contact_id for row in rows if not is_erased(row.number) and blind.normalize_phone(row.number) == wanted})


LIST_TAGS = "visible_tags"  # where list rows keep their tags: a plain list, read by the list pages, API and exports


def _tags_prefetch(user: Any) -> Prefetch:
    """The tags ``user`` may see, as a list on each row (``LIST_TAGS``).

    A list rather than the ``tags`` manager's cache: Django builds a manager and a queryset per
    row for the latter, which cost more than the query itself on a 20-row page.
    """
    return Prefetch("tags", queryset=Tag.objects.visible_to(user).only("id", "name"), to_attr=LIST_TAGS)


# --- companies -------------------------------------------------------------------------


def company_queryset(user: Any) -> QuerySet[Company, Company]:
    """Companies ``user`` may see, nothing loaded yet."""
    return Company.objects.visible_to(user)


def company_search_branches(text: str) -> tuple[SearchBranch, ...]:
    """A company search's alternatives: its name starts with ``text``, or its domain does (a
    leading ``www.`` ignored); for an email address, the one alternative of its domain."""
    key = query_key(text)
    if not key:
        return ()
    if "@" in key:  # an email address: match its domain
        return (SearchBranch(Q(domain=key.rsplit("@", 1)[1]), "domain"),)
    return (
        SearchBranch(prefix_match("name_key", key), "name_key"),
        SearchBranch(prefix_match("domain", key.removeprefix("www.")), "domain"),
    )


def company_list(user: Any, filters: CompanyFilters) -> QuerySet[Company, Company]:
    """Visible companies matching ``filters``, with only the columns the list shows."""
    queryset = company_queryset(user).filter(matching_any(company_search_branches(filters.q)))
    if filters.industry:
        queryset = queryset.filter(industry=filters.industry)
    if filters.size:
        queryset = queryset.filter(size=filters.size)
    if filters.owner_id is not None:
        queryset = queryset.filter(owner_id=filters.owner_id)
    return queryset.select_related("owner").only(*COMPANY_LIST_COLUMNS).prefetch_related(_tags_prefetch(user))


def company_page(user: Any, filters: CompanyFilters, page: PageRequest, *, tags: bool = True) -> Page[Company]:
    """One keyset page of :func:`company_list` (raises PaginationError for a bad cursor); a
    search's alternatives (name, domain) are paged as a contact's name search is."""
    return searched_page(company_list, user, filters, page, company_search_branches(filters.q), tags=tags)


# --- contacts ----------------------------------------------------------------------------


def contact_queryset(user: Any) -> QuerySet[Contact, Contact]:
    """Contacts ``user`` may see, nothing loaded yet."""
    return Contact.objects.visible_to(user)


def _contact_search(text: str) -> Q:
    key = query_key(text)
    if not key:
        return Q()
    if "@" in key:
        return Q(id__in=contact_ids_with_email(text))
    if is_phone_query(text):
        return Q(id__in=contact_ids_with_phone(text))
    return matching_any(name_search_branches(text))


def contact_list(user: Any, filters: ContactFilters) -> QuerySet[Contact, Contact]:
    """Visible contacts matching ``filters``, with only the columns the list shows."""
    queryset = contact_queryset(user).filter(_contact_search(filters.q))
    if filters.company_id is not None:
        queryset = queryset.filter(company_id=filters.company_id)
    if filters.owner_id is not None:
        queryset = queryset.filter(owner_id=filters.owner_id)
    if filters.tag:
        queryset = queryset.filter(tags__key=query_key(filters.tag))
    if filters.preferred_language:
        queryset = queryset.filter(preferred_language=filters.preferred_language)
    queryset = queryset.select_related("company", "owner").only(*CONTACT_LIST_COLUMNS)
    return queryset.prefetch_related(_tags_prefetch(user))


def contact_page(user: Any, filters: ContactFilters, page: PageRequest, *, tags: bool = True) -> Page[Contact]:
    """One keyset page of :func:`contact_list` (raises PaginationError for a bad cursor).

    A name search matches on two columns (family name first, given name first) and the page is
    in name order: the page's keys are found first, for each column on its own where the
    database allows, so that only the page's rows are read and joined (kernel.pagination.paginate).
    """
    branches = name_search_branches(filters.q)
    # An email or phone search has no alternatives but matches few rows out of name order too.
    return searched_page(contact_list, user, filters, page, branches, tags=tags, ids_first=bool(filters.q.strip()))


def searched_page(
    rows_of: Callable[[Any, _Filters], QuerySet[_Row, _Row]],
    user: Any,
    filters: _Filters,
    page: PageRequest,
    branches: tuple[SearchBranch, ...],
    *,
    tags: bool = True,
    ids_first: bool | None = None,
) -> Page[_Row]:
    """One keyset page of ``rows_of(user, filters)``, whose text search ``filters.q`` has the
    alternatives ``branches``: the rows are listed without the search and ``paginate`` finds the
    page's keys first, per alternative where the database allows. ``tags=False`` drops the
    lists' tag prefetch (the search page shows none); ``ids_first`` defaults to "a search with
    alternatives"."""
    queryset = rows_of(user, replace(filters, q="") if branches else filters)
    if not tags:
        queryset = queryset.prefetch_related(None)
    return paginate(queryset, page, ids_first=bool(branches) if ids_first is None else ids_first, any_of=branches)


def name_search_branches(text: str) -> tuple[SearchBranch, ...]:
    """A person's name search (a contact's or a lead's): its two alternatives, family name first
    (``sort_name``) or given name first (``name_search``), as the searches OR them; none when
    ``text`` is an email address, a phone number or empty."""
    key = query_key(text)
    if not key or "@" in key or is_phone_query(text):
        return ()
    return (
        SearchBranch(prefix_match("sort_name", key), "sort_name"),
        SearchBranch(prefix_match("name_search", key), "name_search"),
    )


def company_contact_count(user: Any, company_ids: Collection[Any]) -> int:
    """How many visible contacts work at these companies (told before deleting them)."""
    return Contact.objects.visible_to(user).filter(company_id__in=company_ids).count() if company_ids else 0


def linked_to(*, company_ids: Collection[Any] = (), contact_ids: Collection[Any] = ()) -> Q | None:
    """A deal, order or activity of any of these companies or of any of these contacts (None: of none).
    Counted before the companies or contacts are deleted (bastion.directory.delete_effects)."""
    if not company_ids and not contact_ids:
        return None
    return Q(company_id__in=company_ids) if company_ids else Q(contact_id__in=contact_ids)


# --- search, choices -----------------------------------------------------------------------


def search_directory(user: Any, text: str, *, limit: int = 10) -> SearchResults:
    """Companies and contacts whose name starts with ``text``, or who have the email or phone ``text``."""
    results = SearchResults(query=text.strip())
    if not query_key(text):
        return results
    # The search page shows no tags: drop the lists' tag prefetch.
    companies = company_page(user, CompanyFilters(q=text), PageRequest(ordering=COMPANY_BY_NAME, limit=limit), tags=False)
    page = contact_page(user, ContactFilters(q=text), PageRequest(ordering=CONTACT_BY_NAME, limit=limit), tags=False)
    results.companies, results.more_companies = list(companies.items), companies.next_cursor is not None
    results.contacts, results.more_contacts = list(page.items), page.next_cursor is not None
    return results


def company_suggestions(user: Any, text: str, *, limit: int = 10) -> list[Company]:
    """A few companies whose name starts with ``text``, for the contact form's company field."""
    key = query_key(text)
    if not key:
        return []
    queryset = company_queryset(user).filter(prefix_match("name_key", key)).only("id", "name", "domain", "name_key")
    return list(queryset.order_by("name_key", "id")[:limit])


def companies_named(user: Any, name: str, *, limit: int = 5) -> list[Company]:
    """Visible companies whose name is ``name`` (ignoring case and accents), for forms."""
    key = query_key(name)
    if not key:
        return []
    return list(company_queryset(user).filter(name_key=key).only("id", "name", "domain").order_by("domain", "id")[:limit])


def assignable_owners(*, keep: Any = None) -> QuerySet[Any, Any]:
    """Colleagues who can own records: active users whose role may change customer records.

    ``keep`` (a user id) is included too: a record's current owner stays choosable on its
    edit form after they left or changed role, so saving the form does not drop them.
    """
    can_own = Q(is_active=True, membership__is_active=True, membership__role__in=CUSTOMER_WRITE_ROLES)
    if keep is not None:
        can_own |= Q(pk=keep)
    return get_user_model().objects.filter(can_own).order_by("first_name", "last_name", "username")


def tags_in_use(user: Any, *, limit: int = 500) -> list[Tag]:
    """Tags to offer in filters (the tag vocabulary is small; capped for safety)."""
    return list(Tag.objects.visible_to(user).only("id", "name", "key").order_by("key")[:limit])
