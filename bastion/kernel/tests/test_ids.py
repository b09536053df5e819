"""Record ids are UUIDv7: time-ordered, 74 random bits each, and every UUID primary key draws them."""

from __future__ import annotations

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
    time.sleep(0.003)
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


def test_ids_drawn_in_one_millisecond_share_no_counter() -> None:
    """No counter: the random part of the next id is not the last one's plus one (RFC 9562 6.2, method not used)."""
    values = [new_id().int & ((1 << 62) - 1) for _ in range(2000)]
    steps = {later - earlier for earlier, later in zip(values, values[1:], strict=False)}
    assert len(steps) > 1900


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
