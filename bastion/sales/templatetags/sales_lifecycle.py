"""``{% lifecycle contact=contact %}``: a person's lifecycle stage, the form to change it, and its history.

An inclusion tag so that the directory's contact page shows it without the directory knowing
about sales; it reads through the scoped selector with the signed-in user.
"""

from __future__ import annotations

from typing import Any

from django import template

from bastion.directory.models import LifecycleStage
from bastion.kernel.access.scoping import can_change_customer_records
from bastion.sales.lifecycle import history

register = template.Library()


@register.inclusion_tag("sales/lifecycle/_panel.html", takes_context=True)
def lifecycle(context: Any, **person: Any) -> dict[str, Any]:
    request = context["request"]
    ((kind, record),) = person.items()
    return {
        "kind": kind,
        "record": record,
        "stage": LifecycleStage(record.lifecycle_stage),
        "stages": LifecycleStage.choices,
        "changes": history(request.user, kind, record.pk),
        "can_edit": can_change_customer_records(request.user),
        "csrf_token": context.get("csrf_token"),
    }
