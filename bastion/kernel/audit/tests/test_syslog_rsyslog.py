"""Audit events reach a real syslog receiver (rsyslogd) over UDP and TCP as RFC 5424 messages.

rsyslogd runs in the foreground as a child of the test, listening on free 127.0.0.1 ports, and
writes every message twice: raw (``%rawmsg%``, the bytes Bastion sent) and as the fields
rsyslog's own RFC 5424 parser found (version, facility, severity, MSGID, structured data), so
the test checks both the wire format and that a real receiver reads it the same way.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from bastion.kernel.audit import syslog
from bastion.kernel.audit.export import iter_entries
from bastion.kernel.audit.kinds import EventKind, Outcome, code_of
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.audit.tests.helpers import sealed
from bastion.kernel.audit.writer import Target, record_event
from bastion.kernel.testing import wait_for as shared_wait_for

RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not Path(RSYSLOGD).exists(), reason="rsyslogd is not installed (make browser installs it)"),
]
DEADLINE = 20.0

CONFIG = """
global(workDirectory="{work}")
module(load="imudp")
module(load="imtcp")
input(type="imudp" address="127.0.0.1" port="{udp}")
input(type="imtcp" address="127.0.0.1" port="{tcp}")
template(name="raw" type="string" string="%rawmsg%\\n")
template(name="fields" type="string"
  string="%protocol-version%|%syslogfacility-text%|%syslogseverity%|%app-name%|%msgid%|%structured-data%\\n")
