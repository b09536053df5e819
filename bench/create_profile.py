"""In-process cost of one API request (a contact create, or a 20-row list): queries, CPU time, and a cProfile.

    .venv/bin/python bench/create_profile.py [--contacts 3000] [--requests 200] [--list] [--profile] [--show]

Seeds like bench/directory_bench.py (in a fresh data folder, removed afterwards; SQLite unless
DATABASE_URL names a throw-away PostgreSQL database), then posts the benchmark's contact (or, with
``--list``, gets the first 20-row page) through the Django test client with a bearer token: 30
warm-up requests, one with its statements counted (main database and key store), ``--requests``
timed by the process's CPU clock, and with ``--profile`` as many again under cProfile (sorted by
cumulative, then internal time). ``--show`` prints the statements and the answer. CPU time is what
a busy shared machine disturbs least; compare runs alternately.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import directory_bench  # noqa: E402 - the benchmark's seeding, from this folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--show", action="store_true")
    parser.add_argument("--list", action="store_true", help="profile GET /api/v1/contacts/?limit=20 instead of a create")
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="bastion-profile-")
    try:
        run(args, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run(args: argparse.Namespace, data_dir: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_")}
    unlimited = "100000000/min"
    env.update({"BASTION_ENV": "development", "BASTION_DATA_DIR": data_dir})
    env.update({"BASTION_API_RATE": unlimited, "BASTION_SEARCH_RATE_USER": unlimited, "BASTION_SEARCH_RATE_IP": unlimited})
    directory_bench.setup_django(env)
    token, _deep = directory_bench.seed(args.contacts)
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT="application/json")

    def create(i: int) -> Any:
        payload = {"given_name": f"Bench{i + 100}", "family_name": "Create", "emails": [{"address": f"c{i + 100}@b.example"}]}
        response = client.post("/api/v1/contacts/", data=json.dumps(payload), content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"POST answered {response.status_code}: {response.content[:300]!r}")
        return response

    def list_page(_: int) -> Any:
        response = client.get("/api/v1/contacts/?limit=20")
        if response.status_code != 200:
            raise SystemExit(f"GET answered {response.status_code}: {response.content[:300]!r}")
        return response

    request, label = (list_page, "20-row list") if args.list else (create, "create")
    for i in range(30):
        request(-1 - i)
    count(request, show=args.show)
    started = time.process_time()
    for i in range(args.requests):
        request(i)
    print(f"CPU ms per {label} (in process, no profiler): {(time.process_time() - started) * 1000 / args.requests:.2f}")
    if args.profile:
        profile(request, args.requests)


def count(request: Any, *, show: bool) -> None:
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connections["default"]) as main, CaptureQueriesContext(connections["keys"]) as keys:
        response = request(10_000_000)
    print(f"statements per request: main database {len(main)}, key store {len(keys)}")
    if show:
        for label, queries in (("main", main), ("keys", keys)):
            for query in queries.captured_queries:
                print(f"  {label}: {query['sql'][:160]}")
        print(response.content.decode())


def profile(request: Any, requests: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(requests, 2 * requests):
        request(i)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(30)
    print(out.getvalue())


if __name__ == "__main__":
    main()
