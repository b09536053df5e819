"""Field values sealed with AES-256-GCM under a person's data key.

Layout of a sealed value (all integers big-endian)::

    format (1) | key version (4) | nonce (12) | ciphertext + GCM tag (16)

``format`` is the crypto-agility byte: ``0x01`` is AES-256-GCM under a person data key;
``0x00`` alone marks a value erased by crypto-shredding; ``0x02`` alone is an empty value (no
plaintext: the empty text, or no date), stored without encryption because a ciphertext of
nothing would disclose exactly that through its length (ADR 0056). The associated data binds the value
to where it belongs: ``app_label.model``, the field, the record's primary key, the person and the
header (format and key version). A value copied to another row, field or person, or with any
byte changed, fails authentication and raises :class:`IntegrityError`: it never decrypts to
something else.
"""

from __future__ import annotations

import os
import struct
import uuid
from time import monotonic
from typing import NamedTuple

from cryptography.exceptions import InvalidTag

from bastion.kernel.crypto import keyring
from bastion.kernel.crypto.errors import IntegrityError

FORMAT_AES_GCM = 0x01
FORMAT_ERASED = 0x00
CURRENT_FORMAT = FORMAT_AES_GCM
ERASED_MARKER = bytes([FORMAT_ERASED])
FORMAT_EMPTY = 0x02
EMPTY_MARKER = bytes([FORMAT_EMPTY])
NONCE_BYTES = 12
TAG_BYTES = 16
_HEADER = struct.Struct(">BI")
_AD_PREFIX = b"bastion/field/v1"
_BODY = _HEADER.size + NONCE_BYTES
_MIN_SEALED = _BODY + TAG_BYTES
_unwrapped = keyring._read_keys.items  # (person.int, version) -> (expiry, version, aead); cleared in place, never replaced


def field_ad(label: str, field: str) -> bytes:
    """The part of the associated data fixed per model field (computed once per field by fields.py)."""
    return b"\x00".join([_AD_PREFIX, label.encode(), field.encode()]) + b"\x00"


def record_ad(record: str, person: uuid.UUID) -> bytes:
    """The part of the associated data fixed per record and person (cached per instance by fields.py)."""
    return record.encode() + b"\x00" + person.bytes + b"\x00"


class FieldContext(NamedTuple):
    """Where a value lives: ``label`` ("directory.contact"), field name, record primary key and person.

    A named tuple rather than a dataclass: one is made per value written.
    """

    label: str
    field: str
    record: str
    person: uuid.UUID

    def describe(self) -> str:
        return f"{self.label}.{self.field} of record {self.record}"

    def associated_data(self, header: bytes) -> bytes:
        """``prefix | label | field | record | person | header``, NUL-separated (the same bytes as the parts above)."""
        return field_ad(self.label, self.field) + record_ad(self.record, self.person) + header


def header(blob: bytes) -> tuple[int, int]:
    """``(format, key version)`` of a sealed value; ``(0, 0)`` for the erased marker."""
    if blob == ERASED_MARKER:
        return FORMAT_ERASED, 0
    if blob == EMPTY_MARKER:
        return FORMAT_EMPTY, 0
    if len(blob) < _HEADER.size + NONCE_BYTES + TAG_BYTES:
        raise IntegrityError("a sealed value is truncated")
    fmt, version = _HEADER.unpack_from(blob)
    return fmt, version


def seal(context: FieldContext, plaintext: bytes) -> bytes:
    """Encrypt ``plaintext`` for ``context`` under the person's current data key (empty: :data:`EMPTY_MARKER`)."""
    field_part, record_part = field_ad(context.label, context.field), record_ad(context.record, context.person)
    return seal_bound(field_part, record_part, context.person, plaintext)


def seal_bound(field_part: bytes, record_part: bytes, person: uuid.UUID, plaintext: bytes) -> bytes:
    """:func:`seal` with the associated data's field and record parts already built (the write path of fields.py).

    The associated data is exactly ``field_part + record_part + header``, the bytes
    :meth:`FieldContext.associated_data` gives.
    """
    key = keyring.key_for_write(person)
    if not plaintext:
        return EMPTY_MARKER
    head = _HEADER.pack(CURRENT_FORMAT, key.version)
    nonce = os.urandom(NONCE_BYTES)
    return head + nonce + key.aead.encrypt(nonce, plaintext, field_part + record_part + head)


