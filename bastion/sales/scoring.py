"""Lead scores (ADR 0041): fit points for who the lead is, engagement points for what happened with
them, from the administrators' rules. A lead is scored when it is saved and when an activity on it
changes; changing the rules rescores every lead in the background (``rescore_all``, a huey job)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone

from bastion.directory.names import search_key
from bastion.sales import lifecycle
from bastion.sales.models import Activity, ActivityKind, Lead
from bastion.sales.models_scoring import Operator, ScoreCategory, ScoredField, ScoringRule

NUMBER_FIELDS = frozenset({ScoredField.ACTIVITIES, ScoredField.DAYS_SINCE_CONTACT})
CHOICE_FIELDS = frozenset({ScoredField.SOURCE, ScoredField.LANGUAGE, ScoredField.STATUS})
ENGAGING_KINDS = (ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.NOTE)
BATCH = 500
# What a rule may read on the lead itself, and the stored score (never the encrypted fields).
SCORED_COLUMNS = ("job_title", "company_name", "source", "preferred_language", "status", "fit_score", "engagement_score", "score")


@dataclass
class Score:
    fit: int = 0
    engagement: int = 0
    matched: list[ScoringRule] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.fit + self.engagement


def active_rules() -> list[ScoringRule]:
    return list(ScoringRule._base_manager.filter(is_active=True).order_by("category", "name", "id"))


def engagement_facts(lead_ids: Iterable[Any], now: dt.datetime | None = None) -> dict[Any, dict[str, int | None]]:
    """Per lead: how many calls, meetings and notes it has, and the days since the latest (None: never)."""
    now = now or timezone.now()
    rows = (
        Activity._base_manager.filter(lead_id__in=list(lead_ids), kind__in=ENGAGING_KINDS)
        .values("lead_id")
        .annotate(count=Count("id"), last=Max("at"))
    )
    return {row["lead_id"]: {"activities": row["count"], "days_since_activity": (now - row["last"]).days} for row in rows}


def _value_of(lead: Lead, name: str, facts: dict[str, int | None]) -> Any:
    if name in NUMBER_FIELDS:
        return facts.get(name, 0 if name == ScoredField.ACTIVITIES else None)
    return getattr(lead, name)


def matches(rule: ScoringRule, lead: Lead, facts: dict[str, int | None]) -> bool:
    value = _value_of(lead, rule.field, facts)
    if rule.operator == Operator.IS_SET:
        return value not in (None, "")
    if rule.operator in (Operator.AT_LEAST, Operator.AT_MOST):
        if value is None:
            return False
        limit = int(rule.value)
        return int(value) >= limit if rule.operator == Operator.AT_LEAST else int(value) <= limit
    text, wanted = search_key(str(value or "")), search_key(rule.value)
    if rule.operator == Operator.EQUALS:
        return text == wanted
    return bool(wanted) and wanted in text


def score_of(lead: Lead, rules: list[ScoringRule], facts: dict[str, int | None]) -> Score:
    score = Score()
    for rule in rules:
        if matches(rule, lead, facts):
            score.matched.append(rule)
            if rule.category == ScoreCategory.FIT:
                score.fit += rule.points
            else:
                score.engagement += rule.points
    return score


LIFECYCLE_COLUMNS = ("lifecycle_stage", "status", "owner", "team", "converted_at")


def _clamp(value: int) -> int:
    return max(-32000, min(32000, value))


def _store(lead: Lead, score: Score) -> None:
    fields = {"fit_score": _clamp(score.fit), "engagement_score": _clamp(score.engagement), "score": _clamp(score.total)}
    if any(getattr(lead, name) != value for name, value in fields.items()):
        Lead._base_manager.filter(pk=lead.pk).update(**fields)  # a derived value: no "updated" by anyone
        for name, value in fields.items():
            setattr(lead, name, value)
        lifecycle.on_lead_scored(None, lead)


def rescore(lead: Lead) -> Score:
    """Score one lead now (in the caller's transaction) and store it; returns the breakdown."""
    score = score_of(lead, active_rules(), engagement_facts([lead.pk]).get(lead.pk, {}))
    _store(lead, score)
    return score


def rescore_all() -> int:
    """Score every lead with the current rules, a batch at a time (resumable: it is idempotent); returns how many."""
    rules, done, last = active_rules(), 0, None
    while True:
        batch = Lead._base_manager.order_by("pk").only("pk", *SCORED_COLUMNS, *LIFECYCLE_COLUMNS)
        if last is not None:
            batch = batch.filter(pk__gt=last)
        leads = list(batch[:BATCH])
        if not leads:
            return done
        facts = engagement_facts([lead.pk for lead in leads])
        for lead in leads:
            _store(lead, score_of(lead, rules, facts.get(lead.pk, {})))
        done, last = done + len(leads), leads[-1].pk
