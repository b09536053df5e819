"""What an API token may be used for: one scope per resource and access (``contact:read``, ``company:write``).

``TOKEN_RESOURCES`` is the single registry of resources a token can be scoped to; the token
form, ``bastion token create`` and the API permission all read it. An API view names its
resource with a ``token_resource`` attribute (or, for a viewset registered on a DRF router,
its ``basename``); a view that names none cannot be used with a token at all (deny by
default), except the OpenAPI schema, which any valid token may read.

A scope only narrows what the token's user may do: the role's own checks still apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

TOKEN_RESOURCES: dict[str, Any] = {
    "company": gettext_lazy("Companies"),
    "contact": gettext_lazy("Contacts"),
    "import": gettext_lazy("CSV imports"),
    "deal": gettext_lazy("Deals"),
    "activity": gettext_lazy("Tasks, calls, meetings and notes"),
    "lead": gettext_lazy("Leads"),
    "pipeline": gettext_lazy("Sales set-up: pipelines, stages, exchange rates, scoring, lead routing and lifecycle"),
    "product": gettext_lazy("Product catalogue"),
    "order": gettext_lazy("Orders"),
    "interaction": gettext_lazy("Interaction events and interests"),
    "profile": gettext_lazy("Your profile"),
    "security_alert": gettext_lazy("Security alerts (security officers and administrators)"),
}
ACCESS_LEVELS = ("read", "write")
# The marker of the OpenAPI schema view: readable with any valid token.
SCHEMA_RESOURCE = "schema"

ALL_SCOPES: tuple[str, ...] = tuple(f"{resource}:{level}" for resource in TOKEN_RESOURCES for level in ACCESS_LEVELS)


class ScopeError(ValueError):
    """A scope that does not exist, with a message for the user."""


def parse_scopes(values: Iterable[str]) -> list[str]:
    """Validated, de-duplicated and sorted scopes; ``ScopeError`` names the first bad one."""
    scopes: set[str] = set()
    for raw in values:
        value = str(raw).strip().lower()
        if not value:
            continue
        resource, _sep, level = value.partition(":")
        if resource not in TOKEN_RESOURCES or level not in ACCESS_LEVELS:
            raise ScopeError(
                _("%(scope)s is not a token scope. Use resource:read or resource:write, with a resource among: %(resources)s.")
                % {"scope": raw, "resources": ", ".join(TOKEN_RESOURCES)}
            )
        scopes.add(f"{resource}:{level}")
    return sorted(scopes)


def grants(scopes: Iterable[str], resource: str, *, write: bool) -> bool:
    """True if ``scopes`` allow reading (or writing) ``resource``. Write implies read."""
    held = set(scopes)
    if f"{resource}:write" in held:
        return True
    return not write and f"{resource}:read" in held


def resource_of(view: Any) -> str | None:
    """The token resource a view serves: its ``token_resource``, else its router ``basename``, else None."""
    from drf_spectacular.views import SpectacularAPIView

    if isinstance(view, SpectacularAPIView):
        return SCHEMA_RESOURCE
    resource = getattr(view, "token_resource", None) or getattr(view, "basename", None)
    return str(resource) if resource in TOKEN_RESOURCES else None
