"""The canonical encoding of an audit event: the bytes that become a Merkle leaf.

Pure standard library (the stand-alone verifier uses it). An entry is a JSON object with
sorted keys, no insignificant whitespace, UTF-8, no floats (the writer turns them into
strings) and ``NaN`` refused, so the same event always encodes to the same bytes on every
database and every machine.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

FORMAT_VERSION = 1
GENESIS_HASH = "0" * 64
ENTRY_KEYS = (
    "v",
    "seq",
    "ts",
    "kind",
    "outcome",
    "actor",
    "actor_snapshot",
    "on_behalf_of",
    "ip",
    "ua",
    "rid",
    "target_type",
    "target_id",
    "target_snapshot",
    "changes",
    "extra",
    "prev",
)


def format_timestamp(value: dt.datetime) -> str:
    """``value`` in UTC as ``2025-01-31T12:00:00.000000Z`` (microseconds always present)."""
    if value.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
# builds this encoder on every call; one instance gives the same text faster.
encode_text = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
_KEYS = frozenset(ENTRY_KEYS)


def encode(entry: dict[str, Any]) -> bytes:
    """The canonical bytes of ``entry`` (which must have exactly :data:`ENTRY_KEYS`)."""
    if entry.keys() != _KEYS:
        missing = sorted(set(ENTRY_KEYS) - set(entry))
        unknown = sorted(set(entry) - set(ENTRY_KEYS))
        raise ValueError(f"not an audit entry: missing {missing}, unknown {unknown}")
    return encode_text(entry).encode("utf-8")


def cached_loads(limit: int = 4096) -> Callable[[str], Any]:
    """``json.loads`` that decodes each repeated text once (snapshots and ``{}`` repeat across
    events), keeping at most ``limit`` of them. Callers must not change what it returns."""
    seen: dict[str, Any] = {}

    def load(text: str) -> Any:
        value = seen.get(text)
        if value is None:
            value = json.loads(text)
            if len(seen) < limit:
                seen[text] = value
        return value

    return load


def jsonable(value: Any) -> Any:
    """``value`` reduced to what the canonical encoding keeps stable: str, int, bool, None, lists, dicts."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, dt.datetime):
        return format_timestamp(value) if value.tzinfo else value.isoformat()
    return str(value)
