"""Sign-in policy enforced on every request: session timeouts, disabled members, mandatory MFA
and replacing a one-time password."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from bastion.accounts.mfa import has_second_factor
from bastion.accounts.selectors import must_change_password

AUTH_AT = "bastion_auth_at"
SEEN_AT = "bastion_seen_at"
# Refresh the idle clock at most once a minute, so a page view is not always a session write.
SEEN_RESOLUTION_SECONDS = 60
API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _has_bearer_token(request: HttpRequest) -> bool:
    """An API request that authenticates itself with a token: the session (if any) is not used for it."""
    return _is_api(request) and request.headers.get("Authorization", "").lower().startswith("bearer ")


class SessionTimeoutMiddleware:
    """End a session after SESSION_IDLE_TIMEOUT without activity or SESSION_ABSOLUTE_TIMEOUT in total,
    and at once when the member has been disabled."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            ended = self._disabled(request.user) or self._expired(request)
            if ended:
                logout(request)
                messages.info(request, ended)
                if _is_api(request):
                    return JsonResponse({"error": "not_authenticated", "detail": ended}, status=401)
                return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
        return self.get_response(request)

    @staticmethod
    def _disabled(user: Any) -> str | None:
        membership = getattr(user, "membership", None)
        if membership is not None and not membership.is_active:
            return _("Your account has been disabled. Ask your administrator if you think this is a mistake.")
        return None

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
    "/jsi18n/",
    "/static/",
    "/favicon.ico",
    "/healthz",
    "/readyz",
)
# ...and, once MFA is set up, a user with a one-time password may reach only these.
PASSWORD_CHANGE_EXEMPT_PREFIXES = (*MFA_EXEMPT_PREFIXES, "/accounts/password/change/", "/accounts/password/set/")


class RequireMfaMiddleware:
    """MFA is required for every user, and a one-time password must be replaced at once.

    Until a second factor is enrolled only enrolment is reachable; then, if the password
    was a one-time password from an administrator, only the password change. API requests
    authenticated by a bearer token are not session sign-ins and are left to the API's
    own authentication (a token is issued only to a member of staff by a deliberate act).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or _has_bearer_token(request):
            return self.get_response(request)
        if not request.path.startswith(MFA_EXEMPT_PREFIXES) and not has_second_factor(user):
            if _is_api(request):
                detail = _("Set up two-factor authentication in the web interface before using the API.")
                return JsonResponse({"error": "mfa_required", "detail": detail}, status=403)
            return redirect("mfa_activate_totp")
        if not request.path.startswith(PASSWORD_CHANGE_EXEMPT_PREFIXES) and must_change_password(user):
            if _is_api(request):
                detail = _("Choose a new password in the web interface before using the API.")
                return JsonResponse({"error": "password_change_required", "detail": detail}, status=403)
            messages.warning(request, _("You signed in with a one-time password. Choose your own password to continue."))
            return redirect("account_change_password")
        return self.get_response(request)
