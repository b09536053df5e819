"""Database chores the benchmarks share."""

from __future__ import annotations


def settle_statistics() -> None:
    """On PostgreSQL, vacuum and analyse every database Bastion uses (the main one and the key
    store) after a bulk seed, as autovacuum would in a running system.

    Without it the planner estimates from empty tables: it scanned the whole key store for a
    page's 100 data keys (2 ms a page at 20,000 people, about 6.5 at 100,000), and autovacuum wakes up during the
    measurement, both of which change the figures from run to run.
    """
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
