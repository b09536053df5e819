"""Intrusion detection benchmark (ADR 0070): how fast the detector judges new audit events.

    .venv/bin/python bench/alerts_bench.py [--events 200000] [--subjects 2000] [--share 0.2]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/alerts_bench.py

Uses a fresh data folder (SQLite) or empties the PostgreSQL database named in DATABASE_URL (a
throw-away one). Seeds ``--events`` sealed audit events, as the writer writes them
(``record_event`` with a chosen time, then the sealer), within the last hour: a ``--share`` of them of the kinds the
rules count (failed sign-ins, refused requests, deletions, exports) spread over ``--subjects``
addresses and 20 members of staff, with a few bursts that must raise alerts; the rest record views,
which the detector skips. Then one ``scan()`` judges them all, as the minute's job does after a
backlog, and a second one with nothing new. Prints events judged per second, the alerts raised,
and the time of the empty run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crypto_bench import fresh_databases, migrate, setup_django  # noqa: E402

BATCH = 5000
BURSTS = 10  # subjects pushed over the sign-in threshold, each raising one alert


def seed(events: int, subjects: int, share: float, staff: list[Any]) -> None:
    """``events`` audit events of the last hour, sealed; ``BURSTS`` addresses with 12 failed sign-ins each."""
    from django.db import transaction
    from django.utils import timezone

    from bastion.kernel.audit import context as audit_context
    from bastion.kernel.audit.kinds import EventKind, Outcome
    from bastion.kernel.audit.sealer import seal_pending
    from bastion.kernel.audit.writer import Target, record_event

    rng = random.Random(7)  # noqa: S311 - bench data, not security
    counted = [EventKind.SIGN_IN_FAILED, EventKind.ACCESS_DENIED, EventKind.RECORD_DELETED, EventKind.EXPORTED]
    start = timezone.now() - dt.timedelta(minutes=59)
    plan: list[tuple[int, str, Any]] = []  # (kind, address, actor)
    for _ in range(events - 12 * BURSTS):
        chosen = rng.choice(counted) if rng.random() < share else EventKind.RECORD_VIEWED
        number = rng.randrange(subjects)
        plan.append((chosen, f"10.0.{number // 256}.{number % 256}", rng.choice(staff)))
    for burst in range(BURSTS):
        plan += [(EventKind.SIGN_IN_FAILED, f"192.0.2.{burst}", None)] * 12
    step = dt.timedelta(minutes=58) / len(plan)
    for first in range(0, len(plan), BATCH):
        with transaction.atomic():
            for offset, (kind, address, actor) in enumerate(plan[first : first + BATCH]):
                failed = kind == EventKind.SIGN_IN_FAILED
                target, when = Target("directory.contact", str(first + offset)), start + step * (first + offset)
                with audit_context.bound(audit_context.RequestContext(client_ip=address, user_agent="bench")):
                    outcome = Outcome.FAILURE if failed else Outcome.SUCCESS
                    record_event(kind, actor=None if failed else actor, outcome=outcome, target=target, now=when)
        seal_pending(wait=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--subjects", type=int, default=2000)
    parser.add_argument("--share", type=float, default=0.2, help="the share of events of the kinds the rules count")
    args = parser.parse_args()
    setup_django(tempfile.mkdtemp(prefix="bastion-alerts-bench-"))
    fresh_databases()
    migrate()

    from django.db import connection

    from bastion.accounts.actions import create_staff_user
    from bastion.kernel.access.roles import Role
    from bastion.kernel.alerts.detect import scan
    from bastion.kernel.audit.models import AuditEvent

    staff = [create_staff_user(f"bench{n}", f"b{n}@bench.example", Role.SALES_REP, usable_password=False)[0] for n in range(20)]
    started = time.perf_counter()
    seed(args.events, args.subjects, args.share, staff)
    seeded = time.perf_counter() - started
    total = AuditEvent.objects.count()

    started = time.perf_counter()
    raised = scan()
    judged = time.perf_counter() - started
    started = time.perf_counter()
    again = scan()
    idle = time.perf_counter() - started
    result = {
        "database": connection.vendor,
        "events": total,
        "counted_share": args.share,
        "seed_s": round(seeded, 1),
        "scan_s": round(judged, 2),
        "events_judged_per_s": round(total / judged),
        "alerts_raised": len(raised),
        "alert_rules": sorted({alert.rule for alert in raised}),
        "empty_scan_ms": round(idle * 1000, 1),
        "second_run_raised": len(again),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
