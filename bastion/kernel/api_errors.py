"""The API's error format, the same for every endpoint."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with a stable shape: ``{"error": code, "detail": ..., "fields": {...}}``."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"error": "invalid", "detail": "The request has invalid fields.", "fields": response.data}
    elif isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        # Django's Http404/PermissionDenied have no code; DRF's converted ErrorDetail carries one.
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"error": code, "detail": str(response.data["detail"])}
    return response
