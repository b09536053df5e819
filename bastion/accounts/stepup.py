"""Step-up authentication: a fresh second factor before exporting, revealing, and changing roles,
security settings or keys (docs/adr/0031).

"Fresh" means the session used a second factor (TOTP, a recovery code, a security key or a
passkey) within ``settings.STEP_UP_SECONDS`` (5 minutes): at sign-in, or by confirming it again
on allauth's MFA reauthentication page. A password alone does not count, so allauth's own
``reauthentication_required`` (which accepts a password) is not enough for these operations.

Three ways to ask for it, one rule behind them (:func:`has_fresh_second_factor`):

- ``@stepup_required`` on a view: without a fresh factor, a GET is redirected to the MFA
  confirmation page and comes back afterwards; a POST is kept by allauth and replayed.
- :class:`StepUpRequired`, a DRF permission: a session without a fresh factor gets 403
  ``step_up_required`` saying where to confirm it; an API token gets 403 ``step_up_unavailable``
  explaining that a token cannot prove a second factor and what to do instead.
- :func:`challenge` inside a view, after its role check, for the requests that need it (the POST
  that changes a role or a security setting, while the page itself opens without).
- :func:`require_step_up` for code that is neither.

Every refusal is recorded as an ``access.denied`` event (reason ``step_up_required``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import suspend_request
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from bastion.accounts.mfa import has_second_factor

SECOND_FACTOR_METHODS = frozenset({"mfa"})  # allauth records TOTP, recovery codes, WebAuthn and passkeys as "mfa"


def last_second_factor_at(request: HttpRequest) -> float | None:
    """When this session last used a second factor (seconds since the epoch), or None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    times = [float(r["at"]) for r in get_authentication_records(request, user) if r.get("method") in SECOND_FACTOR_METHODS]
    return max(times) if times else None


def has_fresh_second_factor(request: HttpRequest, now: float | None = None) -> bool:
    """Whether the session used a second factor within ``STEP_UP_SECONDS``."""
    at = last_second_factor_at(request)
    now = time.time() if now is None else now
    return at is not None and 0 <= now - at < settings.STEP_UP_SECONDS


def _record_refusal(request: HttpRequest, why: str) -> None:
    from bastion.kernel.audit.denied import record_denied

    record_denied(request, reason=f"step_up_required:{why}", status=403)


def require_step_up(request: HttpRequest) -> None:
    """Raise ``PermissionDenied`` (audited) unless the session has a fresh second factor."""
    if not has_fresh_second_factor(request):
        _record_refusal(request, "no_fresh_factor")
        raise PermissionDenied(_("Confirm your second factor again to do this."))


def confirm_url(next_path: str) -> str:
    """The page where a signed-in user confirms their second factor, returning to ``next_path``."""
    from django.utils.http import urlencode

    return f"{reverse('mfa_reauthenticate')}?{urlencode({'next': next_path})}"


def stepup_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: run ``view`` only with a fresh second factor; otherwise send the user to confirm one.

    Put it inside the role check (``@reader_required @stepup_required def ...``) so a user who may
    not do the thing at all is told so, not asked for a second factor first.
    """

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return challenge(request) or view(request, *args, **kwargs)

    return wrapped


def challenge(request: HttpRequest) -> HttpResponse | None:
    """None when the session has a fresh second factor; else the response that asks for one.

    For views that check the role first and need step-up only for some requests (a POST that
    changes a role or a setting): ``if (asked := challenge(request)) is not None: return asked``.
    """
    if has_fresh_second_factor(request):
        return None
    if not has_second_factor(request.user):
        _record_refusal(request, "no_second_factor")
        message = _("This needs a second factor. Set one up on your profile page first.")
        return render(request, "accounts/no_second_factor.html", {"message": message}, status=403)
    return suspend_request(request, reverse("mfa_reauthenticate"))


class StepUpMissing(exceptions.PermissionDenied):
    default_code = "step_up_required"


class StepUpUnavailable(exceptions.PermissionDenied):
    default_code = "step_up_unavailable"


class StepUpRequired(BasePermission):
    """DRF permission: the request must come from a session with a fresh second factor.

    API tokens cannot prove a second factor, so they are refused with an explanation.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        from bastion.accounts.models import ApiToken

        if isinstance(request.auth, ApiToken):
            raise StepUpUnavailable(
                _(
                    "An API token cannot confirm a second factor, which this needs. Sign in to the web "
                    "interface and do it there, or call this endpoint from a signed-in session within "
                    "%(minutes)d minutes of confirming your second factor."
                )
                % {"minutes": settings.STEP_UP_SECONDS // 60}
            )
        if not has_fresh_second_factor(request._request):
            raise StepUpMissing(
                _("Confirm your second factor again at %(url)s, then retry within %(minutes)d minutes.")
                % {"url": reverse("mfa_reauthenticate"), "minutes": settings.STEP_UP_SECONDS // 60}
            )
        return True
