"""``{% interests contact=contact %}``: the "Interests" panel of a contact or lead page.

An inclusion tag so that the directory's and sales' pages show interests without their views
knowing about engagement; it reads through the scoped selector with the signed-in user.
"""

from __future__ import annotations

from typing import Any

from django import template

from bastion.engagement.selectors import interests_of

register = template.Library()


@register.inclusion_tag("engagement/_interests.html", takes_context=True)
def interests(context: Any, **record: Any) -> dict[str, Any]:
    request = context["request"]
    ((name, value),) = record.items()
    # The pages hold masked records (bastion.kernel.access.masking): look up by id.
    found = interests_of(request.user, name, value.pk)
    return {
        "topics": [interest for interest in found if interest.topic],
        "products": [interest for interest in found if interest.product_id],
    }
