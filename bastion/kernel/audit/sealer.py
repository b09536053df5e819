"""The sealer: moves recorded events from the inbox into the hash chain, in batches (docs/adr/0024).

``record_event`` only inserts into ``kernel_auditinbox``, in the transaction of the change. The
sealer takes the chain-head lock, reads inbox rows in id order, gives each the next sequence
number, the previous leaf hash and its own leaf hash, extends the Merkle frontier, inserts the
events in one statement per batch, deletes the moved inbox rows (the trigger lets an inbox row
go only once an identical sealed copy exists) and moves the head, all in one transaction.

The chain order is the sealing order: an inbox row that commits late with a lower id is sealed
in a later batch; nothing is skipped and nothing forks, because only the head lock's holder
seals. The sealer runs:

- after the commit of every transaction that recorded an event, without waiting: if another
  process is sealing, this one does not (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; ``BEGIN
  IMMEDIATE`` with no busy wait on SQLite) - the other seals its rows in its next batch;
- before anything reads the log (``AuditEvent.objects``, verify, checkpoints, exports), waiting
  for the lock, so a reader sees every event committed before it started;
- every minute from huey (``kernel.tasks``), as a safety net.

With ``BASTION_AUDIT_SEALER=process`` (what ``bastion serve`` sets for its web and job
processes, docs/adr/0061) the writing processes do not seal after their commits: one dedicated
process, ``bastion auditlog seal --follow`` (:func:`seal_continuously`), seals for all of them,
so an append never waits behind a batch. Readers and the minute job still seal first.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import DatabaseError, OperationalError, close_old_connections, connection, transaction

from bastion.kernel.audit import canonical, merkle
from bastion.kernel.batch_sql import insert_rows

logger = logging.getLogger(__name__)

BATCH = 1000
# The sealing after a commit stops after this many rows (the request's thread should return);
# the next seal, or a reader, takes the rest.
AFTER_COMMIT_LIMIT = 20_000
# At most one sealing attempt per process this often. Each sealing is a transaction of its own
# (on PostgreSQL one more WAL flush), so under load a longer interval seals more rows per
# transaction: 0.25 s gave about 1.5 times the appends/s of 0.02 s with 4 processes on both
# databases (docs/benchmarks.md). Readers seal first, so nobody reads a log missing an event.
AFTER_COMMIT_INTERVAL = 0.25
_last_attempt = 0.0
SQLITE_BUSY_TIMEOUT_MS = 5000  # as in settings.DATABASES (restored after a non-blocking attempt)

CONTENT = (
    "timestamp",
    "kind",
    "outcome",
    "actor_id",
    "actor_snapshot",
    "on_behalf_of_id",
    "client_ip",
    "user_agent",
    "request_id",
    "target_type",
    "target_id",
    "target_snapshot",
    "changes",
    "extra",
)
JSON_COLUMNS = frozenset({"actor_snapshot", "target_snapshot", "changes", "extra"})
EVENT_COLUMNS = ("sequence", "inbox_id", *CONTENT, "prev_hash", "leaf_hash")
HEAD_COLUMNS = "sequence, leaf_hash, frontier"


# PostgreSQL formats the timestamp canonically (``2025-01-31T12:00:00.000000Z``): the sealer
# hashes that text and copies it into the event as is, with no datetime made or formatted per event.
PG_CANONICAL_TIMESTAMP = """to_char("timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


def _as_text(column: str) -> str:
    """The column read as the text stored (no decoding by the driver), so the copy is identical."""
    if connection.vendor == "postgresql":
        if column == "timestamp":
            return PG_CANONICAL_TIMESTAMP
        return f"{column}::text" if column in JSON_COLUMNS else column
    return f"CAST({column} AS TEXT)" if column == "timestamp" else column


def _select_inbox() -> str:
    columns = ", ".join(_as_text(column) for column in CONTENT)
    return f"SELECT id, {columns} FROM kernel_auditinbox WHERE id <= %s ORDER BY id LIMIT %s"  # noqa: S608 - fixed names


_JSON_AT = tuple((name, CONTENT.index(name)) for name in sorted(JSON_COLUMNS))
_REPEATS = 1024  # snapshot and "extra" texts repeat across events: each decoded once per batch


def canonical_timestamp(value: Any) -> str:
    """The canonical form (``2025-01-31T12:00:00.000000Z``) of a timestamp as the database returns it.

    SQLite stores ``YYYY-MM-DD HH:MM:SS[.ffffff]`` text in UTC; PostgreSQL returns an aware
    ``datetime`` (or, from ``to_char``, the canonical text already).
    """
    if isinstance(value, dt.datetime):
        return canonical.format_timestamp(value if value.tzinfo else value.replace(tzinfo=dt.UTC))
    text = str(value)
    if len(text) == 26 and text[10] == " ":
        return f"{text[:10]}T{text[11:]}Z"
    if len(text) == 27 and text[10] == "T" and text[-1] == "Z":
        return text
    if len(text) == 19 and text[10] == " ":
        return f"{text[:10]}T{text[11:]}.000000Z"
    parsed = dt.datetime.fromisoformat(text)
    return canonical.format_timestamp(parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC))


