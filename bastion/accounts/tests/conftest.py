"""Fixtures of the accounts tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache(db: Any) -> Iterator[None]:
    """Rate-limit counters live in the (database) cache: every test starts without any."""
    cache.clear()
    yield
    cache.clear()
