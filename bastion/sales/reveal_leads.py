"""Revealing a lead's masked email, phone or message: the same rules as a contact's
(bastion.directory.reveal: a role that reveals, a lead the user can see, a stated reason, one
``record.field_revealed`` event per reveal, never the value)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy

from bastion.directory.reveal import Readers, reveal_values
from bastion.kernel.audit.changes import target_of
from bastion.sales.access import access_lead_by_id
from bastion.sales.models import Lead


def _text(value: Any) -> list[str]:
    return [str(value)] if value not in (None, "") else []


LEAD_REVEALABLE: Readers = {
    "email": (gettext_lazy("Email address"), lambda lead: _text(lead.email)),
    "phone": (gettext_lazy("Phone number"), lambda lead: _text(lead.phone)),
    "message": (gettext_lazy("Message"), lambda lead: _text(lead.message)),
}


@dataclass(frozen=True)
class RevealedLead:
    lead: Lead
    field: str
    label: str
    values: list[str]


@transaction.atomic
def reveal_lead_field(actor: Any, lead_id: Any, field: str, reason: Any, *, request: Any = None) -> RevealedLead:
    """The stored value of ``field`` of lead ``lead_id``, audited; ``Http404`` for a lead the actor cannot see."""
    lead = access_lead_by_id(actor, lead_id)
    label, values = reveal_values(actor, lead, LEAD_REVEALABLE, field, reason, target=target_of(lead), request=request)
    return RevealedLead(lead, field, label, values)
