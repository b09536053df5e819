"""Sign-in lockout (PCI DSS 8.3.4, ASVS V6.1.1/V6.3.1): which limit was hit and until when.

allauth keeps the failed-attempt counters (``ACCOUNT_RATE_LIMITS["login_failed"]``, e.g.
``10/30m/ip,10/30m/key``) in the shared cache. This module only reads them to tell the
person what happened and how long the lock lasts; it never changes them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from allauth.core.internal import ratelimit
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

APP = "allauth.account"
ACTION = "login_failed"


@dataclass(frozen=True)
class Lock:
    """A sign-in lock: ``per`` is ``"key"`` (the account) or ``"ip"`` (the client address)."""

    per: str
    seconds_left: int

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil(self.seconds_left / 60))


def _configured_rates() -> list[ratelimit.Rate]:
    return ratelimit.get_rates(app=APP, action=ACTION)


def lockout_minutes() -> int:
    """The longest lock window configured for failed sign-ins, in minutes (for help texts)."""
    durations = [rate.duration for rate in _configured_rates()]
    return max(1, math.ceil(max(durations, default=0) / 60))


def current_lock(request: HttpRequest, key: str) -> Lock | None:
    """The lock that refuses a sign-in for ``key`` from this client now, if any (the longest one)."""
    now = time.time()
    locks: list[Lock] = []
    for rate in _configured_rates():
        if rate.per not in ("ip", "key"):
            continue
        cache_key = ratelimit.get_cache_key(request, app=APP, action=ACTION, rate=rate, key=key)
        history = [ts for ts in cache.get(cache_key, []) if ts > now - rate.duration]
        if len(history) >= rate.amount:
            # ``history`` is newest first: the lock ends when the amount-th newest attempt ages out.
            unlock_at = sorted(history, reverse=True)[rate.amount - 1] + rate.duration
            locks.append(Lock(per=rate.per, seconds_left=max(1, math.ceil(unlock_at - now))))
    # On a tie the account lock is the more useful thing to report.
    return max(locks, key=lambda lock: (lock.seconds_left, lock.per == "key"), default=None)


def lock_message(lock: Lock | None) -> str:
    """What to tell the person at the sign-in form. Says the same whether or not the account exists."""
    if lock is None:
        minutes = lockout_minutes()
        return ngettext(
            "Too many failed sign-in attempts. Sign-in is locked for up to %(minutes)d minute; try again later.",
            "Too many failed sign-in attempts. Sign-in is locked for up to %(minutes)d minutes; try again later.",
            minutes,
        ) % {"minutes": minutes}
    minutes = lock.minutes_left
    if lock.per == "ip":
        text = ngettext(
            "Too many failed sign-in attempts from your network address. Sign-in from this address is "
            "temporarily locked; try again in %(minutes)d minute.",
            "Too many failed sign-in attempts from your network address. Sign-in from this address is "
            "temporarily locked; try again in %(minutes)d minutes.",
            minutes,
        )
    else:
        text = ngettext(
            "Too many failed sign-in attempts for this account. The account is temporarily locked; "
            "try again in %(minutes)d minute.",
            "Too many failed sign-in attempts for this account. The account is temporarily locked; "
            "try again in %(minutes)d minutes.",
            minutes,
        )
    return text % {"minutes": minutes} + " " + _("If this was not you, tell your administrator.")
