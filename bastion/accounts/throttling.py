"""API throttling per token with an atomic counter in the database.

DRF's ``SimpleRateThrottle`` keeps a list of request times in the cache and rewrites it on
every request with a read-then-write: six queries against the database cache, a value that
grows with the rate, and lost updates when two app servers count the same token at once.
A fixed-window counter row, incremented with one conditional ``UPDATE ... SET hits = hits + 1``,
is exact across processes and costs one query per request (two on the first of a window).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from bastion.accounts.models import ThrottleWindow

_PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"600/min"`` → (600, 60). A malformed rate is a configuration error, named as such."""
    try:
        count, period = rate.split("/")
        return int(count), _PERIODS[period.strip().lower()]
    except (ValueError, KeyError) as exc:
        raise ValueError(f"BASTION_API_RATE must look like 600/min (per s, min, hour or day), got {rate!r}") from exc


def record_hit(key: str, limit: int, period: int, now: float | None = None) -> bool:
    """Count one request for ``key`` in the current window; False when the window is full."""
    window = int((time.time() if now is None else now) // period)
    under_limit = ThrottleWindow.objects.filter(key=key, window=window, hits__lt=limit)
    if under_limit.update(hits=F("hits") + 1):
        return True
    try:
        with transaction.atomic():
            ThrottleWindow.objects.create(key=key, window=window, period=period, hits=1)
        return limit >= 1
    except IntegrityError:
        # The window exists: it is full, or another process created it a moment ago.
        return bool(under_limit.update(hits=F("hits") + 1))


def purge_throttle_windows(older_than: timedelta = timedelta(days=1)) -> int:
    """Delete counter rows of windows that ended more than ``older_than`` ago."""
    cutoff = time.time() - older_than.total_seconds()
    ended = ThrottleWindow.objects.annotate(ends_at=(F("window") + 1) * F("period")).filter(ends_at__lt=cutoff)
    deleted, _ = ended.delete()
    return deleted


class PerTokenThrottle(BaseThrottle):
    """One budget per API token; session requests share one per user, anonymous ones per IP."""

    scope = "token"

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def ident_for(self, request: Request) -> str:
        auth = getattr(request, "auth", None)
        if auth is not None and getattr(auth, "pk", None) is not None:
            return f"token:{auth.pk}"
        if request.user is not None and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return f"ip:{self.get_ident(request)}"

    def allow_request(self, request: Request, view: Any) -> bool:
        # Read the rate at request time (DRF binds settings at import), so a changed setting applies.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if rate is None:
            return True
        limit, period = parse_rate(str(rate))
        now = time.time()
        if record_hit(f"{self.scope}:{self.ident_for(request)}", limit, period, now):
            return True
        self.retry_after = period - (now % period)
        return False

    def wait(self) -> float | None:
        return self.retry_after
