"""System checks for dangerous configuration (run by ``bastion check --deploy`` and at start)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from bastion.accounts.passwords import ARGON2_MIN_MEMORY_KIB, ARGON2_MIN_TIME_COST


@register(Tags.security, deploy=True)
def check_production_settings(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    problems: list[Error | Warning] = []
    if settings.TIME_ZONE != "UTC":
        problems.append(Error("TIME_ZONE must be UTC so that audit timestamps are unambiguous", id="bastion.E001"))
    if getattr(settings, "PRODUCTION", False) and settings.DEBUG:
        problems.append(Error("DEBUG is on in production", id="bastion.E002"))
    return problems


@register(Tags.security)
def check_password_hashing(app_configs: Any, **kwargs: Any) -> list[Error]:
    from django.contrib.auth.hashers import get_hasher

    hasher = get_hasher()
    if hasher.algorithm != "argon2":
        return [Error(f"The first password hasher must be argon2id, not {hasher.algorithm}", id="bastion.E003")]
    memory = getattr(hasher, "memory_cost", 0)
    time_cost = getattr(hasher, "time_cost", 0)
    if memory < ARGON2_MIN_MEMORY_KIB or time_cost < ARGON2_MIN_TIME_COST:
        return [Error("Argon2 parameters are below ASVS 5.0 Appendix C (m >= 46 MiB, t >= 1)", id="bastion.E004")]
    return []
