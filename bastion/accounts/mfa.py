"""Questions about a user's second factors, answered from allauth's authenticator table."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator

SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_second_factor(user: Any) -> bool:
    cached = getattr(user, "_bastion_has_mfa", None)
    if cached is None:
        cached = Authenticator.objects.filter(user=user, type__in=SECOND_FACTOR_TYPES).exists()
        user._bastion_has_mfa = cached
    return bool(cached)
