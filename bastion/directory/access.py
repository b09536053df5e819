"""Fetch one company or contact as a user: the only way views, the API and actions get one.

A record that does not exist and a record the user may not see (or may not change, with
``for_write=True``) raise the same ``Http404`` with the same message, so the answer never
tells an outsider whether an id exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.utils.translation import gettext as _

from bastion.directory.models import Company, Contact, ContactEmail, ContactPhone, Tag
from bastion.kernel.access.scoping import parse_uuid


def access_company_by_id(user: Any, company_id: Any, *, for_write: bool = False, lock: bool = False) -> Company:
    """The company ``company_id`` if ``user`` may see it (and change it, with ``for_write``); else 404.

    ``lock=True`` (actions only, inside a transaction) locks the row and skips the related
    rows a page would show.
    """
    pk = parse_uuid(company_id)
    manager = Company.objects
    queryset = manager.editable_by(user) if for_write else manager.visible_to(user)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    else:
        queryset = queryset.select_related("owner", "team", "created_by", "updated_by").prefetch_related(
            Prefetch("tags", queryset=Tag.objects.visible_to(user).only("id", "name"))
        )
    company = queryset.filter(pk=pk).first() if pk else None
    if company is None:
        raise Http404(_("No such company, or you do not have access to it."))
    return company


def access_contact_by_id(user: Any, contact_id: Any, *, for_write: bool = False, lock: bool = False) -> Contact:
    """The contact ``contact_id`` if ``user`` may see it (and change it, with ``for_write``); else 404."""
    pk = parse_uuid(contact_id)
    manager = Contact.objects
    queryset = manager.editable_by(user) if for_write else manager.visible_to(user)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    else:
        related: list[Prefetch[Any]] = [
            Prefetch("tags", queryset=Tag.objects.visible_to(user).only("id", "name")),
            Prefetch("emails", queryset=ContactEmail.objects.visible_to(user)),
            Prefetch("phones", queryset=ContactPhone.objects.visible_to(user)),
        ]
        queryset = queryset.select_related("company", "owner", "team", "created_by", "updated_by").prefetch_related(*related)
    contact = queryset.filter(pk=pk).first() if pk else None
    if contact is None:
        raise Http404(_("No such contact, or you do not have access to it."))
    return contact


@dataclass(frozen=True)
class RecordRights:
    """What a user may do with one record they can see: change it, and share it (manage its shares)."""

    can_edit: bool
    can_share: bool


def rights_on(user: Any, record: Company | Contact) -> RecordRights:
    """The buttons a record page shows, in one query through the scoped querysets (none for a read-only role)."""
    manager = type(record).objects
    manageable = Exists(manager.manageable_by(user).filter(pk=OuterRef("pk")))
    row = manager.editable_by(user).filter(pk=record.pk).annotate(can_share=manageable).values_list("can_share", flat=True)
    found = list(row[:1])
    return RecordRights(can_edit=bool(found), can_share=bool(found and found[0]))