def seal_many(
    key: keyring.DataKey, record_part: bytes, values: list[tuple[bytes, bytes]], nonces: bytes | None = None
) -> list[bytes]:
    """:func:`seal_bound` for several values of one record and person under the data key ``key`` (the bulk write path).

    ``values`` are ``(field part, plaintext)`` pairs; each result is exactly what :func:`seal_bound`
    would give (same header, a fresh random nonce, associated data ``field part + record_part +
    header``). The nonces are ``nonces`` cut in 12-byte pieces, one per value: bytes the caller
    drew from ``os.urandom`` for these values alone, as :func:`fresh_nonces` does for a whole batch;
    without them, one ``os.urandom`` call here. As random as one call per value, with one system
    call per record or batch instead. An empty plaintext gives :data:`EMPTY_MARKER`, as there.
    """
    if nonces is None:
        nonces = fresh_nonces(len(values))
    elif len(nonces) != NONCE_BYTES * len(values):
        raise ValueError(f"{len(values)} values need {NONCE_BYTES * len(values)} bytes of nonces, not {len(nonces)}")
    head = _HEADER.pack(CURRENT_FORMAT, key.version)
    bound = record_part + head
    encrypt = key.aead.encrypt
    sealed: list[bytes] = []
    for start, (field_part, plaintext) in zip(range(0, len(nonces), NONCE_BYTES), values, strict=True):
        if plaintext:
            nonce = nonces[start : start + NONCE_BYTES]
            sealed.append(head + nonce + encrypt(nonce, plaintext, field_part + bound))
        else:
            sealed.append(EMPTY_MARKER)
    return sealed


def fresh_nonces(count: int) -> bytes:
    """``count`` nonces' worth of bytes from the operating system's CSPRNG, in one call, for :func:`seal_many`.

    Drawn afresh by each caller, never kept or shared: each slice is used for one value only.
    """
    return os.urandom(NONCE_BYTES * count)


def open_sealed(context: FieldContext, blob: bytes) -> bytes | None:
    """The plaintext of ``blob``, or None if the person's key was shredded (or the value erased)."""
    try:
        return open_bound(field_ad(context.label, context.field), record_ad(context.record, context.person), context.person, blob)
    except IntegrityError as exc:
        raise IntegrityError(f"{context.describe()} {exc}") from None


def open_bound(field_part: bytes, record_part: bytes, person: uuid.UUID, blob: bytes) -> bytes | None:
    """:func:`open_sealed` with the associated data's field and record parts already built (the read path).

    The associated data is exactly ``field_part + record_part + header``: the same bytes as
    :meth:`FieldContext.associated_data`, so moved or altered values still fail. The
    :class:`IntegrityError` raised does not name the value: the caller prefixes where it lives.
    """
    if len(blob) < _MIN_SEALED or blob[0] != FORMAT_AES_GCM:
        if blob == EMPTY_MARKER:
            return b""
        if blob == ERASED_MARKER or (len(blob) >= _MIN_SEALED and blob[0] == FORMAT_ERASED):
            return None
        if len(blob) < _MIN_SEALED:
            raise IntegrityError("is truncated: not a sealed value")
        raise IntegrityError(f"has an unknown format byte {blob[0]:#04x}")
    version = int.from_bytes(blob[1:5], "big")
    cached = _unwrapped.get((person.int, version))  # keyring's cache, read in place: the per-value hot path
    if cached is not None and cached[0] >= monotonic():
        aead = cached[2]
    else:
        aead = keyring.aead_for_read(person, version)
        if aead is None:
            return None
    try:
        return aead.decrypt(blob[5:_BODY], blob[_BODY:], field_part + record_part + blob[:5])
    except InvalidTag:
        raise IntegrityError(
            "failed its integrity check: the stored value was altered or copied from another row or field"
        ) from None


def needs_reencrypt(blob: bytes, current_version: int) -> bool:
    """Whether ``blob`` is not yet in the current format under a key of ``current_version`` or newer."""
    fmt, version = header(blob)
    return fmt not in (FORMAT_ERASED, FORMAT_EMPTY) and (fmt != CURRENT_FORMAT or version < current_version)
