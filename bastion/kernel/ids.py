"""Record ids: UUID version 7 (RFC 9562 section 5.7), time-ordered, with 74 random bits each.

Every model's UUID primary key defaults to :func:`new_id` (docs/adr/0057). An id starts with
the millisecond it was drawn, so the rows written in one import batch or one minute sit next to
each other in every index keyed by them: the table's primary key, the foreign keys of its child
rows, and the key store's indexes by person (a contact's or lead's id). With random (version 4)
ids each new row landed on a random page of each of those indexes, and a batch of 2,000 contacts
rewrote most of their pages.

The rest is random from the operating system's CSPRNG, drawn afresh for every id. There is no
counter within a millisecond (RFC 9562 section 6.2 allows either): an id tells nothing of the
ids drawn just before or after it beyond their millisecond. Ids drawn in the same millisecond
are therefore not ordered among themselves, which nothing here needs. What an id does tell is
when its row was made; ``created_at`` says that anyway to whoever may see the row.
"""

from __future__ import annotations

import os
import time
import uuid

_VERSION_7 = 0x7 << 76  # the version nibble, bits 76-79 of the 128
_RFC_VARIANT = 0b10 << 62  # the variant, bits 62-63
_RANDOM = ((1 << 80) - 1) & ~(0xF << 76) & ~(0b11 << 62)  # the 74 bits of the low 80 left to chance


def new_id() -> uuid.UUID:
    """A new UUIDv7: 48 bits of Unix time in milliseconds, the version and variant, 74 random bits."""
    random_bits = int.from_bytes(os.urandom(10), "big") & _RANDOM
    return uuid.UUID(int=(time.time_ns() // 1_000_000) << 80 | _VERSION_7 | _RFC_VARIANT | random_bits)
