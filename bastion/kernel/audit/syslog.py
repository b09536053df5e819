"""Ship audit events to a SIEM as RFC 5424 syslog messages over UDP, TCP or TLS (RFC 5425).

``udp://host:port`` sends one datagram per message; ``tcp://`` and ``tls://`` use octet-counting
framing (RFC 6587 §3.4.1, RFC 5425). TLS verifies the receiver's certificate against the
system store or ``BASTION_AUDIT_SYSLOG_CA``. Facility authpriv (10); severity notice for
successes, warning for failures and denials, alert (1) for a security alert raised by the detector.
MSGID is the event kind's code; the structured
data element ``bastion@32473`` carries the sequence, outcome, actor, IP, request id and leaf
hash, and MSG is the canonical entry (JSON), so the SIEM can re-check every hash.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from bastion.kernel.audit.kinds import EventKind, code_of

FACILITY_AUTHPRIV = 10
SEVERITY_NOTICE, SEVERITY_WARNING, SEVERITY_ALERT = 5, 4, 1
SD_ID = "bastion@32473"  # 32473 is the private enterprise number reserved for examples (RFC 5612)
APP_NAME = "bastion"
MAX_UDP = 8192


def _sd_value(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _header_token(value: str, limit: int) -> str:
    token = "".join(ch for ch in value if 33 <= ord(ch) <= 126)[:limit]
    return token or "-"


def format_message(entry: dict[str, Any], leaf_hash: str, hostname: str | None = None) -> bytes:
    """One RFC 5424 message for ``entry``."""
    severity = SEVERITY_NOTICE if entry["outcome"] == "success" else SEVERITY_WARNING
    if entry["kind"] == EventKind.SECURITY_ALERT_RAISED:
        severity = SEVERITY_ALERT
    pri = FACILITY_AUTHPRIV * 8 + severity
    host = _header_token(hostname or socket.gethostname(), 255)
    params = {
        "seq": entry["seq"],
        "outcome": entry["outcome"],
        "actor": entry["actor"],
        "ip": entry["ip"],
        "rid": entry["rid"],
        "target": f"{entry['target_type']}:{entry['target_id']}" if entry["target_type"] else "",
        "leaf": leaf_hash,
    }
    sd = "[" + SD_ID + "".join(f' {key}="{_sd_value(value)}"' for key, value in params.items()) + "]"
    body = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    msgid = _header_token(code_of(entry["kind"]), 32)
    header = f"<{pri}>1 {entry['ts']} {host} {APP_NAME} {os.getpid()} {msgid} {sd} "
    return header.encode("utf-8") + b"\xef\xbb\xbf" + body.encode("utf-8")


class SyslogSender:
    """A connection to one syslog receiver, from a ``udp://``, ``tcp://`` or ``tls://`` URL."""

    def __init__(self, url: str, *, timeout: float = 10.0, cafile: str | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("udp", "tcp", "tls") or not parts.hostname or not parts.port:
            raise ValueError(f"a syslog URL looks like udp://host:514, tcp://host:601 or tls://host:6514, not {url!r}")
        self.scheme, self.address = parts.scheme, (parts.hostname, parts.port)
        if self.scheme == "udp":
            self.sock: socket.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.connect(self.address)
            return
        raw = socket.create_connection(self.address, timeout=timeout)
        if self.scheme == "tls":
            context = ssl.create_default_context(cafile=cafile or os.environ.get("BASTION_AUDIT_SYSLOG_CA") or None)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            raw = context.wrap_socket(raw, server_hostname=parts.hostname)
        self.sock = raw

    def send(self, message: bytes) -> None:
        if self.scheme == "udp":
            self.sock.send(message[:MAX_UDP])
        else:
            self.sock.sendall(str(len(message)).encode("ascii") + b" " + message)

    def close(self) -> None:
        self.sock.close()


def ship(url: str, events: Iterable[tuple[dict[str, Any], str]], *, hostname: str | None = None) -> int:
    """Send ``(entry, leaf_hash)`` pairs to ``url``; return how many were sent."""
    sender = SyslogSender(url)
    sent = 0
    try:
        for entry, leaf in events:
            sender.send(format_message(entry, leaf, hostname))
            sent += 1
    finally:
        sender.close()
    return sent


def destination_of(url: str) -> str:
    """``scheme://host:port`` of a syslog URL (what the shipment log keeps of it)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port}"


def ship_new(url: str, *, chunk: int = 1000, hostname: str | None = None) -> int:
    """Send the events not yet shipped to ``url`` (resumable); the number sent.

    The last shipped sequence is the highest ``AuditShipment.last_sequence`` for this
    destination; each chunk is recorded once sent, so an interrupted run resumes after the
    last recorded chunk (a chunk may be sent twice, never skipped). Archived events that were
    never shipped are skipped with a warning in the log: the archive file holds them.
    """
    import datetime as dt
    import logging

    from django.db.models import Max, Min

    from bastion.kernel.audit.export import iter_entries
    from bastion.kernel.audit.models import AuditEvent, AuditShipment

    destination = destination_of(url)
    shipped = AuditShipment.objects.filter(destination=destination).aggregate(last=Max("last_sequence"))["last"] or 0
    bounds = AuditEvent.objects.aggregate(first=Min("sequence"), last=Max("sequence"))  # seals first
    if bounds["last"] is None or bounds["last"] <= shipped:
        return 0
    first = max(shipped + 1, bounds["first"])
    if first > shipped + 1:
        logging.getLogger(__name__).warning("audit events %d-%d were archived before shipping", shipped + 1, first - 1)
    sent = 0
    for start in range(first, bounds["last"] + 1, chunk):
        end = min(start + chunk - 1, bounds["last"])
        sent += ship(url, iter_entries(start, end), hostname=hostname)
        AuditShipment.objects.create(
            destination=destination, first_sequence=start, last_sequence=end, shipped_at=dt.datetime.now(dt.UTC)
        )
    return sent
