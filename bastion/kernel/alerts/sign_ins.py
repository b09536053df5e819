"""Sign-in notices: tell a member of staff when their account is signed in from a new network.

The detector passes each chunk's ``sign_in.succeeded`` events here, in the same transaction as
its watermark. A sign-in is new when the account has signed in before but not from the same
network (the same /24 for IPv4, /64 for IPv6) in the last ``LOOK_BACK``. The first sign-in of an
account is never new: it has no history to differ from. The email goes to the member of staff,
not to the officers: they are the one who knows whether it was them.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections import defaultdict
from collections.abc import Iterable

from bastion.kernel.alerts.models import SignInNotice
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent

LOOK_BACK = dt.timedelta(days=90)


def network_of(address: str) -> str:
    """The network an address belongs to for this purpose: its /24 (IPv4) or /64 (IPv6); the text itself if unparsable."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def note_new_sign_ins(events: Iterable[AuditEvent], after: int) -> list[SignInNotice]:
    """A notice for each sign-in of ``events`` (sequence order) from a network new to its account."""
    sign_ins = [e for e in events if e.kind == EventKind.SIGN_IN_SUCCEEDED and e.actor_id is not None and e.client_ip]
    if not sign_ins:
        return []
    known, seen_before = _history(sign_ins, after)
    notices: list[SignInNotice] = []
    for event in sign_ins:
        user_id, network = int(event.actor_id or 0), network_of(event.client_ip)
        if user_id in seen_before and network not in known[user_id]:
            notices.append(_notice(event))
        known[user_id].add(network)
        seen_before.add(user_id)
    return notices


def _history(sign_ins: list[AuditEvent], after: int) -> tuple[dict[int, set[str]], set[int]]:
    """For the chunk's accounts: the networks each signed in from in the look-back, and which signed in ever before."""
    users = {int(event.actor_id or 0) for event in sign_ins}
    since = min(event.timestamp for event in sign_ins) - LOOK_BACK
    earlier = AuditEvent.plain.filter(kind=EventKind.SIGN_IN_SUCCEEDED, actor_id__in=users, sequence__lte=after)
    known: dict[int, set[str]] = defaultdict(set)
    for user_id, address in earlier.filter(timestamp__gte=since).values_list("actor_id", "client_ip").distinct():
        known[user_id or 0].add(network_of(address))
    seen_before = set(known) | {user_id or 0 for user_id in earlier.values_list("actor_id", flat=True).distinct()}
    return known, seen_before


def _notice(event: AuditEvent) -> SignInNotice:
    notice, _made = SignInNotice.objects.get_or_create(
        sequence=event.sequence,
        defaults={
            "user_id": int(event.actor_id or 0),
            "address": event.client_ip,
            "user_agent": event.user_agent,
            "signed_in_at": event.timestamp,
        },
    )
    return notice
