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

import contextlib
import functools
import hmac
import math
import re
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from bastion.kernel.crypto import keyring
from bastion.kernel.crypto.errors import UnknownKeyError
from bastion.kernel.crypto.models import BlindIndexEntry, ServiceKey
from bastion.kernel.crypto.router import KEYSTORE_ALIAS
from bastion.kernel.crypto.store import ENTRY_COLUMNS, insert_ignoring_conflicts

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


# --- key versions ----------------------------------------------------------------------------
# Version 1 of a scope's key is the service key "blind-index:<scope>" and its entries carry the
# scope itself; version N > 1 is "blind-index:<scope>@vN" with entries in scope "<scope>@vN".
# Normally one version exists. While ``bastion keys rotate-index`` rebuilds the index under a new
# version (reindex.py) both exist: writes maintain both and searches ask both, so a search never
# misses a value, rebuilt yet or not; the rebuild then destroys the old version.

VERSIONS_CACHE_SECONDS = 5.0
_versions: dict[str, tuple[float, tuple[int, ...]]] = {}


@dataclass(frozen=True)
class Source:
    """Where a scope's values come from: an encrypted field of a model, and how to normalise it."""

    model: str  # "app_label.ModelName"
    field: str
    normalize: Callable[[str], str]


_SOURCES: dict[str, Source] = {}


def register_source(scope: str, model: str, field: str, normalize: Callable[[str], str]) -> None:
    """Declare which encrypted field feeds ``scope``, so that its index can be rebuilt under a new key."""
    _SOURCES[scope] = Source(model, field, normalize)


def source(scope: str) -> Source:
    try:
        return _SOURCES[scope]
    except KeyError:
        raise KeyError(f"no source is registered for the blind index {scope!r}") from None


def scopes() -> list[str]:
    return sorted(_SOURCES)


def purpose(scope: str, version: int) -> str:
    return f"blind-index:{scope}" if version == 1 else f"blind-index:{scope}@v{version}"


def entry_scope(scope: str, version: int) -> str:
    return scope if version == 1 else f"{scope}@v{version}"


def versions(scope: str, *, fresh: bool = False) -> tuple[int, ...]:
    """The key versions ``scope`` has, oldest first (cached :data:`VERSIONS_CACHE_SECONDS`); empty before first use."""
    cached = _versions.get(scope)
    if cached is not None and not fresh and cached[0] > time.monotonic():
        return cached[1]
    prefix = purpose(scope, 1)
    found = set()
    for name in ServiceKey.objects.using(KEYSTORE_ALIAS).filter(purpose__startswith=prefix).values_list("purpose", flat=True):
        if name == prefix:
            found.add(1)
        elif name.startswith(prefix + "@v") and name[len(prefix) + 2 :].isdigit():
            found.add(int(name[len(prefix) + 2 :]))
    result = tuple(sorted(found))
    _versions[scope] = (time.monotonic() + VERSIONS_CACHE_SECONDS, result)
    return result


def forget_versions() -> None:
    _versions.clear()


def _scope_keys(scope: str) -> list[tuple[str, bytes, int]]:
    """``(entry scope, key, bits)`` of every live version of ``scope``, newest last; version 1 is made on first use."""
    for fresh in (False, True):
        listed = versions(scope, fresh=fresh)
        if not listed:
            key, bits = keyring.service_key(purpose(scope, 1), bits=bits_for())
            _versions.pop(scope, None)
            return [(scope, key, int(bits or bits_for()))]
        found = []
        for version in listed:
            try:
                key, bits = keyring.service_key(purpose(scope, version), create=False)
            except UnknownKeyError:
                continue  # destroyed by a finished rebuild since this process listed it
            found.append((entry_scope(scope, version), key, int(bits or bits_for())))
        if found:
            return found
    raise UnknownKeyError(f"the blind index {scope} lost every key version")


_KEYED: dict[bytes, hmac.HMAC] = {}  # a scope key -> HMAC-SHA256 keyed with it, nothing hashed yet
_KEYED_MAX = 64  # scopes x live key versions is a handful; more means keys were replaced (rotate-index): start afresh


def _index(key: bytes, bits: int, normalized: str) -> int:
    """HMAC-SHA256(key, normalized) truncated to ``bits``: a copy of the HMAC keyed once per key, then the value hashed.

    The copy carries the key's two padded blocks already hashed, so each value costs the hashing
    of the value alone (about 40 % less than ``hmac.digest`` with the key each time).
    """
    keyed = _KEYED.get(key)
    if keyed is None:
        if len(_KEYED) >= _KEYED_MAX:
            _KEYED.clear()
        keyed = _KEYED[key] = hmac.new(key, digestmod="sha256")
    mac = keyed.copy()
    mac.update(normalized.encode())
    return int.from_bytes(mac.digest()[:8], "big") >> (64 - bits)


def index_value(scope: str, normalized: str) -> int:
    """The truncated keyed hash of ``normalized`` in ``scope`` under its newest key, an integer below ``2**bits``."""
    _entry, key, bits = _scope_keys(scope)[-1]
    return _index(key, bits, normalized)


