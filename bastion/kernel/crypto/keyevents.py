"""Key operations in the audit trail: ``key.created``, ``key.rotated``, ``key.destroyed`` (docs/adr/0021).

The key store (alias ``keys``) and the audit log (``default``) are two databases, so a key change
and its event cannot commit atomically. The order is fixed so that **a committed key change
always has its committed event**:

1. the key-store transaction is opened and the change is made in it (not committed);
2. the event is recorded with ``record_event`` in a transaction on ``default`` nested inside it,
   which commits first (it holds the exact counts, known by then);
3. the key-store transaction commits.

If the change fails before step 2, nothing is recorded and nothing changed. If the process dies
or the key store's commit fails between steps 2 and 3, the log holds an event for a change that
did not happen; the command reports the error, and every key operation is idempotent, so running
it again completes the change and records it again. An event without its change is visible and
harmless; a key change without its event would be neither.

Changes outside the key store (a new root key version in the key file) follow the same rule:
:func:`announce` commits the event, then the change is made.

Callers must not be inside a transaction on ``default`` (it would commit after the key store);
management commands, the huey task and the crypto-shred's key step are not.
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
    kind: str, target_type: str, target_id: str = "", *, actor: Any = None, extra: Mapping[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """Make a key-store change in the ``with`` block; its event commits just before the key store.

    ``kind`` is an :class:`~bastion.kernel.audit.kinds.EventKind` name (``"KEY_DESTROYED"``).
    The block may add details (counts) to the yielded dict; they go into the event's ``extra``.
    Never put a key, a wrapped key or a personal value in it.
    """
    details: dict[str, Any] = dict(extra or {})
    with transaction.atomic(using=KEYSTORE_ALIAS):
        yield details
        _record(kind, target_type, target_id, actor, details)


def announce(kind: str, target_type: str, target_id: str = "", *, actor: Any = None, **details: Any) -> None:
    """Record and commit the event of a change made next, outside the key store (a root key version)."""
    _record(kind, target_type, target_id, actor, details)
