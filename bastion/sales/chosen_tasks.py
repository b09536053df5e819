"""The activity list's "Mark done": the tasks ticked on the list marked done, each through
``actions_activities.set_done`` (its lock, its writer and record checks, its audit event).

A task already done, or an activity that is not a task (a call, a meeting, a note), is left as it
was; a task the user may only read is refused and reported, as on the other lists' actions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from bastion.sales import actions_activities
from bastion.sales.handover import HandOver, each_chosen, lock_row
from bastion.sales.models import Activity, ActivityKind

KEY = "activities"


def mark_done(actor: Any, pks: Iterable[Any]) -> HandOver:
    """Mark the chosen tasks done (at most :data:`BATCH`). ``moved`` counts the tasks that changed."""

    def done(pk: Any) -> int:
        lock_row(Activity, pk)
        row = Activity.objects.visible_to(actor).filter(pk=pk).values("kind", "done_at").first()
        if row is None:
            raise ValidationError(_("It no longer exists, or you can no longer see it."))
        if row["kind"] != ActivityKind.TASK or row["done_at"] is not None:
            return 0  # nothing to do (set_done checks whether the user may change it, when there is)
        actions_activities.set_done(actor, pk, True)
        return 1

    return each_chosen(KEY, pks, done)
