"""Blind indexes: exact search over encrypted values with truncated keyed hashes (CipherSweet's design).

An index value is ``HMAC-SHA256(scope key, normalised value)`` truncated to ``bits`` bits. Each
scope ("directory.contact.email") has its own random key, stored wrapped in the key store with
the ``bits`` it was made with. Truncation is the privacy mechanism: at the planned population
``R`` every index value is shared by ``C = R / 2^bits`` values on average, so an index value does
not single out a person; a search decrypts its candidates and drops the false positives.

:func:`plan_bits` implements CipherSweet's planner rule: the admissible truncations are those with
``2 <= C <= sqrt(R)`` (with ``C = R / 2^(sum of min(L_i, K_i))`` over every index on the field,
``K_i`` the input domain in bits); populations under 16 are refused. :func:`bits_for` picks the
largest admissible length (fewest false positives) for ``BASTION_BLIND_INDEX_POPULATION``.

Entries live in the key store (see models.BlindIndexEntry), one per (scope, person, value).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
import re
import unicodedata
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from bastion.kernel.crypto import keyring
from bastion.kernel.crypto.models import BlindIndexEntry
from bastion.kernel.crypto.router import KEYSTORE_ALIAS
from bastion.kernel.crypto.store import insert_ignoring_conflicts

MIN_POPULATION = 16
MAX_BITS = 63  # stored in a signed 64-bit column
_PHONE_EXTENSION = re.compile(r"(?i)\s*(?:ext\.?|x|#|转|分机)\s*\d{1,6}\s*$")


class PlanningError(ValueError):
    """No truncation satisfies the rule for this population."""


def expected_coincidences(
    population: int, bits: int, *, domain_bits: float | None = None, other_bits: Iterable[int] = ()
) -> float:
    """``C = R / 2^(sum of min(L_i, K_i))`` for an index of ``bits`` next to ``other_bits`` on the same field."""
    limit = math.inf if domain_bits is None else domain_bits
    total = sum(min(length, limit) for length in (bits, *other_bits))
    return population / 2**total


def plan_bits(population: int, *, domain_bits: float | None = None, other_bits: Iterable[int] = ()) -> tuple[int, int]:
    """The ``(min, max)`` truncation lengths in bits with ``2 <= C <= sqrt(R)``, as CipherSweet's planner."""
    if population < MIN_POPULATION:
        raise PlanningError(f"a population of {population} is too small to plan a blind index (at least {MIN_POPULATION})")
    others = list(other_bits)
    admissible = [
        bits
        for bits in range(1, MAX_BITS + 1)
        if 2 <= expected_coincidences(population, bits, domain_bits=domain_bits, other_bits=others) <= math.sqrt(population)
    ]
    if not admissible:
        raise PlanningError(f"no truncation keeps 2 <= C <= sqrt(R) for R = {population}")
    return min(admissible), max(admissible)


@functools.lru_cache(maxsize=16)
def _longest(population: int) -> int:
    return plan_bits(population)[1]


def bits_for(population: int | None = None) -> int:
    """The truncation new scopes use: the longest admissible for the planned population."""
    return _longest(population or settings.BASTION_BLIND_INDEX_POPULATION)


def normalize_email(text: str) -> str:
    """``"  Alice@Example.COM "`` → ``"alice@example.com"`` (NFKC, trimmed, lower-case)."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def normalize_phone(text: str) -> str:
    """Digits only, extension dropped, ``00`` international prefix read as ``+``.

    ``"+44 20 7946 0123 ext 5"`` → ``"442079460123"``; ``"0044 20 7946 0123"`` → the same;
    ``"020 7946 0123"`` → ``"02079460123"`` (a national number stays national: search with the
    number as it was stored, international or national; no country is guessed).
    """
    main = _PHONE_EXTENSION.sub("", unicodedata.normalize("NFKC", text))
    digits = re.sub(r"\D", "", main)
    return digits[2:] if digits.startswith("00") else digits


def _scope_key(scope: str) -> tuple[bytes, int]:
    key, bits = keyring.service_key(f"blind-index:{scope}", bits=bits_for())
    return key, int(bits or bits_for())


def _index(key: bytes, bits: int, normalized: str) -> int:
    digest = hmac.new(key, normalized.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - bits)


def index_value(scope: str, normalized: str) -> int:
    """The truncated keyed hash of ``normalized`` in ``scope``, as an integer below ``2**bits``."""
    key, bits = _scope_key(scope)
    return _index(key, bits, normalized)


def lookup(scope: str, normalized: str) -> list[uuid.UUID]:
    """Persons with an entry equal to ``normalized``'s index value: candidates, false positives included."""
    if not normalized:
        return []
    value = index_value(scope, normalized)
    rows = BlindIndexEntry.objects.using(KEYSTORE_ALIAS).filter(scope=scope, value=value)
    return list(rows.values_list("person", flat=True).distinct())


def set_entries(scope: str, person: uuid.UUID, normalized_values: Iterable[str]) -> None:
    """Make ``person``'s entries in ``scope`` those of ``normalized_values``.

    New entries are committed at once (before the data they index, so a search never misses a
    committed value); entries no longer wanted are deleted when the caller's transaction on the
    main database commits (until then they only add a false positive, which searches drop).
    """
    wanted = {index_value(scope, value) for value in normalized_values if value}
    store = BlindIndexEntry.objects.using(KEYSTORE_ALIAS)
    have = set(store.filter(scope=scope, person=person).values_list("value", flat=True))
    if wanted - have:
        with transaction.atomic(using=KEYSTORE_ALIAS):
            store.bulk_create(
                [BlindIndexEntry(scope=scope, value=value, person=person) for value in wanted - have], ignore_conflicts=True
            )
    stale = have - wanted
    if stale:
        transaction.on_commit(lambda: store.filter(scope=scope, person=person, value__in=stale).delete())


def bulk_add(scope: str, pairs: Iterable[tuple[uuid.UUID, str]], *, batch_size: int = 2000) -> int:
    """Add entries for many ``(person, normalized value)`` pairs at once (bulk loads); returns the count."""
    key, bits = _scope_key(scope)
    rows = [(scope, _index(key, bits, value), person) for person, value in pairs if value]
    insert_ignoring_conflicts(BlindIndexEntry, ["scope", "value", "person"], rows, batch_size=batch_size)
    return len(rows)


def forget_person(person: uuid.UUID, scope: str | None = None) -> None:
    """Delete ``person``'s entries (in ``scope``, or all) once the main transaction commits."""
    queryset = BlindIndexEntry.objects.using(KEYSTORE_ALIAS).filter(person=person)
    if scope is not None:
        queryset = queryset.filter(scope=scope)
    transaction.on_commit(queryset.delete)
