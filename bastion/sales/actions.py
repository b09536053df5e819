"""Every change to deals (DESIGN.md rule 1): create, update, move between stages, delete.

Each action runs in one transaction and: checks the actor may change customer records,
cleans and validates all input (one ``ValidationError`` whose ``message_dict`` names every bad
field), writes, re-checks that the actor can still see the deal (rule 4), keeps a
:class:`~bastion.sales.models.DealStageChange` for every stage the deal enters, and records the
audit event with the field-level change set (rule 6).

Input is a mapping of field name to value (a form's ``cleaned_data`` or a serializer's
``validated_data``). Updates are partial: absent keys keep their value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import Team
from bastion.commerce.lines import clean_lines, cleaned_snapshot, line_snapshot
from bastion.directory import selectors as directory
from bastion.directory.access import parse_uuid
from bastion.directory.validation import Errors, multi_line, single_line
from bastion.kernel.access.scoping import can_change_customer_records
from bastion.kernel.audit.cascade import record_delete_effects
from bastion.kernel.audit.changes import ChangeSet, Snapshot, diff, record_change, target_of
from bastion.sales import lifecycle
from bastion.sales.access import access_deal_by_id
from bastion.sales.actions_setup import _probability
from bastion.sales.models import Deal, DealLine, DealStageChange, ExchangeRate, Pipeline, Stage, StageKind
from bastion.sales.money import base_currency, parse_amount, parse_currency, to_base_cents

DEAL_FIELDS = frozenset(
    {"name", "pipeline", "stage", "amount", "currency", "probability", "expected_close_date"}
    | {"company", "contact", "owner", "team", "lost_reason", "notes", "lines"}
)
AUDIT_RESTRICTED = ("notes",)  # free text may hold anything: the log says only that it changed


class ActionNotAllowed(PermissionDenied):
    """The actor's role may not change customer records (a 403 in views and the API)."""


class NotVisibleAfterWrite(PermissionDenied):
    """The change would leave the actor unable to see the deal; it is rolled back."""


def _require_writer(actor: Any) -> None:
    if not can_change_customer_records(actor):
        raise ActionNotAllowed(_("Your role does not allow changing deals."))


def _ensure_visible(actor: Any, pk: Any) -> None:
    if not Deal.objects.visible_to(actor).filter(pk=pk).exists():
        raise NotVisibleAfterWrite(_("After this change you could no longer see the deal, so it was not saved."))


def _snapshot(deal: Deal) -> Snapshot:
    close = deal.expected_close_date
    return {
        "name": deal.name,
        "pipeline": str(deal.pipeline_id),
        "stage": str(deal.stage_id),
        "amount": str(deal.amount),
        "currency": deal.currency,
        "probability": deal.probability,
        "expected_close_date": close.isoformat() if close else None,
        "company": str(deal.company_id) if deal.company_id else None,
        "contact": str(deal.contact_id) if deal.contact_id else None,
        "owner": deal.owner_id,
        "team": str(deal.team_id) if deal.team_id else None,
        "lost_reason": deal.lost_reason,
        "notes": deal.notes,
        "lines": [line_snapshot(line) for line in deal.lines.order_by("position")] if deal.pk else [],
    }


def _audit(actor: Any, verb: str, deal: Deal, before: Snapshot | None) -> ChangeSet:
    after = None if verb.endswith(".deleted") else _snapshot(deal)
    changes = diff(before, after)
    target = target_of(deal, {"owner": deal.owner_id, "team": str(deal.team_id) if deal.team_id else None})
    record_change(actor, verb, target, changes, restricted=AUDIT_RESTRICTED)
    return changes


# --- cleaning -------------------------------------------------------------------------------


def _date(value: Any, errors: Errors) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.add("expected_close_date", _("Enter the expected close date as YYYY-MM-DD."))
        return None


def _pipeline(actor: Any, value: Any, errors: Errors) -> Pipeline | None:
    pk = parse_uuid(getattr(value, "pk", value))
    pipeline = Pipeline.objects.visible_to(actor).filter(pk=pk).first() if pk else None
    if pipeline is None:
        errors.add("pipeline", _("Choose a pipeline that exists."))
    return pipeline


