"""Deals benchmark: the deal list, its totals and the pipeline board with 100,000 deals.

    .venv/bin/python bench/deals_bench.py [--deals 100000] [--repeat 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/deals_bench.py

Seeds a pipeline of six stages and ``--deals`` deals with bulk inserts (the benchmark is about
reading them), spread over two sales teams, then times the pages a seller opens, in process
through Django's test client with a real signed-in session (middleware, access rules, templates:
everything but the network): the deal list (first page, a deep page by cursor, a name search,
sorted by amount), the list's totals, the board, and the API list. Timed once as an administrator
(every record) and once as a sales rep (their team's, through the record-access condition).
A database named in DATABASE_URL is emptied first: use a throw-away one. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def setup_django() -> None:
    os.environ.setdefault("BASTION_ENV", "development")
    os.environ.setdefault("BASTION_DATA_DIR", tempfile.mkdtemp(prefix="bastion-deals-bench-"))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bastion.settings")
    import django

    django.setup()


def seed(count: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.utils import timezone

    from bastion.accounts.actions import create_staff_user
    from bastion.accounts.models import Team
    from bastion.directory.names import search_key
    from bastion.kernel.access.roles import Role
    from bastion.sales import actions_setup
    from bastion.sales.models import Deal, StageKind

    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    admin, _ = create_staff_user("bench-admin", "admin@bench.example", Role.ADMINISTRATOR, usable_password=False)
    rep, _ = create_staff_user("bench-rep", "rep@bench.example", Role.SALES_REP, usable_password=False)
    east, west = Team.objects.create(name="East"), Team.objects.create(name="West")
    rep.membership.teams.add(east)
    stages = [
        {"name": name, "probability": p, "kind": kind}
        for name, p, kind in [("Lead", 10, StageKind.OPEN), ("Qualified", 25, StageKind.OPEN), ("Proposal", 50, StageKind.OPEN),
                              ("Negotiation", 75, StageKind.OPEN), ("Won", 100, StageKind.WON), ("Lost", 0, StageKind.LOST)]
    ]  # fmt: skip
    pipeline = actions_setup.create_pipeline(admin, {"name": "New business", "is_default": True}, stages=stages)
    stage_rows = list(pipeline.stages.order_by("position"))
    rng, now, started, batch = random.Random(7), timezone.now(), time.perf_counter(), []
    for number in range(count):
        stage = rng.choice(stage_rows)
        amount = Decimal(rng.randrange(10, 5000) * 100)
        name = f"Bench deal {number:06d} {rng.choice(['fleet', 'licences', 'support', 'pilot'])}"
        batch.append(Deal(
            name=name, name_key=search_key(name), pipeline=pipeline, stage=stage, amount=amount, currency="USD",
            amount_base_cents=int(amount * 100), probability=stage.probability, owner=rep if number % 2 else admin,
            team=east if number % 2 else west, created_by=admin, updated_by=admin, close_sort="9999-12-31",
            closed_at=now if stage.kind != StageKind.OPEN else None,
        ))  # fmt: skip
        if len(batch) == 5000:
            Deal.objects.bulk_create(batch)
            batch = []
    Deal.objects.bulk_create(batch)
    print(f"seeded {count:,} deals in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    from django.db import connection

    if connection.vendor == "postgresql":  # what autovacuum does soon after a bulk load: statistics and visibility map
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE sales_deal")
    return {"admin": admin, "rep": rep, "pipeline": pipeline}


def client_for(user: Any) -> Any:
    from django.test import Client

    from bastion.accounts.testing import enrol_totp

    enrol_totp(user)
    client = Client()
    client.force_login(user)
    return client


def timed(client: Any, url: str, repeat: int, **headers: Any) -> tuple[float, float]:
    client.get(url, **headers)  # warm caches
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, **headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def deep_cursor(client: Any) -> str:
    from bastion.kernel.pagination import encode_cursor, parse_ordering
    from bastion.sales.models import Deal
    from bastion.sales.selectors import DEAL_ORDERINGS, DEFAULT_DEAL_ORDERING

    ordering = parse_ordering(None, DEAL_ORDERINGS, DEFAULT_DEAL_ORDERING)
    value, pk = Deal.objects.order_by("updated_at", "id").values_list("updated_at", "id")[2000]
    return encode_cursor(ordering, value, pk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from bastion.accounts.tokens import issue_token

    world = seed(args.deals)
    cursor = deep_cursor(None)
    pages = [
        ("deal list, first page (25)", "/deals/"),
        ("deal list, deep page", f"/deals/?cursor={cursor}"),
        ("deal list, name search", "/deals/?q=bench+deal+0420"),
        ("deal list, by amount", "/deals/?ordering=-amount"),
        ("pipeline board", "/deals/board/"),
        ("API list (25)", "/api/v1/deals/"),
        ("API totals", "/api/v1/deals/totals/"),
    ]
    print(f"\n{args.deals:,} deals, {connection.vendor}, {platform.machine()} {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}; median and p95 of {args.repeat} requests, in ms\n")  # fmt: skip
    print("| page | administrator (every deal) | sales rep (their team's half) |")
    print("|---|---|---|")
    clients = {name: client_for(world[name]) for name in ("admin", "rep")}
    tokens = {name: issue_token(world[name], name="bench", days=1).plaintext for name in ("admin", "rep")}
    for label, url in pages:
        cells = []
        for name in ("admin", "rep"):
            headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens[name]}"} if url.startswith("/api/") else {}
            median, p95 = timed(clients[name], url, args.repeat, **headers)
            cells.append(f"{median:.0f} (p95 {p95:.0f})")
        print(f"| {label} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
