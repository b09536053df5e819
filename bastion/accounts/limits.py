"""Per-user and per-IP rate limits on sensitive reads: search, reveal and export.

Counted with the same exact, cross-process fixed-window counter as the API throttle
(:func:`bastion.accounts.throttling.record_hit`, one conditional UPDATE per hit; docs/adr/0003
and 0032). Limits come from ``settings.ACCESS_RATE_LIMITS`` (``BASTION_<KIND>_RATE_USER`` and
``_IP``). Both budgets are charged on every attempt; a refusal is recorded as an
``access.denied`` event naming the limit that was hit, and the caller answers 429 with
:func:`refusal_message`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from bastion.accounts.throttling import parse_rate, record_hit

KINDS = ("search", "reveal", "export")


@dataclass(frozen=True)
class LimitHit:
    """A refused attempt: which action, which budget (``user`` or ``ip``), its size and when it frees up."""

    kind: str
    scope: str
    limit: int
    period: int
    retry_after: int


def _labels() -> dict[str, str]:
    return {"search": _("searches"), "reveal": _("reveals"), "export": _("exports")}


def _period_label(period: int) -> str:
    return {1: _("second"), 60: _("minute"), 3600: _("hour"), 86400: _("day")}.get(period, _("period"))


def charge(kind: str, user: Any, ip: str, now: float | None = None) -> LimitHit | None:
    """Count one ``kind`` attempt for ``user`` and for ``ip``; the first budget that is spent, or None."""
    now = time.time() if now is None else now
    limits = settings.ACCESS_RATE_LIMITS[kind]
    hit: LimitHit | None = None
    for scope, ident in (("user", f"user:{getattr(user, 'pk', None)}"), ("ip", f"ip:{ip or '-'}")):
        limit, period = parse_rate(limits[scope])
        if not record_hit(f"{kind}:{ident}", limit, period, now) and hit is None:
            hit = LimitHit(kind, scope, limit, period, int(period - (now % period)) + 1)
    return hit


def refusal_message(hit: LimitHit) -> str:
    """What the user reads when a limit is hit: which limit, and when to try again."""
    if hit.scope == "user":
        text = _("You have reached the limit of %(limit)d %(what)s per %(period)s. Try again in %(seconds)d seconds.")
    else:
        text = _(
            "The limit of %(limit)d %(what)s per %(period)s from your network address has been reached. "
            "Try again in %(seconds)d seconds."
        )
    values = {"limit": hit.limit, "what": _labels()[hit.kind], "period": _period_label(hit.period), "seconds": hit.retry_after}
    return text % values


def check_request(request: HttpRequest, kind: str, user: Any = None) -> LimitHit | None:
    """Charge ``kind`` for the request's user and client IP; on a refusal, record an ``access.denied`` event."""
    from bastion.kernel.audit.context import client_ip
    from bastion.kernel.audit.denied import record_denied

    actor = user if user is not None else request.user
    hit = charge(kind, actor, client_ip(request))
    if hit is not None:
        record_denied(request, reason=f"rate_limited:{kind}:{hit.scope}", status=429, user=actor)
    return hit
