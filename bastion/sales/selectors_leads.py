"""Reads of leads: the keyset list, and duplicate detection against leads and contacts.

Duplicates are found three ways, each through an index, never by decrypting a table: the
email and the phone through the blind indexes of leads and of contacts (candidates are
decrypted and compared, which drops the index's deliberate false positives), and the name
together with the company name through the plain search keys.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from bastion.directory import selectors as directory
from bastion.directory.names import query_key, search_key
from bastion.directory.selectors import is_phone_query, name_search_branches
from bastion.kernel.crypto import blind
from bastion.kernel.crypto.fields import is_erased
from bastion.kernel.pagination import Page, PageRequest, matching_any
from bastion.sales.models import LEAD_EMAIL_SCOPE, LEAD_PHONE_SCOPE, Lead

LEAD_ORDERINGS = {"name": "sort_name", "created": "created_at", "updated": "updated_at", "score": "score"}
DEFAULT_LEAD_ORDERING = "-created"
LEAD_LIST_COLUMNS = (
    "id", "given_name", "family_name", "company_name", "job_title", "email", "phone", "preferred_language", "status",
    "lifecycle_stage", "country", "industry", "message", "consent_text", "consent_given_at", "team", "converted_at",
    "converted_contact", "converted_company", "converted_deal", "source", "sort_name", "created_at", "updated_at",
    "score", "fit_score", "engagement_score", "owner", "owner__id", "owner__username", "owner__first_name",
    "owner__last_name",
)  # fmt: skip
SAME_EMAIL = _("same email address")
SAME_PHONE = _("same phone number")
SAME_NAME_AND_COMPANY = _("same name and company")


@dataclass(frozen=True)
class LeadFilters:
    q: str = ""
    status: str = ""
    source: str = ""
    owner_id: int | None = None


@dataclass
class Match:
    """A lead or contact that may be the same person, and why."""

    kind: str  # "lead" or "contact"
    record: Any
    reasons: list[Any] = field(default_factory=list)


def lead_queryset(user: Any) -> QuerySet[Lead, Lead]:
    return Lead.objects.visible_to(user)


def lead_ids_with_email(email: str) -> list[uuid.UUID]:
    wanted = blind.normalize_email(email)
    candidates = blind.lookup(LEAD_EMAIL_SCOPE, wanted)
    rows = Lead.objects.filter(pk__in=candidates).only("id", "email") if candidates else []
    return sorted(row.pk for row in rows if not is_erased(row.email) and blind.normalize_email(str(row.email)) == wanted)


def lead_ids_with_phone(number: str) -> list[uuid.UUID]:
    wanted = blind.normalize_phone(number)
    candidates = blind.lookup(LEAD_PHONE_SCOPE, wanted)
    rows = Lead.objects.filter(pk__in=candidates).only("id", "phone") if candidates else []
    return sorted(row.pk for row in rows if not is_erased(row.phone) and blind.normalize_phone(str(row.phone)) == wanted)


def _search(text: str) -> Q:
    key = query_key(text)
    if not key:
        return Q()
    if "@" in key:
        return Q(id__in=lead_ids_with_email(text))
    if is_phone_query(text):
        return Q(id__in=lead_ids_with_phone(text))
    return matching_any(name_search_branches(text))


def lead_list(user: Any, filters: LeadFilters) -> QuerySet[Lead, Lead]:
    queryset = lead_queryset(user).filter(_search(filters.q))
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.source:
        queryset = queryset.filter(source=filters.source)
    if filters.owner_id is not None:
        queryset = queryset.filter(owner_id=filters.owner_id)
    return queryset.select_related("owner").only(*LEAD_LIST_COLUMNS)


def lead_page(user: Any, filters: LeadFilters, page: PageRequest) -> Page[Lead]:
    """One keyset page of :func:`lead_list`; a name search finds the page's keys first, per
    alternative where the database allows (as the contacts' list: kernel.pagination.paginate)."""
    return directory.searched_page(lead_list, user, filters, page, name_search_branches(filters.q))


def _add(found: dict[Any, Match], kind: str, records: Any, reason: Any) -> None:
    for record in records:
        match = found.setdefault((kind, record.pk), Match(kind, record))
        if reason not in match.reasons:
            match.reasons.append(reason)


def duplicates(
    user: Any, *, email: str = "", phone: str = "", name: str = "", company_name: str = "", exclude: Any = None, limit: int = 20
) -> list[Match]:
    """Visible leads and contacts that may be the same person: same email, same phone, or same
    name at the same company. Leads first, then contacts; each with every reason that applies."""
    found: dict[Any, Match] = {}
    leads = lead_queryset(user).exclude(pk=exclude) if exclude else lead_queryset(user)
    contacts = directory.contact_queryset(user).select_related("company")
    if email:
        _add(found, "lead", leads.filter(pk__in=lead_ids_with_email(email))[:limit], SAME_EMAIL)
        _add(found, "contact", contacts.filter(pk__in=directory.contact_ids_with_email(email))[:limit], SAME_EMAIL)
    if phone:
        _add(found, "lead", leads.filter(pk__in=lead_ids_with_phone(phone))[:limit], SAME_PHONE)
        _add(found, "contact", contacts.filter(pk__in=directory.contact_ids_with_phone(phone))[:limit], SAME_PHONE)
    name_key, company_key = search_key(name), search_key(company_name)
    if name_key and company_key:
        _add(found, "lead", leads.filter(name_search=name_key, company_key=company_key)[:limit], SAME_NAME_AND_COMPANY)
        same = contacts.filter(name_search=name_key, company__name_key=company_key)[:limit]
        _add(found, "contact", same, SAME_NAME_AND_COMPANY)
    return sorted(found.values(), key=lambda match: match.kind != "lead")


def duplicates_of(user: Any, lead: Lead) -> list[Match]:
    return duplicates(
        user,
        email=str(lead.email) if lead.email and not is_erased(lead.email) else "",
        phone=str(lead.phone) if lead.phone and not is_erased(lead.phone) else "",
        name=lead.display_name,
        company_name=lead.company_name,
        exclude=lead.pk,
    )


def score_breakdown(lead: Lead) -> Any:
    """The rules ``lead`` matches now, with its fit and engagement points (bastion.sales.scoring)."""
    from bastion.sales import scoring

    return scoring.score_of(lead, scoring.active_rules(), scoring.engagement_facts([lead.pk]).get(lead.pk, {}))
