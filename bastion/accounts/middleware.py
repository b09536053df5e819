"""Sign-in policy enforced on every request: session timeouts and mandatory MFA."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from bastion.accounts.mfa import has_second_factor

AUTH_AT = "bastion_auth_at"
SEEN_AT = "bastion_seen_at"
# Refresh the idle clock at most once a minute, so a page view is not always a session write.
SEEN_RESOLUTION_SECONDS = 60


class SessionTimeoutMiddleware:
    """End a session after SESSION_IDLE_TIMEOUT without activity or SESSION_ABSOLUTE_TIMEOUT in total."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            ended = self._expired(request)
            if ended:
                logout(request)
                messages.info(request, ended)
                if request.path.startswith("/api/"):
                    return JsonResponse({"error": "not_authenticated", "detail": ended}, status=401)
                return redirect(f"{reverse('account_login')}?next={request.path}")
        return self.get_response(request)

    @staticmethod
    def _expired(request: HttpRequest) -> str | None:
        now = int(time.time())
        session = request.session
        auth_at = session.get(AUTH_AT)
        seen_at = session.get(SEEN_AT)
        if auth_at is None or seen_at is None:
            session[AUTH_AT] = session[SEEN_AT] = now
            return None
        if now - int(seen_at) > settings.SESSION_IDLE_TIMEOUT:
            minutes = settings.SESSION_IDLE_TIMEOUT // 60
            return _("You were signed out after %(minutes)d minutes without activity.") % {"minutes": minutes}
        if now - int(auth_at) > settings.SESSION_ABSOLUTE_TIMEOUT:
            hours = settings.SESSION_ABSOLUTE_TIMEOUT // 3600
            return _("You were signed out because sessions last at most %(hours)d hours.") % {"hours": hours}
        if now - int(seen_at) >= SEEN_RESOLUTION_SECONDS:
            session[SEEN_AT] = now
        return None


# Paths a signed-in user without a second factor may still reach: enrolment itself,
# signing out, switching language, static files and health probes.
MFA_EXEMPT_PREFIXES = (
    "/accounts/logout/",
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/i18n/",
    "/static/",
    "/healthz",
    "/readyz",
)


class RequireMfaMiddleware:
    """MFA is required for every user: until a second factor is enrolled, only enrolment is reachable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path.startswith(MFA_EXEMPT_PREFIXES) and not has_second_factor(user):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": "mfa_required", "detail": "Enrol a second factor in the web UI before using the API."}, status=403
                )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
