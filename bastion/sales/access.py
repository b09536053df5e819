"""Fetch one pipeline, stage or deal as a user: the only way views, the API and actions get one.

A record that does not exist and one the user may not see (or change, with ``for_write``)
raise the same ``Http404`` with the same message, so the answer never tells whether an id exists.
Pipelines, stages and exchange rates are the organisation's sales set-up: every role that
reads customer records reads them, and only administrators change them.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from bastion.directory.access import parse_uuid
from bastion.kernel.access.roles import Role, role_of
from bastion.kernel.access.scoping import record_by_id
from bastion.sales.models import Activity, Deal, Lead, Pipeline, ScoringRule, Stage, TerritoryRule


def can_configure_sales(user: Any) -> bool:
    """Pipelines, stages and exchange rates are set up by administrators."""
    return role_of(user) == Role.ADMINISTRATOR


def access_pipeline_by_id(user: Any, pipeline_id: Any, *, lock: bool = False) -> Pipeline:
    pk = parse_uuid(pipeline_id)
    queryset = Pipeline.objects.visible_to(user)
    if lock:
        queryset = queryset.select_for_update()
    pipeline = queryset.filter(pk=pk).first() if pk else None
    if pipeline is None:
        raise Http404(_("No such pipeline, or you do not have access to it."))
    return pipeline


def access_stage_by_id(user: Any, stage_id: Any, *, lock: bool = False) -> Stage:
    pk = parse_uuid(stage_id)
    queryset = Stage.objects.visible_to(user).select_related("pipeline")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    stage = queryset.filter(pk=pk).first() if pk else None
    if stage is None:
        raise Http404(_("No such stage, or you do not have access to it."))
    return stage


def access_scoring_rule_by_id(user: Any, rule_id: Any) -> ScoringRule:
    """The lead-scoring rule ``rule_id`` (organisation set-up: every customer-data role reads it); else 404."""
    return record_by_id(ScoringRule, user, rule_id, missing=_("No such scoring rule."))


def access_territory_rule_by_id(user: Any, rule_id: Any) -> TerritoryRule:
    """The territory rule ``rule_id`` (organisation set-up: every customer-data role reads it); else 404."""
    return record_by_id(TerritoryRule, user, rule_id, missing=_("No such territory rule."), related=("owner",))


def access_deal_by_id(user: Any, deal_id: Any, *, for_write: bool = False, lock: bool = False) -> Deal:
    """The deal ``deal_id`` if ``user`` may see it (and change it, with ``for_write``); else 404."""
    related = ("pipeline", "stage", "company", "contact", "owner", "team", "created_by", "updated_by")
    return record_by_id(
        Deal,
        user,
        deal_id,
        missing=_("No such deal, or you do not have access to it."),
        for_write=for_write,
        lock=lock,
        related=related,
    )


def access_lead_by_id(user: Any, lead_id: Any, *, for_write: bool = False, lock: bool = False) -> Lead:
    """The lead ``lead_id`` if ``user`` may see it (and change it, with ``for_write``); else 404."""
    related = ("owner", "team", "converted_contact", "converted_company", "converted_deal", "created_by", "updated_by")
    return record_by_id(
        Lead,
        user,
        lead_id,
        missing=_("No such lead, or you do not have access to it."),
        for_write=for_write,
        lock=lock,
        related=related,
    )


def access_activity_by_id(user: Any, activity_id: Any, *, for_write: bool = False, lock: bool = False) -> Activity:
    """The activity ``activity_id`` if ``user`` may see it (and change it, with ``for_write``); else 404."""
    related = ("assignee", "contact", "company", "lead", "deal", "created_by")
    return record_by_id(
        Activity,
        user,
        activity_id,
        missing=_("No such activity, or you do not have access to it."),
        for_write=for_write,
        lock=lock,
        related=related,
    )
