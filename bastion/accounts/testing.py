"""Helpers for tests (imported by tests only): enrol a second factor, compute a TOTP code."""

from __future__ import annotations

from typing import Any

from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)


def enrol_totp(user: Any) -> str:
    """Give ``user`` a TOTP authenticator and return its base32 secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def current_totp_code(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))
