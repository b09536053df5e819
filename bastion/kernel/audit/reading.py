"""Fast reads of the sealed log for verify and export: raw column values, no model instances.

Rows are read with a plain cursor in keyset chunks (``sequence > last ORDER BY sequence
LIMIT n``), the timestamp already in canonical text (``to_char`` on PostgreSQL, the stored
text on SQLite) and the JSON columns as text, decoded once with ``json.loads``. The entry
built here is the same dict as ``writer.entry_of`` builds from model values, and
:func:`encode` gives the same bytes as ``canonical.encode`` (same encoder settings), so leaf
hashes are byte-identical to what the writer, the exports and the stand-alone verifier use.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db import connection

from bastion.kernel.audit import canonical
from bastion.kernel.audit.sealer import PG_CANONICAL_TIMESTAMP, canonical_timestamp

CHUNK = 20_000
_CACHE_LIMIT = 4096

encode_text = canonical.encode_text


def _columns() -> str:
    if connection.vendor == "postgresql":
        ts = PG_CANONICAL_TIMESTAMP
        js = "{}::text"
    else:
        ts, js = 'CAST("timestamp" AS TEXT)', "{}"
    return ", ".join(
        [
            "sequence",
            ts,
            "kind",
            "outcome",
            "actor_id",
            js.format("actor_snapshot"),
            "on_behalf_of_id",
            "client_ip",
            "user_agent",
            "request_id",
            "target_type",
            "target_id",
            js.format("target_snapshot"),
            js.format("changes"),
            js.format("extra"),
            "prev_hash",
            "leaf_hash",
        ]
    )


def raw_rows(after: int = 0, last: int | None = None, chunk: int = CHUNK) -> Iterator[tuple[Any, ...]]:
    """Rows of events with ``after < sequence <= last``, in order, as raw tuples (see ``_columns``)."""
    bound = "" if last is None else " AND sequence <= %s"
    query = f"SELECT {_columns()} FROM kernel_auditevent WHERE sequence > %s{bound} ORDER BY sequence LIMIT %s"  # noqa: S608
    while True:
        with connection.cursor() as cursor:
            cursor.execute(query, [after, chunk] if last is None else [after, last, chunk])
            rows = cursor.fetchall()
        yield from rows
        if len(rows) < chunk:
            return
        after = rows[-1][0]


class EntryBuilder:
    """Turns raw rows into canonical entries; repeated JSON texts (snapshots, ``{}``) are decoded once."""

    def __init__(self) -> None:
        self.load = canonical.cached_loads(_CACHE_LIMIT)

    def entry(self, row: tuple[Any, ...]) -> dict[str, Any]:
        load = self.load
        ts = row[1]
        return {
            "v": canonical.FORMAT_VERSION,
            "seq": row[0],
            "ts": ts if len(ts) == 27 and ts[10] == "T" else canonical_timestamp(ts),
            "kind": row[2],
            "outcome": row[3],
            "actor": row[4],
            "actor_snapshot": load(row[5]),
            "on_behalf_of": row[6],
            "ip": row[7],
            "ua": row[8],
            "rid": row[9],
            "target_type": row[10],
            "target_id": row[11],
            "target_snapshot": load(row[12]),
            "changes": json.loads(row[13]),
            "extra": load(row[14]),
            "prev": row[15],
        }


def entries(first: int, last: int) -> Iterator[tuple[dict[str, Any], str]]:
    """``(entry, leaf_hash)`` of events ``first``..``last`` in order."""
    builder = EntryBuilder()
    for row in raw_rows(first - 1, last):
        yield builder.entry(row), row[16]
