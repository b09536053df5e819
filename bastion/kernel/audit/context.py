"""The request context of audit events, in a ``contextvars.ContextVar`` (not a thread-local).

``AuditContextMiddleware`` binds the client IP, user agent and request id for the duration
of a request and unbinds them after; the writer reads them. The client IP is REMOTE_ADDR,
unless the immediate peer is one of ``BASTION_TRUSTED_PROXIES`` and
``BASTION_CLIENT_IP_HEADER`` is set: then the right-most address in that header that is not
a trusted proxy. A client-supplied header is never believed by default.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

USER_AGENT_MAX = 256


@dataclass(frozen=True)
class RequestContext:
    client_ip: str = ""
    user_agent: str = ""
    request_id: str = ""


_current: ContextVar[RequestContext | None] = ContextVar("bastion_audit_request_context", default=None)


def current() -> RequestContext:
    """The bound context, or an empty one outside a request (CLI, jobs)."""
    return _current.get() or RequestContext()


@contextmanager
def bound(context: RequestContext) -> Iterator[RequestContext]:
    """Bind ``context`` for the ``with`` block (used by the middleware, commands and tests)."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


@lru_cache(maxsize=8)
def _trusted(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in proxies)


def _normalise(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _is_trusted(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in _trusted(tuple(settings.AUDIT_TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str:
    """The client's address, believing a forwarding header only from a configured trusted proxy."""
    peer = _normalise(str(request.META.get("REMOTE_ADDR", "")))
    if peer is None:
        return ""
    header = settings.AUDIT_CLIENT_IP_HEADER
    if not header or not _is_trusted(peer):
        return peer
    hops = [_normalise(item) for item in str(request.headers.get(header, "")).split(",")]
    for hop in reversed(hops):
        if hop is None:
            return peer  # a malformed hop: stop believing the header
        if not _is_trusted(hop):
            return hop
    return peer


def from_request(request: HttpRequest) -> RequestContext:
    user_agent = "".join(ch for ch in str(request.headers.get("User-Agent", "")) if ch.isprintable())
    return RequestContext(
        client_ip=client_ip(request),
        user_agent=user_agent[:USER_AGENT_MAX],
        request_id=str(getattr(request, "request_id", ""))[:64],
    )


class AuditContextMiddleware:
    """Bind the request's audit context (after RequestIdMiddleware) and unbind it afterwards."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        with bound(from_request(request)):
            return self.get_response(request)
