"""Lead scores (ADR 0041): fit points for who the lead is, engagement points for what happened with
them, from the administrators' rules. A lead is scored when it is saved, when an activity on it
changes and when an interaction about it is recorded (ADR 0042); changing the rules rescores every
lead in the background (``rescore_all``, a huey job)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone

from bastion.directory.names import search_key
from bastion.engagement.models import Interaction, InteractionKind, Interest
from bastion.sales import lifecycle
from bastion.sales.models import Activity, ActivityKind, Lead
from bastion.sales.models_scoring import Operator, ScoreCategory, ScoredField, ScoringRule

COUNT_FIELDS = frozenset({ScoredField.ACTIVITIES, ScoredField.INTERACTIONS, ScoredField.PAGE_VISITS, ScoredField.EMAIL_OPENS})
NUMBER_FIELDS = COUNT_FIELDS | {ScoredField.DAYS_SINCE_CONTACT}
# Fields whose value is a set of search keys: a rule matches when one of them does.
LIST_FIELDS = frozenset({ScoredField.INTERESTS})
RECENT = dt.timedelta(days=30)
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


Facts = dict[str, Any]


def engagement_facts(lead_ids: Iterable[Any], now: dt.datetime | None = None) -> dict[Any, Facts]:
    """Per lead, in three queries whatever the number of leads: how many calls, meetings and notes it
    has and the days since the latest (None: never); its interactions, page visits and email opens
    of the last 30 days; and the search keys of its interests (topics, product names and SKUs)."""
    now, ids = now or timezone.now(), list(lead_ids)
    facts: dict[Any, Facts] = {}
    rows = (
        Activity._base_manager.filter(lead_id__in=ids, kind__in=ENGAGING_KINDS)
        .values("lead_id")
        .annotate(count=Count("id"), last=Max("at"))
    )
    for row in rows:
        facts.setdefault(row["lead_id"], {}).update(activities=row["count"], days_since_activity=(now - row["last"]).days)
    recent = (
        Interaction._base_manager.filter(lead_id__in=ids, occurred_at__gte=now - RECENT)
        .values("lead_id")
        .annotate(
            total=Count("id"),
            pages=Count("id", filter=Q(kind=InteractionKind.PAGE_VISITED)),
            opens=Count("id", filter=Q(kind=InteractionKind.EMAIL_OPENED)),
        )
    )
    for counts in recent:
        facts.setdefault(counts["lead_id"], {}).update(
            interactions_30d=counts["total"], page_visits_30d=counts["pages"], email_opens_30d=counts["opens"]
        )
    interests = Interest._base_manager.filter(lead_id__in=ids).values_list("lead_id", "topic", "product__name", "product__sku")
    for lead_id, topic, product_name, sku in interests:
        keys = facts.setdefault(lead_id, {}).setdefault("interests", set())
        keys.update(search_key(text) for text in (topic, product_name, sku) if text)
    return facts


def _value_of(lead: Lead, name: str, facts: Facts) -> Any:
    if name in COUNT_FIELDS:
        return facts.get(name, 0)
    if name in NUMBER_FIELDS:
        return facts.get(name)
    if name in LIST_FIELDS:
        return facts.get(name, set())
    return getattr(lead, name)


def _matches_any(rule: ScoringRule, keys: set[str]) -> bool:
    wanted = search_key(rule.value)
    if rule.operator == Operator.IS_SET:
        return bool(keys)
    if rule.operator == Operator.EQUALS:
        return wanted in keys
    return bool(wanted) and any(wanted in key for key in keys)


def matches(rule: ScoringRule, lead: Lead, facts: Facts) -> bool:
    value = _value_of(lead, rule.field, facts)
    if rule.field in LIST_FIELDS:
        return _matches_any(rule, value)
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


def score_of(lead: Lead, rules: list[ScoringRule], facts: Facts) -> Score:
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


def _store(lead: Lead, score: Score, actor: Any = None) -> None:
    fields = {"fit_score": _clamp(score.fit), "engagement_score": _clamp(score.engagement), "score": _clamp(score.total)}
    if any(getattr(lead, name) != value for name, value in fields.items()):
        Lead._base_manager.filter(pk=lead.pk).update(**fields)  # a derived value: no "updated" by anyone
        for name, value in fields.items():
            setattr(lead, name, value)
        lifecycle.on_lead_scored(actor, lead)


def rescore(lead: Lead, actor: Any = None) -> Score:
    """Score one lead now (in the caller's transaction) and store it; returns the breakdown.

    ``actor`` is the user whose change caused the rescoring (a lifecycle move it makes is theirs);
    None for the background rescoring after a rule change or interactions (the system).
    """
    score = score_of(lead, active_rules(), engagement_facts([lead.pk]).get(lead.pk, {}))
    _store(lead, score, actor)
    return score


def rescore_leads(lead_ids: Iterable[Any]) -> int:
    """Score the leads ``lead_ids`` now, with their facts in bulk (after interactions); returns how many."""
    rules, done, ids = active_rules(), 0, sorted(set(lead_ids), key=str)
    for start in range(0, len(ids), BATCH):
        leads = list(Lead._base_manager.filter(pk__in=ids[start : start + BATCH]).only("pk", *SCORED_COLUMNS))
        facts = engagement_facts([lead.pk for lead in leads])
        for lead in leads:
            _store(lead, score_of(lead, rules, facts.get(lead.pk, {})))
        done += len(leads)
    return done


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
