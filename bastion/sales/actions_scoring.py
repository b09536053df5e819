"""Changes to the lead-scoring rules (administrators; ADR 0041): validate, write, audit as
``setting.changed``, then rescore every lead in the background once the change is committed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from bastion.directory.access import parse_uuid
from bastion.directory.models import Language
from bastion.directory.validation import Errors, single_line
from bastion.kernel.audit.changes import Snapshot, diff, target_of
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import record_event
from bastion.sales.actions_setup import _require_admin
from bastion.sales.models import LeadSource, LeadStatus
from bastion.sales.models_scoring import Operator, ScoreCategory, ScoredField, ScoringRule
from bastion.sales.scoring import CHOICE_FIELDS, NUMBER_FIELDS

RULE_FIELDS = frozenset({"name", "category", "field", "operator", "value", "points", "is_active"})
TEXT_OPERATORS = frozenset({Operator.CONTAINS, Operator.EQUALS, Operator.IS_SET})
NUMBER_OPERATORS = frozenset({Operator.AT_LEAST, Operator.AT_MOST})
CHOICES: dict[str, Any] = {ScoredField.SOURCE: LeadSource, ScoredField.LANGUAGE: Language, ScoredField.STATUS: LeadStatus}


def _snapshot(rule: ScoringRule) -> Snapshot:
    return {name: getattr(rule, name) for name in sorted(RULE_FIELDS)}


def _choice(data: Mapping[str, Any], rule: ScoringRule, name: str, choices: Any, errors: Errors, message: str) -> str:
    value = str(data.get(name, getattr(rule, name)) or "")
    if value not in choices.values:
        errors.add(name, message)
    return value


def _clean(data: Mapping[str, Any], rule: ScoringRule) -> dict[str, Any]:
    errors = Errors()
    for name in sorted(set(data) - RULE_FIELDS):
        errors.add(name, _("Unknown field."))
    name = single_line(data.get("name", rule.name), "name", 120, errors, label=_("Name"))
    if not name:
        errors.add("name", _("Give the rule a name."))
    category = _choice(data, rule, "category", ScoreCategory, errors, _("Choose fit or engagement."))
    looked_at = _choice(data, rule, "field", ScoredField, errors, _("Choose what the rule looks at."))
    operator = _choice(data, rule, "operator", Operator, errors, _("Choose a condition."))
    value = single_line(str(data.get("value", rule.value) or ""), "value", 200, errors, label=_("Value"))
    points = _points(data.get("points", rule.points), errors)
    if looked_at in NUMBER_FIELDS and operator not in NUMBER_OPERATORS:
        errors.add("operator", _("A number can only be compared: choose “is at least” or “is at most”."))
    elif looked_at and looked_at not in NUMBER_FIELDS and operator in NUMBER_OPERATORS:
        errors.add("operator", _("Text can be matched with “contains”, “is” or “is filled in”, not compared."))
    if operator in NUMBER_OPERATORS and not (value.isdigit() and int(value) <= 100_000):
        errors.add("value", _("Enter a whole number from 0 to 100000."))
    elif operator in (Operator.CONTAINS, Operator.EQUALS) and not value:
        errors.add("value", _("Enter the text to look for."))
    elif looked_at in CHOICE_FIELDS and operator == Operator.EQUALS and value not in CHOICES[looked_at].values:
        options = ", ".join(CHOICES[looked_at].values)
        errors.add("value", _("Enter one of: %(options)s.") % {"options": options})
    errors.raise_if_any()
    active = data.get("is_active", rule.is_active)
    return {
        "name": name, "category": category, "field": looked_at, "operator": operator,
        "value": "" if operator == Operator.IS_SET else value, "points": points, "is_active": bool(active),
    }  # fmt: skip


def _points(value: Any, errors: Errors) -> int:
    try:
        points = int(value)
    except (TypeError, ValueError):
        points = 1000
    if not -100 <= points <= 100 or points == 0:
        errors.add("points", _("Points must be a whole number from -100 to 100, not 0."))
    return points


def _save(actor: Any, rule: ScoringRule, data: Mapping[str, Any], verb: str) -> ScoringRule:
    _require_admin(actor)
    before = None if rule._state.adding else _snapshot(rule)
    for name, value in _clean(data, rule).items():
        setattr(rule, name, value)
    rule.updated_by = actor
    rule.save()
    after = _snapshot(rule)
    if after != before:
        _audit(actor, rule, before, after, verb)
        transaction.on_commit(_rescore_everyone)
    return rule


def _audit(actor: Any, rule: ScoringRule, before: Snapshot | None, after: Snapshot | None, verb: str) -> None:
    record_event(
        EventKind.SETTING_CHANGED, actor=actor, target=target_of(rule), changes=diff(before, after), extra={"verb": verb}
    )


def _rescore_everyone() -> None:
    from bastion.sales.tasks import rescore_leads

    rescore_leads()


def _rule(rule_id: Any) -> ScoringRule:
    pk = parse_uuid(rule_id)
    rule = ScoringRule.objects.select_for_update().filter(pk=pk).first() if pk else None
    if rule is None:
        raise Http404(_("No such scoring rule."))
    return rule


@transaction.atomic
def create_rule(actor: Any, data: Mapping[str, Any]) -> ScoringRule:
    return _save(actor, ScoringRule(), data, "scoring_rule.created")


@transaction.atomic
def update_rule(actor: Any, rule_id: Any, data: Mapping[str, Any]) -> ScoringRule:
    _require_admin(actor)
    return _save(actor, _rule(rule_id), data, "scoring_rule.updated")


@transaction.atomic
def delete_rule(actor: Any, rule_id: Any) -> None:
    _require_admin(actor)
    rule = _rule(rule_id)
    _audit(actor, rule, _snapshot(rule), None, "scoring_rule.deleted")
    rule.delete()
    transaction.on_commit(_rescore_everyone)
