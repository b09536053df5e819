"""Background jobs of the key store (huey): the daily orphan-key sweep."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from bastion.kernel.crypto import lifecycle

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="23", hour="4"))
def sweep_orphan_keys_daily() -> None:
    """Daily: notice people with data keys but no row; destroy the keys of those missing for the grace period."""
    result = lifecycle.sweep()
    logger.info(
        "orphan key sweep: %d noticed, %d back, keys of %d people destroyed (%d keys)",
        result.noticed,
        result.back,
        result.persons_destroyed,
        result.keys_destroyed,
    )
