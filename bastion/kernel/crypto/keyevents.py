"""Key operations in the audit trail: ``key.created``, ``key.rotated``, ``key.destroyed`` (docs/adr/0021).

The key store (alias ``keys``) and the audit log (``default``) are two databases, so a key change
and its event cannot commit atomically. The order is fixed so that **a committed key change
always has its committed event**:

1. what the change will do is counted (read-only queries);
2. the event is recorded with ``record_event`` in a transaction on ``default``, and committed;
3. the change is made in a key-store transaction, which commits.

If the change fails before step 2, nothing is recorded and nothing changed. If it fails after
step 2 (an error, the process killed, the key store unreachable at commit), the log holds an
event for a change that did not happen; the command or action reports the error, and every key
operation is idempotent, so running it again completes the change and records it again. An
event without its change is visible and harmless; a key change without its event would be
neither. The counts are taken just before the change; a concurrent change can make the real
figure differ slightly (the event says "planned").

No transaction on one database is held open while the other is written: on SQLite, where a
write transaction locks the whole file, holding the key store while waiting for the main
database (or the reverse) would deadlock against a request that creates a data key inside its
own transaction.

Changes outside the key store (a new root key version in the key file) follow the same rule:
:func:`announce` commits the event, then the change is made.

Callers must not be inside a transaction on ``default`` (the event would commit with it, after
the key store); management commands, the huey task and the crypto-shred's key step are not.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction

from bastion.kernel.crypto.router import KEYSTORE_ALIAS

ROOT_KEY = "keystore.root_key"
PERSON_KEY = "keystore.person_key"
DATA_KEY_VERSION = "keystore.data_key_version"
BLIND_INDEX_KEY = "keystore.blind_index_key"


def _record(kind: str, target_type: str, target_id: str, actor: Any, details: Mapping[str, Any]) -> None:
    from bastion.kernel.audit.kinds import EventKind
    from bastion.kernel.audit.writer import Target, record_event

    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        record_event(EventKind[kind], actor=actor, target=Target(target_type, target_id), extra=dict(details))


@contextmanager
def key_change(
    kind: str, target_type: str, target_id: str = "", *, actor: Any = None, details: Mapping[str, Any] | None = None
) -> Iterator[None]:
    """Record ``kind`` (committed), then run the ``with`` block in a key-store transaction.

    ``kind`` is an :class:`~bastion.kernel.audit.kinds.EventKind` name (``"KEY_DESTROYED"``);
    ``details`` (counted by the caller just before) go into the event's ``extra``. Never put a
    key, a wrapped key or a personal value in them.
    """
    _record(kind, target_type, target_id, actor, details or {})
    with transaction.atomic(using=KEYSTORE_ALIAS):
        yield


def announce(kind: str, target_type: str, target_id: str = "", *, actor: Any = None, **details: Any) -> None:
    """Record and commit the event of a change made next, outside the key store (a root key version)."""
    _record(kind, target_type, target_id, actor, details)
