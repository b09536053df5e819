"""Housekeeping of sign-in data: the cache table and removal of expired sessions and tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from bastion.accounts.throttling import purge_throttle_windows
from bastion.accounts.tokens import delete_expired_tokens

DB_SESSION_ENGINES = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


def ensure_cache_tables(database: str = DEFAULT_DB_ALIAS) -> None:
    """Create the database cache table(s) of ``CACHES`` if missing (a no-op for Redis). Idempotent.

    Rate-limit counters and sign-in lockouts live in the cache, so it must exist before the
    first request; the accounts migration 0002 calls this, and it is safe to call again.
    """
    call_command("createcachetable", database=database, verbosity=0)


@dataclass(frozen=True)
class PurgeResult:
    sessions: int
    user_sessions: int
    tokens: int
    throttle_windows: int = 0


def purge_expired_auth_data(token_grace: timedelta = timedelta(days=30)) -> PurgeResult:
    """Delete expired sessions, session-list rows whose session is gone, and tokens that
    expired or were revoked more than ``token_grace`` ago (kept that long so the owner
    sees what stopped working)."""
    from allauth.usersessions.models import UserSession

    sessions = 0
    if settings.SESSION_ENGINE in DB_SESSION_ENGINES:
        from django.contrib.sessions.models import Session

        sessions, _details = Session.objects.filter(expire_date__lte=timezone.now()).delete()
        live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
        user_sessions, _details = UserSession.objects.exclude(session_key__in=live).delete()
    else:
        import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
        user_sessions = sum(1 for row in UserSession.objects.iterator() if row.purge())
    tokens = delete_expired_tokens(older_than=token_grace)
    throttle_windows = purge_throttle_windows()
    return PurgeResult(sessions=sessions, user_sessions=user_sessions, tokens=tokens, throttle_windows=throttle_windows)
