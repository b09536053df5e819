"""Revealing one masked restricted field of a contact: deliberate, with a reason, audited, rate-limited.

Only a role that ``reveals_restricted`` (roles.POLICIES) may reveal, only a contact the user
can see, and only after stating why. Each reveal is one ``record.field_revealed`` event holding
the field's name and the reason, never the value; it is written in the transaction that reads
the value, so a value is never shown without its event. The callers (HTML and API views) check
the step-up and the rate limit before calling :func:`reveal_field`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bastion.directory.access import access_contact_by_id
from bastion.directory.audit import target_of
from bastion.directory.models import Contact
from bastion.kernel import cardnumbers
from bastion.kernel.access.masking import may_reveal
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import record_event
from bastion.kernel.crypto.fields import is_erased

MIN_REASON_LENGTH = 10
MAX_REASON_LENGTH = 500


def _text(value: Any) -> list[str]:
    return [str(value)] if value not in (None, "") else []


def _date(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    return [value.isoformat() if hasattr(value, "isoformat") else str(value)]


# Field name → (label, the values from the contact as stored). Groups (emails, phones, address)
# reveal every value of one kind at once: they are one "field" on the page.
REVEALABLE: dict[str, tuple[Any, Callable[[Contact], list[str]]]] = {
    "emails": (gettext_lazy("Email"), lambda c: [str(e.address) for e in c.emails.all()]),
    "phones": (gettext_lazy("Phone"), lambda c: [str(p.number) for p in c.phones.all()]),
    "primary_email": (gettext_lazy("Primary email"), lambda c: _text(c.primary_email)),
    "primary_phone": (gettext_lazy("Primary phone"), lambda c: _text(c.primary_phone)),
    "address": (gettext_lazy("Address"), lambda c: [str(line) for line in c.address_lines]),
    "date_of_birth": (gettext_lazy("Date of birth"), lambda c: _date(c.date_of_birth)),
    "national_id": (gettext_lazy("National ID number"), lambda c: _text(c.national_id)),
    "private_notes": (gettext_lazy("Private notes"), lambda c: _text(c.private_notes)),
}


@dataclass(frozen=True)
class Revealed:
    contact: Contact
    field: str
    label: str
    values: list[str]


def field_label(field: str) -> str:
    return str(REVEALABLE[field][0]) if field in REVEALABLE else field


def clean_reason(reason: Any) -> str:
    """The stated reason, trimmed; a ``ValidationError`` on ``reason`` if it is missing or too short or long."""
    text = " ".join(str(reason or "").split())
    if len(text) < MIN_REASON_LENGTH:
        raise ValidationError(
            {"reason": [_("Say why you need this value (at least %(min)d characters).") % {"min": MIN_REASON_LENGTH}]}
        )
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationError({"reason": [_("The reason can be at most %(max)d characters.") % {"max": MAX_REASON_LENGTH}]})
    card = cardnumbers.first_in(text)
    if card is not None:
        raise ValidationError({"reason": [cardnumbers.refusal(_("The reason"), card)]})
    return text


Readers = dict[str, tuple[Any, Callable[[Any], list[str]]]]


def reveal_values(
    actor: Any, record: Any, readers: Readers, field: str, reason: Any, *, target: Any, request: Any = None
) -> tuple[str, list[str]]:
    """The label and stored values of ``field`` of ``record`` (one the actor can see), recorded as a
    ``record.field_revealed`` event with the field and reason; the core that contacts and leads share.
    Call inside a transaction, so the value is never returned without its event."""
    if not may_reveal(actor):
        raise PermissionDenied(_("Your role cannot reveal restricted values."))
    if field not in readers:
        choices = ", ".join(readers)
        message = _("“%(field)s” cannot be revealed. Choose one of: %(choices)s.") % {"field": field[:40], "choices": choices}
        raise ValidationError({"field": [message]})
    text = clean_reason(reason)
    label, read = readers[field]
    values = [value for value in read(record) if not is_erased(value)]
    record_event(EventKind.FIELD_REVEALED, actor=actor, target=target, extra={"field": field, "reason": text}, request=request)
    return str(label), values


@transaction.atomic
def reveal_field(actor: Any, contact_id: Any, field: str, reason: Any, *, request: Any = None) -> Revealed:
    """The stored values of ``field`` of contact ``contact_id``, recorded as a ``record.field_revealed`` event.

    Raises ``PermissionDenied`` for a role that may not reveal, ``Http404`` for a contact the
    actor cannot see, ``ValidationError`` for an unknown field or a missing reason.
    """
    if not may_reveal(actor):
        raise PermissionDenied(_("Your role cannot reveal restricted values."))
    contact = access_contact_by_id(actor, contact_id)
    label, values = reveal_values(actor, contact, REVEALABLE, field, reason, target=target_of(contact), request=request)
    return Revealed(contact, field, label, [] if contact.is_erased else values)