def _lock_head(cursor: Any, *, wait: bool) -> tuple[int, str, list[bytes]] | None:
    """Lock the chain head: (sequence, last leaf hash, frontier), or None if another sealer holds it."""
    lock = (" FOR UPDATE" if wait else " FOR UPDATE SKIP LOCKED") if connection.vendor == "postgresql" else ""
    query = f"SELECT {HEAD_COLUMNS} FROM kernel_auditchainhead WHERE id = 1{lock}"  # noqa: S608 - fixed names
    cursor.execute(query)
    row = cursor.fetchone()
    if row is None:
        cursor.execute("SELECT 1 FROM kernel_auditchainhead WHERE id = 1")
        if cursor.fetchone() is not None:
            return None  # it exists: someone else holds it
        cursor.execute(
            "INSERT INTO kernel_auditchainhead (id, sequence, leaf_hash, frontier) VALUES (1, 0, %s, %s) ON CONFLICT DO NOTHING",
            [canonical.GENESIS_HASH, "[]"],
        )
        cursor.execute(query.replace(" SKIP LOCKED", ""))
        row = cursor.fetchone()
    frontier = row[2] if isinstance(row[2], list) else json.loads(row[2])
    return int(row[0]), str(row[1]), [bytes.fromhex(item) for item in frontier]


def _entry(sequence: int, values: Sequence[Any], decoded: dict[str, Any], prev: str) -> dict[str, Any]:
    return {
        "v": canonical.FORMAT_VERSION,
        "seq": sequence,
        "ts": canonical_timestamp(values[0]),
        "kind": values[1],
        "outcome": values[2],
        "actor": values[3],
        "actor_snapshot": decoded["actor_snapshot"],
        "on_behalf_of": values[5],
        "ip": values[6],
        "ua": values[7],
        "rid": values[8],
        "target_type": values[9],
        "target_id": values[10],
        "target_snapshot": decoded["target_snapshot"],
        "changes": decoded["changes"],
        "extra": decoded["extra"],
        "prev": prev,
    }


def _seal_batch(cursor: Any, rows: list[tuple[Any, ...]], head: tuple[int, str, list[bytes]]) -> tuple[int, str, list[bytes]]:
    size, prev, frontier = head
    params: list[tuple[Any, ...]] = []
    load = canonical.cached_loads(_REPEATS)
    for row in rows:
        inbox_id, values = row[0], row[1:]
        decoded = {name: load(values[at]) for name, at in _JSON_AT}
        sequence = size + 1
        leaf = merkle.leaf_hash(canonical.encode(_entry(sequence, values, decoded, prev)))
        merkle.append(frontier, size, leaf)
        leaf_hex = leaf.hex()
        params.append((sequence, inbox_id, *values, prev, leaf_hex))
        size, prev = sequence, leaf_hex
    insert_rows("kernel_auditevent", EVENT_COLUMNS, params)
    ids = [row[0] for row in rows]
    if connection.vendor == "postgresql":  # through the owner's function: the app role may not DELETE (roles.py)
        cursor.execute("SELECT bastion_audit_release_sealed(%s::bigint[])", [ids])
    else:
        cursor.execute(f"DELETE FROM kernel_auditinbox WHERE id IN ({', '.join(['%s'] * len(ids))})", ids)  # noqa: S608
    return size, prev, frontier


def _seal_locked(cursor: Any, head: tuple[int, str, list[bytes]], limit: int | None) -> int:
    """Seal in batches; without a ``limit``, everything committed up to now (a reader's guarantee)."""
    if limit is None:
        cursor.execute("SELECT MAX(id) FROM kernel_auditinbox")
        bound = cursor.fetchone()[0]
        if bound is None:
            return 0
    else:
        bound = 2**63 - 1
    sealed, start = 0, head[0]
    select = _select_inbox()
    while limit is None or sealed < limit:
        cursor.execute(select, [bound, BATCH])
        rows = cursor.fetchall()
        if rows:
            head = _seal_batch(cursor, rows, head)
            sealed += len(rows)
        if len(rows) < BATCH:
            break
    if head[0] != start:
        cursor.execute(
            "UPDATE kernel_auditchainhead SET sequence = %s, leaf_hash = %s, frontier = %s WHERE id = 1",
            [head[0], head[1], json.dumps([item.hex() for item in head[2]])],
        )
    return sealed


def seal_pending(*, wait: bool = True, limit: int | None = None) -> int:
    """Seal the inbox rows committed so far (up to ``limit``); the number sealed.

    ``wait=False`` gives up at once if another sealer holds the chain head (0 is returned).
    Runs in a transaction of its own, or in a savepoint of the caller's.
    """
    if connection.vendor == "sqlite" and not wait and not connection.in_atomic_block:
        return _seal_sqlite_without_waiting(limit)
    with transaction.atomic(), connection.cursor() as cursor:
        head = _lock_head(cursor, wait=wait)
        if head is None:
            return 0
        return _seal_locked(cursor, head, limit)


