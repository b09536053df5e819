"""``access.denied`` events: one helper for the API's exception handler and the HTML 403/404 paths.

A denial is recorded in a transaction of its own (the refused change, if any, was rolled back).
The target is what the URL asked for (type and id from the route), never what exists: a 404
for a record that does not exist and one for a record the user may not see look the same here,
as they do to the user.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from bastion.kernel.audit.kinds import EventKind, Outcome
from bastion.kernel.audit.writer import Target, record_event

_ID_KWARGS = ("pk", "id", "company_id", "contact_id", "token_id", "session_id")


def target_from_route(request: HttpRequest, kwargs: dict[str, Any] | None = None) -> Target:
    """The route's name and the id it was given, e.g. ``directory:contact-detail`` and a UUID."""
    match = getattr(request, "resolver_match", None)
    kwargs = kwargs if kwargs is not None else (dict(match.kwargs) if match else {})
    route = (match.view_name if match else "") or request.path[:64]
    object_id = next((str(kwargs[name]) for name in _ID_KWARGS if name in kwargs), "")
    return Target(f"route:{route}"[:64], object_id[:64])


def record_denied(request: HttpRequest, *, reason: str, status: int, user: Any = None, target: Target | None = None) -> None:
    """Record that ``request`` was refused (``status`` 401/403/404) for ``reason``."""
    actor = user if user is not None else getattr(request, "user", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    extra = {"reason": reason[:200], "status": status, "method": request.method, "path": request.path[:200]}
    with transaction.atomic():
        record_event(
            EventKind.ACCESS_DENIED,
            actor=actor,
            target=target or target_from_route(request),
            outcome=Outcome.DENIED,
            extra=extra,
            request=request,
        )
