"""DRF authentication by ``Authorization: Bearer <token>`` and throttling per token."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from bastion.accounts.tokens import verify_token


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header must be 'Bearer <token>'.")
        try:
            plaintext = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("The token contains characters a token never has.") from exc
        token = verify_token(plaintext)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token is invalid, expired or revoked.")
        return (token.user, token)

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class PerTokenThrottle(SimpleRateThrottle):
    """One budget per API token; session requests share one per user, anonymous per IP."""

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        auth = getattr(request, "auth", None)
        if auth is not None and getattr(auth, "pk", None) is not None:
            ident = f"token:{auth.pk}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