def _seal_sqlite_without_waiting(limit: int | None) -> int:
    """SQLite serialises writers: take the write lock only if nobody holds it (busy timeout 0)."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 0")
    try:
        with transaction.atomic(), connection.cursor() as cursor:  # BEGIN IMMEDIATE (settings)
            head = _lock_head(cursor, wait=False)
            return _seal_locked(cursor, head, limit) if head is not None else 0
    except OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        return 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")


def inbox_is_empty() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM kernel_auditinbox LIMIT 1")
        return cursor.fetchone() is None


def seal_before_reading() -> None:
    """Readers call this first: seal everything committed so far (waits for another sealer)."""
    if not inbox_is_empty():
        seal_pending(wait=True)


def seal_after_commit() -> None:
    """``transaction.on_commit`` hook of ``record_event``: seal now unless someone else is sealing.

    At most one attempt per ``AFTER_COMMIT_INTERVAL`` seconds in a process: under load the
    rows of many commits are sealed together (one transaction, one statement per 1,000 rows)
    instead of one sealing transaction per commit. A row committed just after an attempt is
    sealed by the next commit's attempt, by a reader, or by the minute job.
    """
    global _last_attempt  # noqa: PLW0603 - one timestamp per process
    now = time.monotonic()
    if now - _last_attempt < AFTER_COMMIT_INTERVAL:
        return
    _last_attempt = now
    try:
        seal_pending(wait=False, limit=AFTER_COMMIT_LIMIT)
    except Exception:  # the change is committed; its event waits in the inbox for the next sealer
        logger.exception("sealing audit events after a commit failed; they stay in the inbox")


def sealed_by_a_dedicated_process() -> bool:
    """True when ``bastion auditlog seal --follow`` seals for this process (``BASTION_AUDIT_SEALER=process``)."""
    return bool(settings.AUDIT_SEALER == "process")


# The dedicated sealer looks for waiting events this often, and waits this long after a failure.
FOLLOW_INTERVAL = 0.25
FOLLOW_RETRY_SECONDS = 5.0
# PostgreSQL keeps a released inbox row (and its index entry) until the table is vacuumed, and
# every look at the inbox walks past them: after a minute at 5,000 events/s, 300,000 of them.
# The dedicated sealer vacuums the inbox itself after sealing this many rows (docs/adr/0061).
VACUUM_INBOX_AFTER = 20_000


def vacuum_inbox() -> None:
    """PostgreSQL: reclaim the released inbox rows (not in a transaction; a role that does not own the table is skipped)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM kernel_auditinbox")


def seal_continuously(stop: threading.Event, *, interval: float = FOLLOW_INTERVAL) -> tuple[int, int]:
    """The dedicated sealer (docs/adr/0061): seal what is waiting until ``stop`` is set.

    Each round seals at most ``AFTER_COMMIT_LIMIT`` rows in one transaction and goes on at once
    when there were more, else waits ``interval``. An empty inbox costs one ``SELECT``, not a
    transaction. On PostgreSQL it vacuums the inbox after every ``VACUUM_INBOX_AFTER`` rows it
    sealed. A database error is logged and retried after ``FOLLOW_RETRY_SECONDS`` on a new
    connection: the rows wait in the inbox, where readers and the minute job find them too.
    Once stopped, what was committed until then is sealed. Returns the numbers sealed while
    running and on stopping.
    """
    running = unvacuumed = 0
    while not stop.is_set():
        close_old_connections()  # a restarted server or CONN_MAX_AGE, as between two requests
        try:
            sealed = 0 if inbox_is_empty() else seal_pending(wait=True, limit=AFTER_COMMIT_LIMIT)
            running, unvacuumed = running + sealed, unvacuumed + sealed
            if unvacuumed >= VACUUM_INBOX_AFTER:
                unvacuumed = 0
                vacuum_inbox()
        except DatabaseError:
            logger.exception("the audit sealer could not seal; retrying in %.0f s", FOLLOW_RETRY_SECONDS)
            connection.close()
            stop.wait(FOLLOW_RETRY_SECONDS)
            continue
        if sealed < AFTER_COMMIT_LIMIT:
            stop.wait(interval)
    try:
        close_old_connections()
        return running, seal_pending(wait=True)
    except DatabaseError:  # stopping anyway: the rows wait for the next sealer or reader
        logger.exception("the audit sealer could not seal before stopping")
        return running, 0


def unsealed_too_long(max_age: dt.timedelta, *, now: dt.datetime | None = None, limit: int = 20) -> list[tuple[int, dt.datetime]]:
    """Inbox rows recorded more than ``max_age`` ago: ``(id, recorded_at)``, oldest first."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - max_age
    from bastion.kernel.audit.models import AuditInbox

    rows = AuditInbox.objects.filter(recorded_at__lt=cutoff).order_by("id").values_list("id", "recorded_at")[:limit]
    return list(rows)
