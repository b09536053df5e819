"""Record ids are UUIDv7: time-ordered, 74 random bits each, and every UUID primary key draws them."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from bastion.kernel.ids import new_id

RANDOM_BITS = [bit for bit in range(80) if bit not in (62, 63, 76, 77, 78, 79)]


def test_an_id_is_a_version_7_uuid_of_the_rfc_variant() -> None:
    for _ in range(1000):
        value = new_id()
        assert value.version == 7
        assert value.variant == uuid.RFC_4122


def test_an_id_starts_with_the_millisecond_it_was_drawn() -> None:
    before = time.time_ns() // 1_000_000
    value = new_id()
    after = time.time_ns() // 1_000_000
    assert before <= value.int >> 80 <= after


def test_ids_of_a_later_millisecond_sort_after_earlier_ones() -> None:
    earlier = [new_id() for _ in range(50)]
    last_millisecond, deadline = max(earlier).int >> 80, time.monotonic() + 5
    while time.time_ns() // 1_000_000 <= last_millisecond:  # until the clock is past the earlier ids' last millisecond
        assert time.monotonic() < deadline, "the wall clock did not move on"
    later = [new_id() for _ in range(50)]
    assert max(earlier) < min(later)
    assert max(str(value) for value in earlier) < min(str(value) for value in later)  # as stored in text, too


def test_every_one_of_the_74_random_bits_varies_and_no_two_ids_repeat() -> None:
    values = [new_id().int for _ in range(20_000)]
    assert len(set(values)) == len(values)
    for bit in RANDOM_BITS:
        ones = sum(value >> bit & 1 for value in values)
        assert 9_000 < ones < 11_000, f"bit {bit} is set in {ones} of 20,000 ids"
    assert len(RANDOM_BITS) == 74


def _counter_bits(value: int) -> int:
    """The 42 bits after the version where RFC 9562's counter method keeps its counter (rand_a, top of rand_b)."""
    return ((value >> 64) & 0xFFF) << 30 | (value >> 32) & ((1 << 30) - 1)


def counted_pairs(draw: Any, count: int = 5000) -> tuple[int, int]:
    """Of consecutive ids drawn in one millisecond: how many pairs, and how many whose counter bits step by 0 or 1."""
    values = [draw().int for _ in range(count)]
    same = [(a, b) for a, b in zip(values, values[1:], strict=False) if a >> 80 == b >> 80]
    return len(same), sum(1 for a, b in same if 0 <= _counter_bits(b) - _counter_bits(a) <= 1)


def test_ids_drawn_in_one_millisecond_share_no_counter() -> None:
    """No counter (RFC 9562 section 6.2, method 1 not used): the next id is not the last one's counter plus one."""
    pairs, counted = counted_pairs(new_id)
    assert pairs > 100
    assert counted == 0


def test_the_counter_check_catches_a_generator_that_counts() -> None:
    state = {"counter": 0, "ms": 0}

    def counting() -> uuid.UUID:  # method 1: a 42-bit counter, then 32 random bits
        ms = time.time_ns() // 1_000_000
        state["counter"] = state["counter"] + 1 if ms == state["ms"] else 0
        state["ms"] = ms
        counter, random_bits = state["counter"], int.from_bytes(os.urandom(4), "big")
        return uuid.UUID(
            int=ms << 80 | 0x7 << 76 | (counter >> 30) << 64 | 0b10 << 62 | (counter & ((1 << 30) - 1)) << 32 | random_bits
        )

    pairs, counted = counted_pairs(counting)
    assert pairs > 100
    assert counted == pairs


def test_every_uuid_primary_key_defaults_to_a_new_time_ordered_id() -> None:
    keys = [model._meta.pk for model in apps.get_models() if isinstance(model._meta.pk, models.UUIDField)]
    assert len(keys) >= 20
    assert [key for key in keys if key.default is not new_id] == []


@pytest.mark.django_db
def test_a_contact_made_by_the_action_and_its_key_and_rows_get_time_ordered_ids(personas: Any) -> None:
    from bastion.directory import actions
    from bastion.kernel.crypto.models import PersonKey
    from bastion.kernel.crypto.router import KEYSTORE_ALIAS

    before = time.time_ns() // 1_000_000
    data = {"given_name": "Ada", "family_name": "Lovelace", "emails": [{"address": "ada@example.org"}]}
    first, second = (actions.create_contact(personas.rep_east, data | {"given_name": name}) for name in ("Ada", "Byron"))
    for contact in (first, second):
        assert contact.pk.version == 7
        assert contact.pk.int >> 80 >= before
        assert contact.emails.get().pk.version == 7
        assert PersonKey.objects.using(KEYSTORE_ALIAS).filter(person=contact.pk).exists()
    assert first.pk.int >> 80 <= second.pk.int >> 80
