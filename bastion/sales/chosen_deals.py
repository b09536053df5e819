"""The deal list's "Move to a stage": the deals ticked on the list moved to one stage, each through
``actions.move_deal`` (the board's own move: its lock, checks, stage history and audit event, and
the lifecycle follow-ups of a deal won or lost).

A deal already in that stage is left as it was and not counted; one the user may only read, or
that the move would leave out of their sight, is refused and reported. A lost reason, when given,
is written only with a move to a lost stage.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.utils.translation import gettext as _

from bastion.directory.validation import Errors, single_line
from bastion.kernel.access.scoping import parse_uuid
from bastion.sales import actions
from bastion.sales.handover import HandOver, set_each
from bastion.sales.models import Deal, Stage, StageKind

KEY = "deals"


def move_chosen(actor: Any, pks: Iterable[Any], stage_id: Any, lost_reason: str = "") -> HandOver:
    """Move the chosen deals (at most :data:`BATCH`) to the stage ``stage_id``. ``moved`` counts those that moved."""
    errors = Errors()
    pk = parse_uuid(stage_id)
    stage = Stage.objects.visible_to(actor).filter(pk=pk).first() if pk is not None else None
    if stage is None:
        errors.add("stage", _("Choose a stage that exists."))
    reason = single_line(lost_reason or "", "lost_reason", 200, errors, label=_("Lost reason"))
    errors.raise_if_any()
    return _move_each(actor, pks, cast(Stage, stage), reason)


def _move_each(actor: Any, pks: Iterable[Any], stage: Stage, reason: str) -> HandOver:
    lost_reason = reason if stage.kind == StageKind.LOST and reason else None

    def move(pk: Any) -> None:
        actions.move_deal(actor, pk, stage.pk, lost_reason=lost_reason)

    return set_each(KEY, pks, Deal, "stage_id", stage.pk, move)
