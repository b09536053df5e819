"""The lead list's "Set the status": the leads ticked on the list given one status (new, contacted,
qualified or disqualified), each through ``actions_leads.update_lead`` (its lock, its writer and
record checks, its rescoring, lifecycle follow-up and audit event).

A lead already in that status is left as it was and not counted; a converted lead (kept as
history) and one the user may only read are refused and reported, as on the other lists' actions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from bastion.sales import actions_leads
from bastion.sales.handover import HandOver, set_each
from bastion.sales.models import Lead

KEY = "leads"


def set_status(actor: Any, pks: Iterable[Any], status: Any) -> HandOver:
    """Give the chosen leads (at most ``BATCH``) the status ``status``. ``moved`` counts those that changed."""
    if status not in actions_leads.OPEN_STATUSES:
        raise ValidationError({"status": [_("Choose new, contacted, qualified or disqualified.")]})
    return set_each(KEY, pks, Lead, "status", status, lambda pk: actions_leads.update_lead(actor, pk, {"status": status}))
