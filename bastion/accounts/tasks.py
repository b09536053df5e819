"""Background jobs of staff accounts (huey)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from bastion.accounts.maintenance import purge_expired_auth_data
from bastion.accounts.staff import disable_inactive

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="17"))
def purge_expired_auth_data_hourly() -> None:
    """Every hour: remove expired sessions, stale session-list rows and long-dead API tokens."""
    result = purge_expired_auth_data()
    logger.info(
        "purged expired sign-in data: %d sessions, %d session rows, %d tokens",
        result.sessions,
        result.user_sessions,
        result.tokens,
    )


@db_periodic_task(crontab(hour="2", minute="41"))
def disable_inactive_members_daily() -> None:
    """Every night: disable members with no sign-in and no API-token use for BASTION_INACTIVE_DAYS (90)."""
    disabled = disable_inactive()
    logger.info("disabled %d inactive members: %s", len(disabled), ", ".join(disabled) or "none")
