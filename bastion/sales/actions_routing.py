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
from django.http import Http404
from django.utils.translation import gettext as _

from bastion.accounts.models import Team
from bastion.directory.access import parse_uuid
from bastion.directory.models import Industry
from bastion.directory.names import search_key
from bastion.directory.validation import Errors, single_line
from bastion.kernel.access.roles import CUSTOMER_WRITE_ROLES
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import Target, record_event
from bastion.sales.actions_setup import _require_admin
from bastion.sales.models import LeadRouting, TerritoryRule


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


def route_new_lead(country: str = "", industry: str = "") -> tuple[Any, Team | None]:
    """(owner, team) for a lead nobody entered by hand; call inside the transaction that saves it.

    The first territory rule the lead's country and industry match, whose owner still receives
    the team's leads, names the owner (ADR 0045); otherwise the next member in turn (ADR 0039).
    """
    routing = LeadRouting.objects.select_for_update().filter(pk=1).first()
    if routing is None or routing.team is None:
        return None, None
    people = receivers(routing.team)
    if not people:
        return None, routing.team
    territory = _territory_owner(people, country, industry)
    if territory is not None:
        return territory, routing.team
    after = routing.last_assigned_id or 0
    owner = next((person for person in people if person.pk > after), people[0])
    routing.last_assigned = owner
    routing.save(update_fields=["last_assigned"])
    return owner, routing.team


def _territory_owner(people: list[Any], country: str, industry: str) -> Any:
    receiving = {person.pk: person for person in people}
    key = search_key(country)
    for rule in TerritoryRule.objects.order_by("position", "created_at", "id"):
        if rule.country_key and rule.country_key != key:
            continue
        if rule.industry and rule.industry != industry:
            continue
        if rule.owner_id in receiving:
            return receiving[rule.owner_id]
    return None


def territory_rules() -> list[TerritoryRule]:
    """The territory rules, in the order they are tried."""
    return list(TerritoryRule.objects.select_related("owner").order_by("position", "created_at", "id"))


@transaction.atomic
def add_territory_rule(actor: Any, data: dict[str, Any]) -> TerritoryRule:
    """Administrators: leads from ``country`` and/or in ``industry`` go to ``owner``, a member of the receiving team."""
    _require_admin(actor)
    errors = Errors()
    country = single_line(data.get("country"), "country", 100, errors, label=_("Country or region"))
    industry = str(data.get("industry") or "")
    if industry not in ("", *Industry.values):
        errors.add("industry", _("Choose an industry from the list, or leave it empty."))
    if not country and not industry and not errors.by_field:
        errors.add("country", _("Give a country or region, an industry, or both."))
    routing = LeadRouting.objects.select_for_update().filter(pk=1).first()
    people = {str(person.pk): person for person in receivers(routing.team)} if routing and routing.team else {}
    owner = people.get(str(data.get("owner") or ""))
    if not people:
        errors.add("owner", _("Choose the team that receives web-form leads first: territories divide its leads."))
    elif owner is None:
        errors.add("owner", _("Choose a member of the receiving team who may change customer records."))
    errors.raise_if_any()
    assert owner is not None  # noqa: S101 - errors were raised otherwise
    last = TerritoryRule.objects.order_by("-position").values_list("position", flat=True).first()
    rule = TerritoryRule.objects.create(
        position=(last or 0) + 1, country=country, industry=industry, owner=owner, created_by=actor
    )
    record_event(
        EventKind.SETTING_CHANGED,
        actor=actor,
        target=Target("setting", "lead_routing.territory"),
        changes={"territory": {"old": None, "new": _describe(rule)}},
    )
    return rule


@transaction.atomic
def delete_territory_rule(actor: Any, rule_id: Any) -> None:
    _require_admin(actor)
    pk = parse_uuid(rule_id)
    rule = TerritoryRule.objects.select_for_update().filter(pk=pk).select_related("owner").first() if pk else None
    if rule is None:
        raise Http404(_("No such territory rule."))
    described = _describe(rule)
    rule.delete()
    record_event(
        EventKind.SETTING_CHANGED,
        actor=actor,
        target=Target("setting", "lead_routing.territory"),
        changes={"territory": {"old": described, "new": None}},
    )


def _describe(rule: TerritoryRule) -> dict[str, Any]:
    return {"country": rule.country, "industry": rule.industry, "owner": rule.owner.get_username()}
