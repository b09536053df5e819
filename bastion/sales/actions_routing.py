"""Lead routing (ADR 0039): which team receives web-form leads, and which of its members owns the next one.

``set_lead_routing`` is the one write (administrators; audited as ``setting.changed``).
``route_new_lead`` runs inside the capture's transaction: it locks the single routing row, so
two leads captured at once go to two different people, and the turn survives restarts.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bastion.accounts.models import Team
from bastion.directory.access import parse_uuid
from bastion.kernel.access.roles import CUSTOMER_WRITE_ROLES
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import Target, record_event
from bastion.sales.actions_setup import _require_admin
from bastion.sales.models import LeadRouting


def current_routing() -> LeadRouting:
    """The routing row (an empty one, not saved, until an administrator sets it)."""
    return LeadRouting.objects.select_related("team", "last_assigned").filter(pk=1).first() or LeadRouting()


def receivers(team: Team) -> list[Any]:
    """The active members of ``team`` whose role writes customer records, by user id: the turn order."""
    users = get_user_model().objects.filter(
        is_active=True, membership__is_active=True, membership__teams=team, membership__role__in=CUSTOMER_WRITE_ROLES
    )
    return list(users.order_by("pk").distinct())


@transaction.atomic
def set_lead_routing(actor: Any, team_id: Any) -> LeadRouting:
    """Send web-form leads to the team ``team_id`` (None or "": to administrators only)."""
    _require_admin(actor)
    team = None
    if team_id not in (None, ""):
        pk = parse_uuid(team_id)
        team = Team.objects.filter(pk=pk).first() if pk else None
        if team is None:
            raise ValidationError({"team": [_("Choose an existing team, or nobody.")]})
    routing, _created = LeadRouting.objects.select_for_update().get_or_create(pk=1)
    old = routing.team.name if routing.team else None
    if routing.team_id == (team.pk if team else None):
        return routing
    routing.team, routing.last_assigned, routing.updated_by = team, None, actor
    routing.save()
    record_event(
        EventKind.SETTING_CHANGED,
        actor=actor,
        target=Target("setting", "lead_routing.team"),
        changes={"team": {"old": old, "new": team.name if team else None}},
    )
    return routing


def route_new_lead() -> tuple[Any, Team | None]:
    """(owner, team) for a lead nobody entered by hand; call inside the transaction that saves it."""
    routing = LeadRouting.objects.select_for_update().filter(pk=1).first()
    if routing is None or routing.team is None:
        return None, None
    people = receivers(routing.team)
    if not people:
        return None, routing.team
    after = routing.last_assigned_id or 0
    owner = next((person for person in people if person.pk > after), people[0])
    routing.last_assigned = owner
    routing.save(update_fields=["last_assigned"])
    return owner, routing.team
