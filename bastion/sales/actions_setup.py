"""Changes to the sales set-up: pipelines, their stages and exchange rates (administrators only).

Each action runs in one transaction: validate, authorise, write, audit (``setting.changed``
with the field-level change set). Deleting a stage or a pipeline that still holds deals is
refused: move the deals first, so no deal is ever left without a stage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from bastion.directory.validation import Errors, single_line
from bastion.kernel.audit.changes import Snapshot, diff, target_of
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import record_event
from bastion.sales.access import access_pipeline_by_id, access_stage_by_id, can_configure_sales
from bastion.sales.models import Deal, ExchangeRate, Pipeline, Stage, StageKind
from bastion.sales.money import base_currency, to_base_cents

PIPELINE_FIELDS = frozenset({"name", "position", "is_default"})
STAGE_FIELDS = frozenset({"name", "position", "probability", "kind"})
MAX_RATE = Decimal("1000000000")


class SetupNotAllowed(PermissionDenied):
    """Only administrators change pipelines, stages and exchange rates."""


def _require_admin(actor: Any) -> None:
    if not can_configure_sales(actor):
        raise SetupNotAllowed(_("Only an administrator can change pipelines, stages and exchange rates."))


def _audit(actor: Any, obj: Any, before: Snapshot | None, after: Snapshot | None, verb: str) -> None:
    record_event(EventKind.SETTING_CHANGED, actor=actor, target=target_of(obj), changes=diff(before, after), extra={"verb": verb})


def _unknown(data: Mapping[str, Any], allowed: frozenset[str], errors: Errors) -> None:
    for name in sorted(set(data) - allowed):
        errors.add(name, _("Unknown field."))


def _position(value: Any, errors: Errors) -> int:
    try:
        position = int(value)
    except (TypeError, ValueError):
        position = -1
    if not 0 <= position <= 1000:
        errors.add("position", _("Position must be a whole number from 0 to 1000."))
    return max(position, 0)


def _probability(value: Any, errors: Errors, field: str = "probability") -> int:
    try:
        probability = int(value)
    except (TypeError, ValueError):
        probability = -1
    if not 0 <= probability <= 100:
        errors.add(field, _("Probability must be a whole number from 0 to 100."))
    return min(max(probability, 0), 100)


# --- pipelines ------------------------------------------------------------------------


def _pipeline_snapshot(pipeline: Pipeline) -> Snapshot:
    return {"name": pipeline.name, "position": pipeline.position, "is_default": pipeline.is_default}


def _clean_pipeline(data: Mapping[str, Any], creating: bool) -> dict[str, Any]:
    errors = Errors()
    _unknown(data, PIPELINE_FIELDS, errors)
    fields: dict[str, Any] = {}
    if "name" in data or creating:
        fields["name"] = single_line(data.get("name"), "name", 100, errors, label=_("Name"))
        if not fields["name"]:
            errors.add("name", _("Enter the pipeline's name."))
    if "position" in data:
        fields["position"] = _position(data["position"], errors)
    if "is_default" in data:
        fields["is_default"] = bool(data["is_default"])
    errors.raise_if_any()
    return fields


def _save_pipeline(pipeline: Pipeline, fields: dict[str, Any]) -> None:
    if fields.get("is_default"):
        Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)
    for name, value in fields.items():
        setattr(pipeline, name, value)
    pipeline.save()


@transaction.atomic
def create_pipeline(actor: Any, data: Mapping[str, Any], *, stages: Sequence[Mapping[str, Any]] | None = None) -> Pipeline:
    """A new pipeline; ``stages`` (name, probability, kind) are added in order.

    Without ``stages`` it gets the usual three: an open first stage, won and lost.
    """
    _require_admin(actor)
    fields = _clean_pipeline(data, creating=True)
    if "position" not in fields:
        fields["position"] = (Pipeline.objects.aggregate(top=Max("position"))["top"] or 0) + 1
    if not Pipeline.objects.filter(is_default=True).exists():
        fields["is_default"] = True
    pipeline = Pipeline()
    _save_pipeline(pipeline, fields)
    _audit(actor, pipeline, None, _pipeline_snapshot(pipeline), "pipeline.created")
    default_stages: Sequence[Mapping[str, Any]] = [
        {"name": _("New"), "probability": 10, "kind": StageKind.OPEN},
        {"name": _("Won"), "probability": 100, "kind": StageKind.WON},
        {"name": _("Lost"), "probability": 0, "kind": StageKind.LOST},
    ]
    for position, stage in enumerate(stages if stages is not None else default_stages):
        create_stage(actor, pipeline.pk, {**stage, "position": position})
    return pipeline


@transaction.atomic
def update_pipeline(actor: Any, pipeline_id: Any, data: Mapping[str, Any]) -> Pipeline:
    _require_admin(actor)
    pipeline = access_pipeline_by_id(actor, pipeline_id, lock=True)
    fields = _clean_pipeline(data, creating=False)
    if fields.get("is_default") is False and pipeline.is_default:
        raise ValidationError({"is_default": [_("Make another pipeline the default instead.")]})
    before = _pipeline_snapshot(pipeline)
    _save_pipeline(pipeline, fields)
    _audit(actor, pipeline, before, _pipeline_snapshot(pipeline), "pipeline.updated")
    return pipeline


@transaction.atomic
def delete_pipeline(actor: Any, pipeline_id: Any) -> None:
    _require_admin(actor)
    pipeline = access_pipeline_by_id(actor, pipeline_id, lock=True)
    if Deal.objects.filter(pipeline=pipeline).exists():
        raise ValidationError({"pipeline": [_("This pipeline still has deals. Move or delete them first.")]})
    if pipeline.is_default:
        raise ValidationError({"pipeline": [_("The default pipeline cannot be deleted. Make another one the default first.")]})
    _audit(actor, pipeline, _pipeline_snapshot(pipeline), None, "pipeline.deleted")
    pipeline.delete()


# --- stages ----------------------------------------------------------------------------


def _stage_snapshot(stage: Stage) -> Snapshot:
    return {
        "pipeline": str(stage.pipeline_id), "name": stage.name, "position": stage.position,
        "probability": stage.probability, "kind": stage.kind,
    }  # fmt: skip


def _clean_stage(data: Mapping[str, Any], creating: bool) -> dict[str, Any]:
    errors = Errors()
    _unknown(data, STAGE_FIELDS, errors)
    fields: dict[str, Any] = {}
    if "name" in data or creating:
        fields["name"] = single_line(data.get("name"), "name", 100, errors, label=_("Name"))
        if not fields["name"]:
            errors.add("name", _("Enter the stage's name."))
    if "position" in data:
        fields["position"] = _position(data["position"], errors)
    if "probability" in data:
        fields["probability"] = _probability(data["probability"], errors)
    if "kind" in data or creating:
        kind = str(data.get("kind") or StageKind.OPEN)
        if kind not in StageKind.values:
            errors.add("kind", _("Choose open, won or lost."))
        fields["kind"] = kind
    errors.raise_if_any()
    return fields


@transaction.atomic
def create_stage(actor: Any, pipeline_id: Any, data: Mapping[str, Any]) -> Stage:
    """A new stage at ``position``; without one, a won or lost stage goes at the end of the
    pipeline and an open stage right after the last open one, before the won and lost stages
    (which move down one place, each audited as ``stage.updated``)."""
    _require_admin(actor)
    pipeline = access_pipeline_by_id(actor, pipeline_id, lock=True)
    fields = _clean_stage(data, creating=True)
    if "position" not in fields:
        if fields["kind"] == StageKind.OPEN:
            fields["position"] = _make_room_after_open_stages(actor, pipeline)
        else:
            fields["position"] = (Stage.objects.filter(pipeline=pipeline).aggregate(top=Max("position"))["top"] or 0) + 1
    stage = Stage(pipeline=pipeline, **fields)
    stage.save()
    _audit(actor, stage, None, _stage_snapshot(stage), "stage.created")
    return stage


def _make_room_after_open_stages(actor: Any, pipeline: Pipeline) -> int:
    """The position right after the pipeline's last open stage (in the board's order); the stages
    after it are renumbered from the next position on, so positions stay in order without a gap
    or a tie. Called with the pipeline locked, so two new stages do not get the same place."""
    stages = list(Stage.objects.filter(pipeline=pipeline).order_by("position", "name"))
    last_open = max((index for index, stage in enumerate(stages) if stage.kind == StageKind.OPEN), default=-1)
    following = stages[last_open + 1 :]
    if last_open >= 0:
        position = stages[last_open].position + 1
    elif following:
        position = following[0].position
    else:
        position = 0
    for offset, stage in enumerate(following, start=1):
        if stage.position != position + offset:
            before = _stage_snapshot(stage)
            stage.position = position + offset
            stage.save(update_fields=["position"])
            _audit(actor, stage, before, _stage_snapshot(stage), "stage.updated")
    return position


@transaction.atomic
def update_stage(actor: Any, stage_id: Any, data: Mapping[str, Any]) -> Stage:
    """Rename, reorder or change a stage. Its deals keep their own probability."""
    _require_admin(actor)
    stage = access_stage_by_id(actor, stage_id, lock=True)
    fields = _clean_stage(data, creating=False)
    before = _stage_snapshot(stage)
    for name, value in fields.items():
        setattr(stage, name, value)
    stage.save()
    if before["kind"] != stage.kind:
        _sync_closed(stage)
    _audit(actor, stage, before, _stage_snapshot(stage), "stage.updated")
    return stage


def _sync_closed(stage: Stage) -> None:
    """Deals in a stage that became won/lost (or open again) are closed (or reopened) with it."""
    from django.utils import timezone

    deals = Deal.objects.filter(stage=stage)
    if stage.is_closed:
        deals.filter(closed_at__isnull=True).update(closed_at=timezone.now())
    else:
        deals.update(closed_at=None)


@transaction.atomic
def delete_stage(actor: Any, stage_id: Any) -> None:
    _require_admin(actor)
    stage = access_stage_by_id(actor, stage_id, lock=True)
    if Deal.objects.filter(stage=stage).exists():
        raise ValidationError({"stage": [_("This stage still has deals. Move them to another stage first.")]})
    if Stage.objects.filter(pipeline_id=stage.pipeline_id).count() <= 1:
        raise ValidationError({"stage": [_("A pipeline needs at least one stage.")]})
    _audit(actor, stage, _stage_snapshot(stage), None, "stage.deleted")
    stage.delete()


# --- exchange rates ----------------------------------------------------------------------


def _rate(value: Any, errors: Errors) -> Decimal:
    try:
        rate = Decimal(str(value).strip())
    except (InvalidOperation, TypeError):
        rate = Decimal(-1)
    if not rate.is_finite() or rate <= 0 or rate > MAX_RATE or rate != rate.quantize(Decimal("0.00000001")):
        errors.add("rate", _("The rate must be a positive number with at most eight decimal places."))
        return Decimal(1)
    return rate


@transaction.atomic
def set_exchange_rate(actor: Any, currency: Any, rate: Any) -> ExchangeRate:
    """Set how many base-currency units one ``currency`` unit is worth; converts its deals' base amounts."""
    _require_admin(actor)
    errors = Errors()
    code = str(currency or "").strip().upper()
    if not (len(code) == 3 and code.isascii() and code.isalpha()):
        errors.add("currency", _("Enter the currency as a three-letter code such as USD, EUR or CNY."))
    elif code == base_currency():
        errors.add("currency", _("%(code)s is the base currency; its rate is always 1.") % {"code": code})
    value = _rate(rate, errors)
    errors.raise_if_any()
    existing = ExchangeRate.objects.select_for_update().filter(currency=code).first()
    before = {"currency": code, "rate": str(existing.rate)} if existing else None
    row = existing or ExchangeRate(currency=code)
    row.rate = value
    row.save()
    _reconvert(code, value)
    _audit(actor, row, before, {"currency": code, "rate": str(value)}, "rate.set")
    return row


