"""Background jobs of engagement (huey; discovered as ``<app>.tasks``)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def rescore_engaged_leads(lead_ids: list[str]) -> int:
    """Score these leads again after interactions about them were recorded; safe to run again."""
    from bastion.sales.scoring import rescore_leads

    return rescore_leads(lead_ids)