def _stage(actor: Any, value: Any, errors: Errors) -> Stage | None:
    pk = parse_uuid(getattr(value, "pk", value))
    stage = Stage.objects.visible_to(actor).select_related("pipeline").filter(pk=pk).first() if pk else None
    if stage is None:
        errors.add("stage", _("Choose a stage that exists."))
    return stage


def _owner(value: Any, errors: Errors, current: Deal | None) -> Any:
    if value in (None, ""):
        return None
    pk = getattr(value, "pk", value)
    if current is not None and str(pk) == str(current.owner_id):
        return current.owner
    owner = directory.assignable_owners().filter(pk=pk).first() if str(pk).isdigit() else None
    if owner is None:
        errors.add("owner", _("Choose an active colleague whose role can own records."))
    return owner


def _team(value: Any, errors: Errors) -> Team | None:
    if value in (None, ""):
        return None
    pk = parse_uuid(getattr(value, "pk", value))
    team = Team.objects.filter(pk=pk).first() if pk else None
    if team is None:
        errors.add("team", _("Choose a team that exists."))
    return team


def _related(actor: Any, data: Mapping[str, Any], errors: Errors, current: Deal | None) -> dict[str, Any]:
    """Pipeline, stage, owner, team, company and contact. A company or contact must be one the
    actor can see (unknown and invisible look alike)."""
    fields: dict[str, Any] = {}
    if "pipeline" in data and data["pipeline"] not in (None, ""):
        fields["pipeline"] = _pipeline(actor, data["pipeline"], errors)
    if "stage" in data and data["stage"] not in (None, ""):
        fields["stage"] = _stage(actor, data["stage"], errors)
    if "owner" in data:
        fields["owner"] = _owner(data["owner"], errors, current)
    if "team" in data:
        fields["team"] = _team(data["team"], errors)
    if "company" in data:
        pk = parse_uuid(getattr(data["company"], "pk", data["company"])) if data["company"] not in (None, "") else None
        fields["company"] = directory.company_queryset(actor).filter(pk=pk).first() if pk else None
        if data["company"] not in (None, "") and fields["company"] is None:
            errors.add("company", _("Choose a company that exists and that you can see."))
    if "contact" in data:
        pk = parse_uuid(getattr(data["contact"], "pk", data["contact"])) if data["contact"] not in (None, "") else None
        fields["contact"] = directory.contact_queryset(actor).filter(pk=pk).first() if pk else None
        if data["contact"] not in (None, "") and fields["contact"] is None:
            errors.add("contact", _("Choose a contact that exists and that you can see."))
    return fields


def known_currencies() -> set[str]:
    return {base_currency(), *ExchangeRate.objects.values_list("currency", flat=True)}


def _clean(actor: Any, data: Mapping[str, Any], current: Deal | None) -> dict[str, Any]:
    creating = current is None
    errors = Errors()
    for name in sorted(set(data) - DEAL_FIELDS):
        errors.add(name, _("Unknown field."))
    fields: dict[str, Any] = {}
    if "name" in data or creating:
        fields["name"] = single_line(data.get("name"), "name", 200, errors, label=_("Name"))
        if not fields["name"]:
            errors.add("name", _("Enter the deal's name."))
    if "amount" in data:
        fields["amount"] = parse_amount(data["amount"], "amount", errors, label=_("Amount"))
    if "currency" in data or creating:
        fields["currency"] = parse_currency(data.get("currency") or base_currency(), "currency", errors, known=known_currencies())
    if data.get("probability") not in (None, ""):
        fields["probability"] = _probability(data["probability"], errors)
    if "expected_close_date" in data:
        fields["expected_close_date"] = _date(data["expected_close_date"], errors)
    if "lost_reason" in data:
        fields["lost_reason"] = single_line(data["lost_reason"], "lost_reason", 200, errors, label=_("Lost reason"))
    if "notes" in data:
        fields["notes"] = multi_line(data["notes"], "notes", errors, label=_("Notes"))
    fields.update(_related(actor, data, errors, current))
    _place(actor, fields, current, errors)
    if "lines" in data:
        _lines(actor, data["lines"], fields, current, errors)
    errors.raise_if_any()
    return fields


