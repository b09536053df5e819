"""HTML error handlers (``handler403``/``handler404`` in bastion/urls.py) that audit the refusal.

A signed-in user's 403 or 404 becomes an ``access.denied`` event; anonymous 404s are not
recorded (anyone could fill the log with them), anonymous requests to pages are redirected
to sign-in before they get here. The pages are bastion/templates/404.html and 403.html, in the
site's layout and the user's language (Django's handlers render them, with the request's context
and a CSRF token for the layout's forms). Neither shows the exception's message: a record that
does not exist and one the user may not see get the same page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from bastion.kernel.audit.denied import record_denied


def _audit(request: HttpRequest, exception: Exception, status: int) -> None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        record_denied(request, reason=type(exception).__name__, status=status)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    _audit(request, exception, 404)
    return defaults.page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    _audit(request, exception, 403)
    return defaults.permission_denied(request, exception)
