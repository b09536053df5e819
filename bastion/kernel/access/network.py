"""Network allow-lists: from which addresses people may sign in and use the API.

Two lists, both from settings (``BASTION_ALLOWED_NETWORKS``, ``BASTION_ROLE_NETWORKS``): one
for the whole organisation and one per role. An address must be inside the organisation's
list (if it has one) and inside the list of the user's role (if that role has one). An empty
list means anywhere. The address is the client IP as the audit trail sees it
(``bastion.kernel.audit.context.client_ip``: REMOTE_ADDR unless a trusted proxy says
otherwise), never a client-supplied header.

This is the one place these lists are enforced: the sign-in adapter and the API permission
both call :func:`network_allows`. API tokens add their own, narrower list on top
(:func:`address_in`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_network(value: str) -> Network:
    """One CIDR (``10.0.0.0/8``, ``2001:db8::/32``) or a single address; ``ValueError`` if neither.

    Host bits are not allowed to be set (``10.0.0.1/8`` is refused): such a value is
    usually a typo, and guessing what was meant would widen or narrow the list silently.
    """
    return ipaddress.ip_network(value.strip(), strict=True)


@lru_cache(maxsize=64)
def _networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(parse_network(value) for value in values)


def address_in(ip: str, networks: Sequence[str] | Iterable[str]) -> bool:
    """True if ``ip`` lies in one of ``networks``; an empty list allows every address.

    An address that cannot be parsed (e.g. an empty REMOTE_ADDR) is inside no list.
    """
    values = tuple(networks)
    if not values:
        return True
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address.version == network.version and address in network for network in _networks(values))


def network_allows(ip: str, role: str | None) -> bool:
    """True if the organisation's list, and the list of ``role`` (if any), both admit ``ip``."""
    if not address_in(ip, settings.ACCESS_ALLOWED_NETWORKS):
        return False
    if role is None:
        return True
    return address_in(ip, settings.ACCESS_ROLE_NETWORKS.get(role, ()))
