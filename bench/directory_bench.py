"""Directory benchmark: 100,000 contacts behind the real server, measured over HTTP through the API.

    .venv/bin/python bench/directory_bench.py [--contacts 100000] [--requests 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/directory_bench.py

Seeds the contacts with bulk inserts (the benchmark is about reading them, not about the create
action), starts `bastion serve` (gunicorn, 2 workers) on a free port against a fresh data folder,
and times list pages (20 and 100 rows, first and deep, the two taken in turn), name search and
create over one keep-alive HTTP connection. A PostgreSQL database named in DATABASE_URL is emptied first: use a
throw-away one. Prints a Markdown table for docs/benchmarks.md, with the server's CPU time per
request (gunicorn and its workers, read from /proc; on PostgreSQL without the database server's),
which a busy shared machine disturbs much less than the wall-clock times.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bastion.settings")
    import django

    django.setup()


def seed(contacts: int) -> tuple[str, str]:
    """Create an admin with a token, 200 companies and ``contacts`` contacts; return the token and a deep cursor."""
    from databases import settle_statistics
    from django.core.management import call_command

    from bastion.accounts.actions import create_staff_user
    from bastion.accounts.tokens import issue_token
    from bastion.directory.actions import create_company
    from bastion.directory.models import Contact
    from bastion.directory.selectors import CONTACT_ORDERINGS, DEFAULT_CONTACT_ORDERING
    from bastion.directory.tests.factories import bulk_contacts
    from bastion.kernel.access.roles import Role
    from bastion.kernel.pagination import encode_cursor, parse_ordering

    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    admin, _ = create_staff_user("bench-admin", "bench@bench.example", Role.ADMINISTRATOR, usable_password=False)
    companies = [create_company(admin, {"name": f"Bench Company {i:03d}"}) for i in range(200)]
    started = time.perf_counter()
    bulk_contacts(contacts, companies=companies, owner=admin, seed=7)
    print(f"seeded {contacts:,} contacts in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    settle_statistics()
    token = issue_token(admin, name="bench", days=1).plaintext
    ordering = parse_ordering(None, CONTACT_ORDERINGS, DEFAULT_CONTACT_ORDERING)
    rows = Contact.objects.order_by(ordering.field, "id").values_list(ordering.field, "id")
    value, pk = rows[contacts - 2_000]
    return token, encode_cursor(ordering, value, pk)


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bastion.cli", "serve", "--no-demo", "--workers", "2", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)  # polling a server that is starting up
    server.terminate()
    raise SystemExit("the server did not become ready within 60 s")


def server_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by the gunicorn processes under ``pid`` (Linux /proc; 0 elsewhere).

    On a shared machine the wall-clock time of a request includes waiting for a core; the web
    server's CPU time per request does not, so it compares runs taken at different loads. The
    job runner started next to gunicorn (which polls its queue) is left out.
    """
    from processes import cpu_seconds

    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/cmdline", "rb") as cmdline:
                if b"gunicorn" in cmdline.read():
                    total += cpu_seconds(current)
            with open(f"/proc/{current}/task/{current}/children", encoding="ascii") as children:
                pending.extend(int(child) for child in children.read().split())
        except OSError:
            continue
    return total


def timed(requests: int, call: Callable[[int], None], server_pid: int = 0) -> dict[str, float]:
    for i in range(min(20, requests)):  # warm-up: connection, caches, prepared statements
        call(-1 - i)
    samples = []
    cpu_before = server_cpu_seconds(server_pid) if server_pid else 0.0
    for i in range(requests):
        started = time.perf_counter()
        call(i)
        samples.append((time.perf_counter() - started) * 1000)
    cpu = (server_cpu_seconds(server_pid) - cpu_before) * 1000 / requests if server_pid else float("nan")
    samples.sort()
    return {"median": statistics.median(samples), "p95": samples[int(len(samples) * 0.95) - 1], "n": len(samples), "cpu": cpu}