if $app-name == "bastion" then {{
  action(type="omfile" file="{raw}" template="raw")
  action(type="omfile" file="{fields}" template="fields")
}}
"""
RFC5424 = re.compile(
    r"^<(?P<pri>\d{1,3})>(?P<version>1) (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\S+) "
    r"(?P<msgid>\S+) (?P<sd>\[bastion@32473(?: [a-z]+=\"(?:[^\"\\\]]|\\.)*\")*\]) \ufeff(?P<msg>\{.*\})$"
)


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    """Poll ``condition`` until it holds, failing after ``deadline`` seconds."""
    shared_wait_for(condition, what, deadline)


@dataclass
class Receiver:
    process: subprocess.Popen[bytes]
    udp_port: int
    tcp_port: int
    raw: Path
    fields: Path

    def lines(self, path: Path) -> list[str]:
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []

    def raw_with(self, needle: str) -> list[str]:
        return [line for line in self.lines(self.raw) if needle in line]


def _tcp_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture
def rsyslog(tmp_path: Path) -> Iterator[Receiver]:
    work = tmp_path / "rsyslog"
    work.mkdir()
    udp_port, tcp_port = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    raw, fields = tmp_path / "raw.log", tmp_path / "fields.log"
    config = tmp_path / "rsyslog.conf"
    config.write_text(CONFIG.format(work=work, udp=udp_port, tcp=tcp_port, raw=raw, fields=fields))
    process = subprocess.Popen(  # noqa: S603 - a fixed program and arguments
        [RSYSLOGD, "-n", "-f", str(config), "-i", str(tmp_path / "rsyslogd.pid")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    receiver = Receiver(process, udp_port, tcp_port, raw, fields)
    try:
        wait_for(lambda: process.poll() is not None or _tcp_open(tcp_port), "rsyslogd's TCP listener")
        assert process.poll() is None, f"rsyslogd exited: {process.stdout.read().decode() if process.stdout else ''}"
        # The UDP input has no handshake: send a probe until rsyslogd has written one.
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe_message = b"<85>1 - - bastion - probe - ready"

        def probe_arrived() -> bool:
            probe.sendto(probe_message, ("127.0.0.1", udp_port))
            return bool(receiver.raw_with("probe - ready"))

        wait_for(probe_arrived, "rsyslogd's UDP listener")
        probe.close()
        yield receiver
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


def _record_events() -> list[AuditEvent]:
    with transaction.atomic():
        recorded = [
            record_event(EventKind.RECORD_UPDATED, target=Target("directory.company", "42"), changes={"name": {"old": "A"}}),
            record_event(EventKind.SIGN_IN_FAILED, outcome=Outcome.FAILURE, extra={"reason": 'bad "password"]'}),
            record_event(EventKind.ACCESS_DENIED, outcome=Outcome.DENIED, target=Target("directory.contact", "7")),
        ]
    return sealed(recorded)


def _assert_arrived(receiver: Receiver, events: list[AuditEvent], marker: str) -> None:
    """Each event is in the raw file once, in RFC 5424 form, and rsyslog parsed it as such."""
    by_seq = {event.sequence: event for event in events}
    wanted = {seq: f'seq="{seq}"' for seq in by_seq}
    wait_for(lambda: all(receiver.raw_with(needle) for needle in wanted.values()), f"{len(events)} events over {marker}")
    for sequence, needle in wanted.items():
        event = by_seq[sequence]
        [line] = receiver.raw_with(needle)
        match = RFC5424.match(line)
        assert match, f"not an RFC 5424 message: {line!r}"
        severity = syslog.SEVERITY_NOTICE if event.outcome == Outcome.SUCCESS else syslog.SEVERITY_WARNING
        assert int(match["pri"]) == syslog.FACILITY_AUTHPRIV * 8 + severity
        assert match["version"] == "1" and match["app"] == "bastion"
        assert match["msgid"] == code_of(event.kind)
        assert f' seq="{sequence}" ' in match["sd"] and f' leaf="{event.leaf_hash}"' in match["sd"]
        entry = json.loads(match["msg"])
        assert entry["seq"] == sequence and entry["kind"] == event.kind and entry["prev"] == event.prev_hash
        parsed = [row for row in receiver.lines(receiver.fields) if needle in row]
        assert parsed, f"rsyslog did not parse event {sequence}'s structured data"
        version, facility, sev, app, msgid, sd = parsed[0].split("|", 5)
        assert (version, facility, sev, app, msgid) == ("1", "authpriv", str(severity), "bastion", code_of(event.kind))
        assert sd.startswith("[bastion@32473 seq=")


def test_events_arrive_over_udp_in_rfc5424_form(rsyslog: Receiver) -> None:
    events = _record_events()
    first, last = events[0].sequence, events[-1].sequence
    sent = syslog.ship(f"udp://127.0.0.1:{rsyslog.udp_port}", iter_entries(first, last), hostname="crm-1")
    assert sent == len(events)
    _assert_arrived(rsyslog, events, "UDP")
    assert all(" crm-1 bastion " in rsyslog.raw_with(f'seq="{e.sequence}"')[0] for e in events)


def test_events_arrive_over_tcp_with_octet_counting(rsyslog: Receiver) -> None:
    events = _record_events()
    out = io.StringIO()
    call_command("auditlog", "ship", f"tcp://127.0.0.1:{rsyslog.tcp_port}", first=events[0].sequence, stdout=out)
    assert f"sent {len(events)} events" in out.getvalue()
    _assert_arrived(rsyslog, events, "TCP")
    # Octet-counting framing: no frame length leaks into the message, one line per event.
    assert all(line.startswith("<") for line in rsyslog.lines(rsyslog.raw))


def test_the_periodic_forwarder_ships_only_new_events_and_resumes(rsyslog: Receiver, settings: Any) -> None:
    from bastion.kernel import tasks
    from bastion.kernel.audit.models import AuditShipment

    settings.AUDIT_SYSLOG_URL = f"tcp://127.0.0.1:{rsyslog.tcp_port}"
    first_batch = _record_events()
    tasks.ship_audit_to_syslog.call_local()
    _assert_arrived(rsyslog, first_batch, "TCP")
    second_batch = _record_events()
    tasks.ship_audit_to_syslog.call_local()
    _assert_arrived(rsyslog, second_batch, "TCP")
    tasks.ship_audit_to_syslog.call_local()  # nothing new: nothing sent again
    for event in [*first_batch, *second_batch]:
        assert len(rsyslog.raw_with(f'seq="{event.sequence}"')) == 1  # each exactly once
    shipments = list(AuditShipment.objects.order_by("id").values_list("destination", "first_sequence", "last_sequence"))
    destination = f"tcp://127.0.0.1:{rsyslog.tcp_port}"
    assert shipments == [
        (destination, first_batch[0].sequence, first_batch[-1].sequence),
        (destination, second_batch[0].sequence, second_batch[-1].sequence),
    ]
