"""The live server the browser tests use: on SQLite in memory it serves one request at a time."""

from __future__ import annotations

import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connections

from tests.browser.conftest import OneRequestAtATimeServer


def test_the_shared_in_memory_connection_is_used_by_one_request_at_a_time(live_server: Any) -> None:
    shared = any(c.vendor == "sqlite" and c.is_in_memory_db() for c in connections.all())  # type: ignore[attr-defined]
    assert isinstance(live_server.thread.httpd, OneRequestAtATimeServer) is shared

    def fetch(_: int) -> tuple[int, bytes]:
        with urllib.request.urlopen(f"{live_server.url}/healthz", timeout=20) as response:  # noqa: S310 - the test's own server
            return response.status, response.read()

    with ThreadPoolExecutor(max_workers=8) as pool:  # parallel requests, as a browser sends them
        results = list(pool.map(fetch, range(32)))
    assert [status for status, _ in results] == [200] * 32
    assert all(body for _, body in results)
