"""Sealing every encrypted field of a new record at once, for bulk inserts (``kernel.bulk.insert_new``).

:func:`sealed_values` gives, for each encrypted field of an instance, exactly what the field's
``pre_save(instance, add=True)`` gives (a value already sealed is kept, an erased one becomes the
erased marker, anything else is sealed with AES-256-GCM under the person's current data key with
the same associated data), but looks the person's data key and the record's part of the
associated data up once per record instead of once per value (docs/adr/0043, docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bastion.kernel.crypto import envelope, keyring
from bastion.kernel.crypto.fields import EncryptedMixin, Sealed, is_erased


def sealed_values(fields: Sequence[EncryptedMixin], obj: Any, nonces: bytes | None = None) -> list[Sealed]:
    """``[field.pre_save(obj, True) for field in fields]`` with one key look-up per person of ``obj``.

    ``nonces``: ``envelope.fresh_nonces(len(fields))`` drawn for this record alone (``insert_new``
    draws one batch's at once and gives each record its own slice); without them, drawn per person.
    """
    if nonces is not None and len(nonces) != envelope.NONCE_BYTES * len(fields):
        raise ValueError(f"{len(fields)} fields need {envelope.NONCE_BYTES * len(fields)} bytes of nonces, not {len(nonces)}")
    values = obj.__dict__
    out: list[Any] = [None] * len(fields)
    by_person: dict[str, list[int]] = {}
    for index, field in enumerate(fields):
        value = values.get(field.attname)
        if isinstance(value, Sealed):
            out[index] = value
        elif is_erased(value):
            out[index] = Sealed(envelope.ERASED_MARKER)
        else:
            by_person.setdefault(field.person_attr, []).append(index)
    used = 0
    for indexes in by_person.values():
        person, record_part = fields[indexes[0]].record_ad(obj)
        key = keyring.key_for_write(person)
        parts = [
            (fields[i]._field_ad or fields[i].field_ad(), fields[i].to_plain(values.get(fields[i].attname))) for i in indexes
        ]
        mine = None if nonces is None else nonces[used : used + envelope.NONCE_BYTES * len(parts)]
        used += envelope.NONCE_BYTES * len(parts)
        for index, sealed in zip(indexes, envelope.seal_many(key, record_part, parts, mine), strict=True):
            out[index] = Sealed(sealed)
    return out
