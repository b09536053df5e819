"""The interactive API documentation (Swagger UI, served from our own static files)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from drf_spectacular.views import SpectacularSwaggerSplitView

# Swagger UI's bundle injects one fixed <style> element at start-up. Rather than allowing
# 'unsafe-inline' styles, this page's policy admits exactly that element by its hash; the
# bundle is pinned (drf-spectacular-sidecar in requirements/base.txt), so the hash is stable,
# and the browser test of this page fails if an upgrade changes it.
SWAGGER_UI_STYLE_HASH = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"


class ApiDocsView(SpectacularSwaggerSplitView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(request, *args, **kwargs)
        policy = settings.CONTENT_SECURITY_POLICY.replace("style-src 'self'", f"style-src 'self' {SWAGGER_UI_STYLE_HASH}")
        response["Content-Security-Policy"] = policy
        return response
