"""Erasing a person's data: crypto-shredding a contact (GDPR art. 17, PIPL art. 47).

Their data key and blind-index entries are destroyed in the key store, so their restricted fields
read as "erased" in this database and in every copy of it, backups included. The record stays (it
can be read as "erased" and deleted, not changed: :class:`bastion.directory.actions.ContactErased`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.directory.access import access_contact_by_id
from bastion.directory.actions import REDACTED, ActionNotAllowed, ChangeSet, _record
from bastion.directory.models import Contact, ContactEmail, ContactPhone
from bastion.directory.written import Snapshot
from bastion.directory.written import snapshot as _snapshot
from bastion.kernel.access.scoping import can_erase_personal_data
from bastion.kernel.crypto import keyring
from bastion.kernel.crypto.classification import DataClass, fields_of
from bastion.kernel.crypto.fields import erase_values


def _redacted(state: Snapshot) -> Snapshot:
    """``state`` with restricted values replaced: an erasure must not copy what it erases anywhere."""
    restricted = set(fields_of(Contact, DataClass.RESTRICTED)) | {"emails", "phones"}
    return {key: (REDACTED if key in restricted and value not in (None, "", []) else value) for key, value in state.items()}


def shred_contact(actor: Any, contact_id: Any) -> ChangeSet:
    """Crypto-shred a contact: destroy their data key and blind-index entries; restricted fields read "erased".

    The key store commits first (the irreversible step, with its ``key.destroyed`` event committed
    just before it: docs/adr/0021); this database then overwrites the contact's ciphertexts with
    the erased marker, sets ``erased_at`` and records ``record.erased``. If that second step
    fails, the data is unreadable already, and running the action again completes it.
    """
    if not can_erase_personal_data(actor):
        raise ActionNotAllowed(_("Only an administrator can erase a person's data."))
    contact = access_contact_by_id(actor, contact_id, for_write=True)
    before = _redacted(_snapshot(contact)) if not contact.is_erased else None
    keyring.shred(contact.pk, actor=actor)  # outside this database's transaction: see keyevents.py
    return _erase_values(actor, contact, before)


@transaction.atomic
def _erase_values(actor: Any, contact: Contact, before: Snapshot | None) -> ChangeSet:
    contact = access_contact_by_id(actor, contact.pk, for_write=True, lock=True)
    erase_values(Contact.objects.filter(pk=contact.pk))
    erase_values(ContactEmail.objects.filter(contact_id=contact.pk))
    erase_values(ContactPhone.objects.filter(contact_id=contact.pk))
    erased_at = contact.erased_at or timezone.now()
    Contact.objects.filter(pk=contact.pk).update(erased_at=erased_at)
    contact = access_contact_by_id(actor, contact.pk, for_write=True, lock=True)
    return _record(actor, "contact.erased", contact, before)
