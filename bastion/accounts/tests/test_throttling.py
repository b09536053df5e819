"""The API throttle: one atomic counter row per client and window."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from bastion.accounts.models import ThrottleWindow
from bastion.accounts.throttling import parse_rate, purge_throttle_windows, record_hit
from bastion.accounts.tokens import issue_token


def test_parse_rate_accepts_the_documented_forms_and_names_the_setting_on_bad_input() -> None:
    assert parse_rate("600/min") == (600, 60)
    assert parse_rate("10/s") == (10, 1)
    assert parse_rate("5000/day") == (5000, 86400)
    with pytest.raises(ValueError, match="BASTION_API_RATE"):
        parse_rate("600 per minute")


@pytest.mark.django_db
def test_a_window_admits_exactly_the_limit_then_a_new_window_starts_again() -> None:
    now = 1_000_000.0
    assert [record_hit("token:a", 3, 60, now) for _ in range(5)] == [True, True, True, False, False]
    assert ThrottleWindow.objects.get(key="token:a").hits == 3  # refused requests are not counted
    assert record_hit("token:a", 3, 60, now + 60)
    assert record_hit("token:b", 3, 60, now)  # another client has its own budget


@pytest.mark.django_db
def test_old_windows_are_purged_and_current_ones_kept() -> None:
    record_hit("token:old", 10, 60, time.time() - 3 * 86400)
    record_hit("token:new", 10, 60)
    assert purge_throttle_windows(timedelta(days=1)) == 1
    assert list(ThrottleWindow.objects.values_list("key", flat=True)) == ["token:new"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_are_counted_exactly(personas: Any) -> None:
    if connection.vendor == "sqlite":
        pytest.skip(
            "the in-memory shared-cache SQLite test database takes table locks that ignore busy_timeout; "
            "exact counting across connections is tested on PostgreSQL, which CI also runs"
        )
    results: list[bool] = []
    lock = threading.Lock()

    def client_burst() -> None:
        for _ in range(10):
            allowed = record_hit("token:shared", 25, 3600)
            with lock:
                results.append(allowed)
        connection.close()

    threads = [threading.Thread(target=client_burst) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 25
    assert ThrottleWindow.objects.get(key="token:shared").hits == 25


@pytest.mark.django_db
def test_throttled_response_says_when_to_retry(personas: Any, client: Any, settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "2/hour"}}
    token = issue_token(personas.rep_east, name="t", days=1).plaintext
    statuses = [client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    retry = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert 0 < int(retry["Retry-After"]) <= 3600