def timed_together(requests: int, calls: list[Callable[[int], None]], server_pid: int = 0) -> list[dict[str, float]]:
    """:func:`timed` for several requests taken in turn (a, b, a, b, ...), so that a first and a deep page
    are compared under the same conditions: a drift of the machine during the run favours neither."""
    for call in calls:
        for i in range(min(20, requests)):
            call(-1 - i)
    samples: list[list[float]] = [[] for _ in calls]
    cpu = [0.0 for _ in calls]
    for i in range(requests):
        for k, call in enumerate(calls):
            cpu_before = server_cpu_seconds(server_pid) if server_pid else 0.0
            started = time.perf_counter()
            call(i)
            samples[k].append((time.perf_counter() - started) * 1000)
            cpu[k] += server_cpu_seconds(server_pid) - cpu_before if server_pid else float("nan")
    results = []
    for k, values in enumerate(samples):
        values.sort()
        median, p95 = statistics.median(values), values[int(len(values) * 0.95) - 1]
        results.append({"median": median, "p95": p95, "n": len(values), "cpu": cpu[k] * 1000 / requests})
    return results


def measure(port: int, token: str, deep: str, requests: int, server_pid: int = 0) -> list[tuple[str, dict[str, float]]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def get(path: str) -> Callable[[int], None]:
        def call(_: int) -> None:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise SystemExit(f"GET {path} answered {response.status}: {body[:200]!r}")

        return call

    def create(i: int) -> None:
        payload = {"given_name": f"Bench{i + 100}", "family_name": "Create", "emails": [{"address": f"c{i + 100}@b.example"}]}
        connection.request(
            "POST", "/api/v1/contacts/", body=json.dumps(payload), headers={**headers, "Content-Type": "application/json"}
        )
        response = connection.getresponse()
        body = response.read()
        if response.status != 201:
            raise SystemExit(f"POST answered {response.status}: {body[:300]!r}")

    pages: list[tuple[str, dict[str, float]]] = []
    for size in (20, 100):
        first, deep_page = timed_together(
            requests, [get(f"/api/v1/contacts/?limit={size}"), get(f"/api/v1/contacts/?limit={size}&cursor={deep}")], server_pid
        )
        pages += [(f"list {size}, first page", first), (f"list {size}, deep page (2,000 rows from the end)", deep_page)]
    return [
        *pages,
        (
            "search by name prefix 'Wil' (20 rows)",
            timed(requests, server_pid=server_pid, call=get("/api/v1/contacts/?q=Wil&limit=20")),
        ),
        (
            "search by name prefix '陈' (20 rows)",
            timed(requests, server_pid=server_pid, call=get("/api/v1/contacts/?q=%E9%99%88&limit=20")),
        ),
        ("create contact (POST)", timed(requests, create, server_pid)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bastion-bench-") as data_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_")}
        # The benchmark measures speed, not the limits: lift the per-token and per-user search rates.
        unlimited = "100000000/min"
        env.update({"BASTION_ENV": "development", "BASTION_DATA_DIR": data_dir, "BASTION_API_RATE": unlimited})
        env.update({"BASTION_SEARCH_RATE_USER": unlimited, "BASTION_SEARCH_RATE_IP": unlimited})
        setup_django(env)
        token, deep = seed(args.contacts)
        port = free_port()
        server = start_server(env, port)
        try:
            results = measure(port, token, deep, args.requests, server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    from django.db import connection

    print(f"\n{args.contacts:,} contacts, {connection.vendor}, {platform.python_implementation()} {platform.python_version()}, ")
    print(f"{os.cpu_count()} CPUs, gunicorn 2 sync workers, one keep-alive client, {args.requests} requests each")
    sys.path.insert(0, str(ROOT / "bench"))
    from machine import describe

    print(f"{describe()}\n")
    print("| request | median ms | p95 ms | server CPU ms per request |")
    print("|---|---:|---:|---:|")
    for name, figures in results:
        print(f"| {name} | {figures['median']:.2f} | {figures['p95']:.2f} | {figures['cpu']:.2f} |")


if __name__ == "__main__":
    main()
