"""Reads of imports, always scoped: a member of staff sees their own import jobs; an administrator sees all.

Also the duplicate lookups the adapters use, which start from the directory's scoped querysets
(a record the importer cannot see is never matched, so never updated or revealed): contacts by
email or phone through the blind index, companies by web domain or by name.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from bastion.directory import selectors as directory
from bastion.directory.names import query_key, search_key
from bastion.imports.models import ImportJob, ImportRejection, SavedMapping
from bastion.kernel.access.roles import Role, role_of
from bastion.kernel.pagination import Page, PageRequest, paginate

JOB_ORDERINGS = {"created": "created_at"}
DEFAULT_JOB_ORDERING = "-created"


def job_queryset(user: Any) -> QuerySet[ImportJob, ImportJob]:
    """Import jobs ``user`` may see: their own, or every one for an administrator."""
    queryset = ImportJob.objects.editable_by(user).defer("upload")
    if role_of(user) == Role.ADMINISTRATOR:
        return queryset
    return queryset.filter(created_by=user)


def job_page(user: Any, page: PageRequest) -> Page[ImportJob]:
    return paginate(job_queryset(user).select_related("created_by"), page)


def rejections(job: ImportJob, *, after: int = -1, limit: int | None = None) -> list[ImportRejection]:
    """The rejected rows of ``job`` (already access-checked), in file order, from row index ``after`` + 1."""
    queryset = ImportRejection.objects.filter(job=job, row_index__gt=after).order_by("row_index")
    return list(queryset[:limit] if limit is not None else queryset)


def source_key(name: str) -> str:
    return search_key(name)[:100]


def saved_mapping(object_type: str, source_name: str) -> dict[str, str]:
    """Header key → field of the mapping last saved for this source and object type (empty if none)."""
    row = SavedMapping.objects.filter(object_type=object_type, source_key=source_key(source_name)).first()
    return dict(row.columns) if row is not None else {}


def companies_matching(user: Any, *, name: str, domain: str) -> list[uuid.UUID]:
    """Visible companies with this web domain, or else with this name (ignoring case and accents)."""
    queryset = directory.company_queryset(user)
    cleaned = domain.strip().lower().removeprefix("https://").removeprefix("http://").removeprefix("www.").split("/")[0]
    if cleaned:
        found = list(queryset.filter(domain=cleaned).order_by("id").values_list("id", flat=True)[:5])
        if found:
            return found
    key = query_key(name)
    if not key:
        return []
    return list(queryset.filter(name_key=key).order_by("id").values_list("id", flat=True)[:5])


def contacts_matching(user: Any, *, emails: Iterable[str], phones: Iterable[str]) -> list[uuid.UUID]:
    """Visible contacts having one of ``emails`` (blind index), or else one of ``phones``."""
    ids: set[uuid.UUID] = set()
    for email in emails:
        if "@" in email:
            ids.update(directory.contact_ids_with_email(email))
    if not ids:
        for phone in phones:
            if directory.is_phone_query(phone):
                ids.update(directory.contact_ids_with_phone(phone))
    if not ids:
        return []
    return sorted(directory.contact_queryset(user).filter(id__in=ids).values_list("id", flat=True))
