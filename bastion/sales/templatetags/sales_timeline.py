"""``{% timeline contact=contact %}``: the activity timeline of a contact, company, lead or deal.

An inclusion tag so that the directory's pages can show the sales timeline without their views
knowing about sales; it reads through the scoped selector with the signed-in user.
"""

from __future__ import annotations

from typing import Any

from django import template

from bastion.kernel.access.scoping import can_change_customer_records
from bastion.sales.selectors_activities import timeline as timeline_of

register = template.Library()


@register.inclusion_tag("sales/activities/_timeline.html", takes_context=True)
def timeline(context: Any, **record: Any) -> dict[str, Any]:
    request = context["request"]
    ((name, value),) = record.items()
    # The directory's pages hold masked records (bastion.kernel.access.masking): look up by id.
    entries = timeline_of(request.user, **{name: value.pk})
    return {
        "entries": entries,
        "has_activities": any(entry.activity is not None for entry in entries),
        "link_name": name,
        "link_id": value.pk,
        "here": request.get_full_path(),
        "can_edit": can_change_customer_records(request.user),
        "csrf_token": context.get("csrf_token"),
    }