def _reconvert(currency: str, rate: Decimal) -> None:
    """Recompute the base amount of every deal in ``currency``, exactly (in Python), 1,000 rows a batch."""
    rows = Deal.objects.filter(currency=currency).only("id", "amount", "amount_base_cents").order_by("pk")
    batch: list[Deal] = []
    for deal in rows.iterator(chunk_size=1000):
        deal.amount_base_cents = to_base_cents(deal.amount, rate)
        batch.append(deal)
        if len(batch) == 1000:
            Deal.objects.bulk_update(batch, ["amount_base_cents"])
            batch = []
    if batch:
        Deal.objects.bulk_update(batch, ["amount_base_cents"])


@transaction.atomic
def delete_exchange_rate(actor: Any, currency: Any) -> None:
    _require_admin(actor)
    code = str(currency or "").strip().upper()
    row = ExchangeRate.objects.select_for_update().filter(currency=code).first()
    if row is None:
        raise ValidationError({"currency": [_("There is no exchange rate for this currency.")]})
    if Deal.objects.filter(currency=code).exists():
        raise ValidationError({"currency": [_("Deals are still priced in %(code)s; its rate is needed.") % {"code": code}]})
    _audit(actor, row, {"currency": code, "rate": str(row.rate)}, None, "rate.deleted")
    row.delete()