def _lines(actor: Any, rows: Any, fields: dict[str, Any], current: Deal | None, errors: Errors) -> None:
    """Product lines (ADR 0044): when there are any, the deal's amount is their total."""
    currency = fields.get("currency") or (current.currency if current else base_currency())
    kept = set(current.lines.exclude(product=None).values_list("product_id", flat=True)) if current else set()
    fields["lines"] = clean_lines(actor, rows if rows is not None else [], currency, errors, kept)
    if fields["lines"]:
        fields["amount"] = sum((line["line_total"] for line in fields["lines"]), Decimal("0.00"))


def _place(actor: Any, fields: dict[str, Any], current: Deal | None, errors: Errors) -> None:
    """Settle pipeline and stage: a stage picks its pipeline; a pipeline alone picks its first stage."""
    stage, pipeline = fields.get("stage"), fields.get("pipeline")
    if stage is not None:
        if pipeline is not None and stage.pipeline_id != pipeline.pk:
            errors.add("stage", _("This stage belongs to another pipeline."))
        fields["pipeline"] = stage.pipeline
        return
    if current is not None and (pipeline is None or pipeline.pk == current.pipeline_id):
        fields.pop("pipeline", None)
        return
    if pipeline is None and "pipeline" not in fields and not errors.by_field.get("pipeline"):
        pipeline = Pipeline.objects.visible_to(actor).filter(is_default=True).first() or (
            Pipeline.objects.visible_to(actor).order_by("position", "name").first()
        )
        if pipeline is None:
            errors.add("pipeline", _("There is no pipeline yet. An administrator must set one up first."))
    if pipeline is not None:
        first = Stage.objects.filter(pipeline=pipeline).order_by("position").first()
        if first is None:
            errors.add("pipeline", _("This pipeline has no stages yet."))
        fields["pipeline"], fields["stage"] = pipeline, first


def _default_team(actor: Any) -> Team | None:
    membership = getattr(actor, "membership", None)
    teams = list(membership.teams.order_by("name")[:2]) if membership is not None else []
    return teams[0] if len(teams) == 1 else None


# --- writing ----------------------------------------------------------------------------------


def _rate_of(currency: str) -> Any:
    if currency == base_currency():
        return Decimal(1)
    return ExchangeRate.objects.get(currency=currency).rate


def _enter_stage(actor: Any, deal: Deal, stage: Stage, previous: Stage | None, *, keep_probability: bool) -> None:
    deal.stage, deal.pipeline_id = stage, stage.pipeline_id
    if not keep_probability:
        deal.probability = stage.probability
    if stage.is_closed and (previous is None or not previous.is_closed or deal.closed_at is None):
        deal.closed_at = timezone.now()
    elif not stage.is_closed:
        deal.closed_at = None


def _history(actor: Any, deal: Deal, stage: Stage, previous: Stage | None) -> None:
    DealStageChange.objects.create(
        deal=deal, from_stage=previous, to_stage=stage, from_name=previous.name if previous else "", to_name=stage.name,
        changed_by=actor,
    )  # fmt: skip


def _write(actor: Any, deal: Deal, fields: dict[str, Any]) -> None:
    previous: Stage | None = None if deal._state.adding else deal.stage
    stage: Stage | None = fields.pop("stage", None)
    lines: list[dict[str, Any]] | None = fields.pop("lines", None)
    fields.pop("pipeline", None)
    for name, value in fields.items():
        setattr(deal, name, value)
    moved = stage is not None and (previous is None or stage.pk != previous.pk)
    if moved:
        assert stage is not None  # noqa: S101 - narrowed for mypy
        _enter_stage(actor, deal, stage, previous, keep_probability="probability" in fields)
    deal.amount_base_cents = to_base_cents(deal.amount, _rate_of(deal.currency))
    if deal._state.adding:
        deal.created_by = actor
    deal.updated_by = actor
    deal.save()
    if moved:
        assert stage is not None  # noqa: S101
        _history(actor, deal, stage, previous)
    if lines is not None:
        deal.lines.all().delete()
        DealLine.objects.bulk_create([DealLine(deal=deal, position=i, **line) for i, line in enumerate(lines)])


