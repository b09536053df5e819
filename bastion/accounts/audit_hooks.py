"""Audit receivers for what django.contrib.auth and allauth do on their own: sign-in, sign-out,
failed sign-in (and the lockout it may engage), second factors and password changes.

These receivers only record the library's event (DESIGN.md allows that: it is not business
logic); each writes its event in a transaction of its own, as the library's change has already
happened. Connected by importing this module from ``AccountsConfig.ready()``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import signals as auth_signals
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from bastion.kernel.audit.kinds import EventKind, Outcome
from bastion.kernel.audit.writer import Target, record_event


def _record(kind: EventKind, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        record_event(kind, actor=user, target=kwargs.pop("target", user), request=request, **kwargs)


def login_fingerprint(login: str) -> str:
    """A keyed fingerprint of a typed login that names nobody: failures for one name correlate,
    and a password typed into the name field by mistake is never stored."""
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, login.strip().casefold().encode("utf-8"), hashlib.sha256).hexdigest()[:16]


@receiver(auth_signals.user_logged_in, dispatch_uid="bastion.audit.signed_in")
def signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    _record(EventKind.SIGN_IN_SUCCEEDED, request, user)


@receiver(auth_signals.user_logged_out, dispatch_uid="bastion.audit.signed_out")
def signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        _record(EventKind.SIGNED_OUT, request, user)


@receiver(auth_signals.user_login_failed, dispatch_uid="bastion.audit.sign_in_failed")
def sign_in_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    """A wrong name or password. The account is named only if it exists; if the failure engaged
    the lockout (PCI DSS 8.3.4), an ``access.denied`` event records that too."""
    from bastion.accounts import lockout
    from bastion.accounts.adapter import BastionAccountAdapter

    login = str(credentials.get("username") or credentials.get("email") or "")
    user = get_user_model().objects.filter(username__iexact=login).first() if login else None
    target = user if user is not None else Target("accounts.login", login_fingerprint(login))
    _record(EventKind.SIGN_IN_FAILED, request, None, target=target, outcome=Outcome.FAILURE)
    if request is None:
        return
    key = BastionAccountAdapter(request)._get_login_attempts_cache_key(request, **credentials)
    lock = lockout.current_lock(request, key)
    if lock is not None:
        extra = {"reason": "sign_in_locked", "per": lock.per, "seconds": lock.seconds_left}
        _record(EventKind.ACCESS_DENIED, request, None, target=target, outcome=Outcome.DENIED, extra=extra)


def _authenticator_extra(authenticator: Any) -> dict[str, Any]:
    return {"authenticator": str(getattr(authenticator, "type", ""))}


@receiver(mfa_signals.authenticator_added, dispatch_uid="bastion.audit.mfa_added")
def mfa_added(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any) -> None:
    _record(EventKind.MFA_ENROLLED, request, user, extra=_authenticator_extra(authenticator))


@receiver(mfa_signals.authenticator_removed, dispatch_uid="bastion.audit.mfa_removed")
def mfa_removed(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any) -> None:
    _record(EventKind.MFA_REMOVED, request, user, extra=_authenticator_extra(authenticator))


@receiver(mfa_signals.authenticator_reset, dispatch_uid="bastion.audit.mfa_reset")
def mfa_reset(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any) -> None:
    _record(EventKind.MFA_RECOVERY_CODES_RESET, request, user, extra=_authenticator_extra(authenticator))


@receiver(mfa_signals.authenticator_used, dispatch_uid="bastion.audit.mfa_used")
def mfa_used(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any) -> None:
    extra = {**_authenticator_extra(authenticator), "reauthenticated": bool(kwargs.get("reauthenticated"))}
    _record(EventKind.MFA_USED, request, user, extra=extra)


@receiver(mfa_signals.authentication_failed, dispatch_uid="bastion.audit.mfa_failed")
def mfa_failed(sender: Any, request: HttpRequest, user: Any, authenticator: Any = None, **kwargs: Any) -> None:
    _record(EventKind.MFA_FAILED, request, user, outcome=Outcome.FAILURE, extra=_authenticator_extra(authenticator))


@receiver(account_signals.password_changed, dispatch_uid="bastion.audit.password_changed")
@receiver(account_signals.password_set, dispatch_uid="bastion.audit.password_set")
@receiver(account_signals.password_reset, dispatch_uid="bastion.audit.password_reset")
def password_changed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    _record(EventKind.PASSWORD_CHANGED, request, user)
