"""Helpers shared by tests (imported by tests only)."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(condition: Callable[[], bool], what: str, deadline: float = 30.0, interval: float = 0.05) -> None:
    """Poll ``condition`` until it holds; fail after ``deadline`` seconds naming ``what`` was awaited.

    The one place tests wait on a condition rather than on the clock.
    """
    until = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > until:
            raise AssertionError(f"timed out after {deadline:.0f} s waiting for {what}")
        time.sleep(interval)  # the pause between two checks of the condition
