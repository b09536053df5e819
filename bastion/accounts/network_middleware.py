"""Re-check a signed-in web session against the network allow-lists on every request.

Sign-in is refused outside ``BASTION_ALLOWED_NETWORKS`` / ``BASTION_ROLE_NETWORKS``
(bastion.accounts.adapter), and the API checks them on each call (api_permissions). A session
that was opened inside the lists and is then used from outside them (a laptop that left the
office, a stolen session cookie, a list narrowed by an administrator, a role changed) is
refused here on every request from outside, with 403 and an ``access.denied`` event (reason
``network_not_allowed:session``). The session itself is kept: back inside the lists it works
again, and signing out stays reachable from anywhere. Requests carrying an API
token are left to the API permission, which applies the same lists and the token's own.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from bastion.accounts.middleware import _has_bearer_token, _is_api
from bastion.kernel.access.network import network_allows
from bastion.kernel.access.roles import role_of
from bastion.kernel.audit.context import client_ip

EXEMPT_PREFIXES = ("/static/", "/favicon.ico", "/healthz", "/readyz", "/accounts/logout/")


class SessionNetworkMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or _has_bearer_token(request) or request.path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        ip = client_ip(request)
        if network_allows(ip, role_of(user)):
            return self.get_response(request)
        from bastion.kernel.audit.denied import record_denied

        record_denied(request, reason="network_not_allowed:session", status=403, user=user)
        message = _("Requests from %(ip)s are not allowed: the address is outside the networks your organisation allows.") % {
            "ip": ip or _("an unknown address")
        }
        if _is_api(request):
            return JsonResponse({"error": "network_not_allowed", "detail": message}, status=403)
        return render(request, "accounts/network_refused.html", {"message": message}, status=403)
