"""What the directory's actions wrote: the audited state of a record, and its related rows as written.

:func:`snapshot` reads a record's audited state from the database; :func:`snapshot_of` and
:func:`snapshot_written` make the same state from rows already in memory (bulk actions; a create,
which has just written them). :func:`keep_related` hands those rows to the record as if they had
been prefetched, so showing a record just created needs no query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from django.db import models

from bastion.directory.models import Company, Contact, ContactEmail, ContactPhone, Tag

Snapshot = dict[str, Any]
ADDRESS_FIELDS = ("street", "city", "region", "postal_code", "country")


class Written(NamedTuple):
    """The tags, emails and phones a contact was saved with, in order; None where the save left them unchanged."""

    tags: list[Tag] | None
    emails: list[ContactEmail] | None
    phones: list[ContactPhone] | None


def snapshot(obj: Company | Contact) -> Snapshot:
    """The audited state of a record: its fields and its tags, emails and phones, as JSON values."""
    tags = list(obj.tags.values_list("name", flat=True))
    if isinstance(obj, Company):
        return snapshot_of(obj, tags)
    emails = list(ContactEmail.objects.filter(contact=obj).order_by("position"))
    phones = list(ContactPhone.objects.filter(contact=obj).order_by("position"))
    return snapshot_of(obj, tags, _email_rows(emails), _phone_rows(phones))


def snapshot_written(
    contact: Contact, tags: Sequence[Tag], emails: Sequence[ContactEmail], phones: Sequence[ContactPhone]
) -> Snapshot:
    """:func:`snapshot` of a contact just saved, made from the rows it was saved with (no query)."""
    return snapshot_of(contact, [tag.name for tag in tags], _email_rows(emails), _phone_rows(phones))


def _email_rows(rows: Sequence[ContactEmail]) -> list[dict[str, Any]]:
    return [{"address": row.address, "label": row.label, "is_primary": row.is_primary} for row in rows]


def _phone_rows(rows: Sequence[ContactPhone]) -> list[dict[str, Any]]:
    return [{"number": row.number, "label": row.label, "is_primary": row.is_primary} for row in rows]


def snapshot_of(
    obj: Company | Contact,
    tags: list[str],
    emails: list[dict[str, Any]] | None = None,
    phones: list[dict[str, Any]] | None = None,
) -> Snapshot:
    """:func:`snapshot` from values already in memory (the tag names, email and phone rows in order): for bulk actions."""
    state: Snapshot = {name: getattr(obj, name) for name in (*ADDRESS_FIELDS, "notes")}
    state["owner"] = obj.owner_id
    state["team"] = str(obj.team_id) if obj.team_id else None
    state["tags"] = sorted(tags, key=str.casefold)
    if isinstance(obj, Company):
        state.update({name: getattr(obj, name) for name in ("name", "domain", "industry", "size")})
        return state
    names = ("given_name", "family_name", "job_title", "preferred_language", "national_id", "private_notes")
    state.update({name: getattr(obj, name) for name in names})
    birth: Any = obj.date_of_birth
    state["date_of_birth"] = birth.isoformat() if hasattr(birth, "isoformat") else (str(birth) if birth else None)
    state["company"] = str(obj.company_id) if obj.company_id else None
    state["emails"] = list(emails or [])
    state["phones"] = list(phones or [])
    return state


def keep_related(record: models.Model, **rows: Sequence[models.Model]) -> None:
    """Hold ``rows`` (related manager name -> every related row, in the order a read would give) on ``record``
    as Django's ``prefetch_related`` would: ``record.<name>.all()`` then answers from memory.

    For a record an action has just written, with exactly the rows it wrote: anything else would
    show rows that are not stored. Changing the relation through its manager forgets them (Django).
    """
    cache = record.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, values in rows.items():
        queryset = getattr(record, name).get_queryset()
        queryset._result_cache = list(values)
        queryset._prefetch_done = True
        cache[name] = queryset