def lookup(scope: str, normalized: str) -> list[uuid.UUID]:
    """Persons with an entry equal to ``normalized``'s index value: candidates, false positives included.

    During a rebuild every key version is asked (one query): a value is found whether or not
    the rebuild has reached it.
    """
    if not normalized:
        return []
    wanted = Q()
    for entry, key, bits in _scope_keys(scope):
        wanted |= Q(scope=entry, value=_index(key, bits, normalized))
    rows = BlindIndexEntry.objects.using(KEYSTORE_ALIAS).filter(wanted)
    return list(rows.values_list("person", flat=True).distinct())


def lookup_many(scope: str, normalized_values: Iterable[str], *, chunk: int = 500) -> dict[str, set[uuid.UUID]]:
    """:func:`lookup` for many values at once (one key-store query per ``chunk`` values and key version).

    Returns the candidate persons of each non-empty value (false positives included, as ``lookup``).
    """
    wanted = sorted({value for value in normalized_values if value})
    found: dict[str, set[uuid.UUID]] = {value: set() for value in wanted}
    store = BlindIndexEntry.objects.using(KEYSTORE_ALIAS)
    for entry, key, bits in _scope_keys(scope):
        by_index: dict[int, list[str]] = {}
        for value in wanted:
            by_index.setdefault(_index(key, bits, value), []).append(value)
        indexes = list(by_index)
        for start in range(0, len(indexes), chunk):
            rows = store.filter(scope=entry, value__in=indexes[start : start + chunk]).values_list("value", "person")
            for index, person in rows:
                for value in by_index[index]:
                    found[value].add(person)
    return found


def set_entries(scope: str, person: uuid.UUID, normalized_values: Iterable[str]) -> None:
    """Make ``person``'s entries in ``scope`` (under every live key version) those of ``normalized_values``.

    New entries are committed at once (before the data they index, so a search never misses a
    committed value); entries no longer wanted are deleted when the caller's transaction on the
    main database commits (until then they only add a false positive, which searches drop).
    """
    values = [value for value in normalized_values if value]
    store = BlindIndexEntry.objects.using(KEYSTORE_ALIAS)
    for entry, key, bits in _scope_keys(scope):
        wanted = {_index(key, bits, value) for value in values}
        have = set(store.filter(scope=entry, person=person).values_list("value", flat=True))
        if wanted - have:
            with transaction.atomic(using=KEYSTORE_ALIAS):
                store.bulk_create(
                    [BlindIndexEntry(scope=entry, value=value, person=person) for value in wanted - have], ignore_conflicts=True
                )
        stale = have - wanted
        if stale:
            transaction.on_commit(functools.partial(_delete, entry, person, stale))


def enrol(person: uuid.UUID, values: Mapping[str, Iterable[str]]) -> None:
    """Make a new person's first data key and their entries (``scope -> normalised values``), committed before this returns."""
    with enrolling(person, values):
        pass


@contextlib.contextmanager
def enrolling(person: uuid.UUID, values: Mapping[str, Iterable[str]]) -> Iterator[None]:
    """:func:`enrol` while the body writes the new person's record: committed, or its error raised, as the body ends.

    For a record being created, whose id was just drawn at random: there is no key, entry or
    tombstone to look for, so nothing is read first (``set_entries`` and ``keyring.key_for_write``
    each would). The key and entries go to the key store in one statement, written while the
    body writes the record (``keyring.making_first_keys``) and committed before the record's
    transaction can commit: a search never misses a saved address.
    """
    entries = [row for scope, wanted in values.items() for row in entries_of(scope, [(person, value) for value in wanted])]
    with keyring.making_first_keys([person], entries):
        yield


def _delete(entry: str, person: uuid.UUID, values: set[int]) -> None:
    BlindIndexEntry.objects.using(KEYSTORE_ALIAS).filter(scope=entry, person=person, value__in=values).delete()


def entries_of(scope: str, pairs: Iterable[tuple[uuid.UUID, str]]) -> list[tuple[str, int, uuid.UUID]]:
    """The entries ``(entry scope, value, person)`` of ``(person, normalized value)`` pairs under every live key of ``scope``."""
    pairs = [(person, value) for person, value in pairs if value]
    return [(entry, _index(key, bits, value), person) for entry, key, bits in _scope_keys(scope) for person, value in pairs]


def bulk_add(scope: str, pairs: Iterable[tuple[uuid.UUID, str]], *, batch_size: int = 2000) -> int:
    """Add entries for many ``(person, normalized value)`` pairs at once (bulk loads, rebuilds); returns the count."""
    pairs = [(person, value) for person, value in pairs if value]
    insert_ignoring_conflicts(BlindIndexEntry, ENTRY_COLUMNS, entries_of(scope, pairs), batch_size=batch_size)
    return len(pairs)


def forget_person(person: uuid.UUID, scope: str | None = None) -> None:
    """Delete ``person``'s entries (in ``scope`` under every key version, or all) once the main transaction commits."""
    queryset = BlindIndexEntry.objects.using(KEYSTORE_ALIAS).filter(person=person)
    if scope is not None:
        queryset = queryset.filter(Q(scope=scope) | Q(scope__startswith=f"{scope}@v"))
    transaction.on_commit(queryset.delete)