def _follow_up(actor: Any, deal: Deal, stage_before: Any, contact_before: Any) -> None:
    """The contact's lifecycle follows the deal; a deal entering a won stage becomes an order (ADR 0044)."""
    if deal.stage_id == stage_before and deal.contact_id == contact_before:
        return
    lifecycle.on_deal_saved(actor, deal)
    if deal.stage_id != stage_before and deal.stage.kind == StageKind.WON:
        from bastion.commerce.from_deals import order_for_won_deal  # commerce builds on sales

        order_for_won_deal(actor, deal)


RELATIONS = ("pipeline", "stage", "company", "contact", "owner", "team")


def _would_change(deal: Deal, fields: Mapping[str, Any]) -> bool:
    """Whether writing ``fields`` would change the deal (a no-op save writes and audits nothing)."""
    for name, value in fields.items():
        if name == "lines":
            if [line_snapshot(line) for line in deal.lines.order_by("position")] != cleaned_snapshot(value):
                return True
        elif name in RELATIONS:
            if (value.pk if value is not None else None) != getattr(deal, f"{name}_id"):
                return True
        elif getattr(deal, name) != value:
            return True
    return False


@transaction.atomic
def create_deal(actor: Any, data: Mapping[str, Any]) -> Deal:
    """A new deal (``name`` required) in the default pipeline's first stage unless told otherwise.

    The actor owns it unless ``owner`` is given; its team is the owner's team when they have one.
    """
    _require_writer(actor)
    fields = _clean(actor, data, None)
    fields.setdefault("owner", actor)
    if "team" not in fields:
        fields["team"] = _default_team(fields["owner"]) if fields["owner"] is not None else None
    deal = Deal()
    _write(actor, deal, fields)
    _ensure_visible(actor, deal.pk)
    _audit(actor, "deal.created", deal, None)
    _follow_up(actor, deal, None, None)
    return deal


@transaction.atomic
def update_deal(actor: Any, deal_id: Any, data: Mapping[str, Any]) -> Deal:
    """Change the fields given in ``data``; a new ``stage`` is a move, kept in the stage history."""
    _require_writer(actor)
    deal = access_deal_by_id(actor, deal_id, for_write=True, lock=True)
    fields = _clean(actor, data, deal)
    before = _snapshot(deal)
    if not _would_change(deal, fields):
        return deal
    stage_before, contact_before = deal.stage_id, deal.contact_id
    _write(actor, deal, fields)
    _ensure_visible(actor, deal.pk)
    _audit(actor, "deal.updated", deal, before)
    _follow_up(actor, deal, stage_before, contact_before)
    return deal


@transaction.atomic
def move_deal(actor: Any, deal_id: Any, stage_id: Any, *, lost_reason: str | None = None) -> Deal:
    """Move a deal to ``stage_id`` (the board's drag and drop); its probability becomes the stage's."""
    data: dict[str, Any] = {"stage": stage_id}
    if lost_reason is not None:
        data["lost_reason"] = lost_reason
    return update_deal(actor, deal_id, data)


@transaction.atomic
def delete_deal(actor: Any, deal_id: Any) -> ChangeSet:
    """Delete a deal with its stage history (the audit trail keeps the record of both)."""
    _require_writer(actor)
    deal = access_deal_by_id(actor, deal_id, for_write=True, lock=True)
    changes = _audit(actor, "deal.deleted", deal, _snapshot(deal))
    record_delete_effects(actor, deal)
    deal.delete()
    return changes
