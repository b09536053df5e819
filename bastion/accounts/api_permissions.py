"""The API permission every view carries: network allow-lists, then API-token scopes.

In ``REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]`` and in every view that sets its own
``permission_classes`` (a test walks the URL map and fails on a view without it):

1. The client address (``client_ip``: REMOTE_ADDR unless a trusted proxy says otherwise)
   must be allowed by the organisation's and the user's role's network allow-lists
   (``bastion.kernel.access.network``), for token and session requests alike.
2. A request with an API token must come from one of the token's networks, if it has any.
3. A token must hold a scope for the view's resource (``bastion.accounts.scopes``): safe
   methods need ``<resource>:read`` or ``:write``, others ``:write``. A view without a
   resource is refused to tokens; the OpenAPI schema is readable with any valid token.

This only narrows: the role's own permissions (``IsOrganisationStaff``,
``CustomerRecordsPermission``, the actions' checks) still apply, so a token never grants
more than its user has. A refusal is a 403 whose message says why; the API's exception
handler records it as an ``access.denied`` audit event with the client address.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request


class NetworkNotAllowed(exceptions.PermissionDenied):
    default_code = "network_not_allowed"


class TokenNetworkNotAllowed(exceptions.PermissionDenied):
    default_code = "token_network_not_allowed"


class TokenScopeMissing(exceptions.PermissionDenied):
    default_code = "token_scope_missing"


class TokenAndNetworkPolicy(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        from bastion.accounts.models import ApiToken
        from bastion.accounts.scopes import SCHEMA_RESOURCE, grants, resource_of
        from bastion.kernel.access.network import network_allows
        from bastion.kernel.access.roles import role_of
        from bastion.kernel.audit.context import client_ip

        ip = client_ip(request._request)
        if not network_allows(ip, role_of(request.user)):
            raise NetworkNotAllowed(
                _("Requests from %(ip)s are not allowed: the address is outside the networks your organisation allows.")
                % {"ip": ip or _("an unknown address")}
            )
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        if not token.allows_address(ip):
            # The token's networks are not named: they would tell whoever holds a stolen token where to go.
            raise TokenNetworkNotAllowed(
                _("Requests from %(ip)s are not allowed for this token.") % {"ip": ip or _("an unknown address")}
            )
        resource = resource_of(view)
        safe = request.method in SAFE_METHODS
        if resource == SCHEMA_RESOURCE and safe:
            return True
        if resource is None or resource == SCHEMA_RESOURCE:
            raise TokenScopeMissing(_("This endpoint cannot be used with an API token. Sign in to use it."))
        if not grants(token.scopes or [], resource, write=not safe):
            needed = f"{resource}:{'read' if safe else 'write'}"
            raise TokenScopeMissing(_("This token does not have the %(scope)s scope this request needs.") % {"scope": needed})
        return True
