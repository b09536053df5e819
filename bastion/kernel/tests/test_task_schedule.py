"""The audit checkpoint schedule fires every N minutes for any N, not just N < 60."""

from __future__ import annotations

import datetime as dt

import pytest
from huey import crontab

from bastion.kernel.tasks import every_n_minutes

START = dt.datetime(2026, 11, 29, 0, 0)  # noqa: DTZ001 - huey passes naive UTC datetimes


def firing_minutes(schedule: object, minutes: int = 3 * 24 * 60) -> list[int]:
    """The minutes (from START) at which ``schedule`` fires during ``minutes`` minutes."""
    return [m for m in range(minutes) if schedule(START + dt.timedelta(minutes=m))]  # type: ignore[operator]


@pytest.mark.parametrize("interval", [1, 5, 7, 10, 59, 60, 90, 120, 240, 1440])
def test_every_n_minutes_fires_at_exactly_that_interval(interval: int) -> None:
    fired = firing_minutes(every_n_minutes(interval))
    gaps = {later - earlier for earlier, later in zip(fired, fired[1:], strict=False)}
    assert gaps == {interval}
    assert len(fired) == 3 * 24 * 60 // interval


def test_crontab_step_minutes_was_wrong_above_59() -> None:
    """Why the schedule is not ``crontab(minute=f"*/{n}")``: */90 fires hourly, */7 unevenly."""
    hourly = firing_minutes(crontab(minute="*/90"), 6 * 60)
    assert {b - a for a, b in zip(hourly, hourly[1:], strict=False)} == {60}
    uneven = firing_minutes(crontab(minute="*/7"), 2 * 60)
    assert {b - a for a, b in zip(uneven, uneven[1:], strict=False)} == {7, 4}


def test_the_checkpoint_task_uses_the_interval_from_settings() -> None:
    from django.conf import settings

    from bastion.kernel import tasks

    task = tasks.sign_audit_checkpoint.task_class()
    fired = firing_minutes(task.validate_datetime, 24 * 60)
    assert len(fired) == 24 * 60 // settings.AUDIT_CHECKPOINT_MINUTES


def test_an_interval_below_one_minute_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one minute"):
        every_n_minutes(0)
