"""The API's error format, the same for every endpoint."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with a stable shape: ``{"error": code, "detail": ..., "fields": {...}}``."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    _audit_denial(exc, context, response.status_code)
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"error": "invalid", "detail": "The request has invalid fields.", "fields": response.data}
    elif isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        # Django's Http404/PermissionDenied have no code; DRF's converted ErrorDetail carries one.
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"error": code, "detail": str(response.data["detail"])}
    return response


_DENIALS = (
    exceptions.NotAuthenticated,
    exceptions.AuthenticationFailed,
    exceptions.PermissionDenied,
    exceptions.NotFound,
    PermissionDenied,
    Http404,
)


def _audit_denial(exc: Exception, context: dict[str, Any], status: int) -> None:
    """Every refused API request (401, 403, 404) becomes an ``access.denied`` audit event."""
    if not isinstance(exc, _DENIALS):
        return
    from bastion.kernel.audit.denied import record_denied, target_from_route

    request = context.get("request")
    if request is None:
        return
    django_request = getattr(request, "_request", request)
    user = getattr(request, "_user", None)  # never re-run authentication that just failed
    target = target_from_route(django_request, dict(context.get("kwargs") or {}))
    record_denied(django_request, reason=type(exc).__name__, status=status, user=user, target=target)
