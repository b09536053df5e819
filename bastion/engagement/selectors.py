"""Reads of interactions and interests, always scoped to the user (``objects.visible_to``).

Both are visible exactly when their person (contact or lead) is (ADR 0042), so every query here
starts from the scoped queryset; asking about a person the user cannot see finds nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from bastion.directory.models import Contact
from bastion.engagement.models import PERSON, Interaction, Interest
from bastion.kernel.access.scoping import parse_uuid
from bastion.kernel.pagination import Page, PageRequest, paginate
from bastion.sales.models import Lead

INTERACTION_ORDERINGS = {"occurred_at": "occurred_at", "recorded_at": "recorded_at"}
DEFAULT_INTERACTION_ORDERING = "-occurred_at"
TOP_INTERESTS = 10
MAX_INTERESTS = 100


def interaction_queryset(user: Any) -> QuerySet[Interaction, Interaction]:
    return Interaction.objects.visible_to(user)


def interest_queryset(user: Any) -> QuerySet[Interest, Interest]:
    return Interest.objects.visible_to(user)


def visible_person(user: Any, field: str, person_id: Any) -> Any:
    """The contact or lead ``person_id`` if the user may see it; else 404 (the same as a missing one)."""
    model: Any = {"contact": Contact, "lead": Lead}[field]
    pk = parse_uuid(person_id)
    found = model.objects.visible_to(user).filter(pk=pk).values_list("pk", flat=True).first() if pk else None
    if found is None:
        raise Http404(_("No such contact or lead, or you do not have access to it."))
    return found


def _of(field: str, person_id: Any) -> dict[str, Any]:
    if field not in PERSON:
        raise ValueError(field)
    return {f"{field}_id": person_id}


def interaction_page(user: Any, field: str, person_id: Any, page: PageRequest) -> Page[Interaction]:
    """One keyset page of a person's interactions (``field`` is ``contact`` or ``lead``)."""
    return paginate(interaction_queryset(user).filter(**_of(field, person_id)).select_related("product"), page)


def recent_interactions(user: Any, field: str, person_id: Any, limit: int) -> list[Interaction]:
    """The newest interactions of a person, for the timeline."""
    rows = interaction_queryset(user).filter(**_of(field, person_id)).select_related("product")
    return list(rows.order_by("-occurred_at", "-id")[:limit])


def interests_of(user: Any, field: str, person_id: Any, limit: int = TOP_INTERESTS) -> list[Interest]:
    """A person's strongest interests: most often named first, then most recent."""
    rows = interest_queryset(user).filter(**_of(field, person_id)).select_related("product")
    return list(rows.order_by("-count", "-last_seen", "id")[:limit])
