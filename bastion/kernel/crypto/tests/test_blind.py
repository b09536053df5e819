"""Blind-index sizing (CipherSweet's planner rule) and normalisation."""

from __future__ import annotations

import math

import pytest

from bastion.kernel.crypto import blind


@pytest.mark.parametrize("population", [16, 1_000, 100_000, 1_000_000, 50_000_000])
def test_every_planned_length_keeps_coincidences_between_2_and_sqrt_r(population: int) -> None:
    low, high = blind.plan_bits(population)
    for bits in range(low, high + 1):
        assert 2 <= blind.expected_coincidences(population, bits) <= math.sqrt(population)
    assert blind.expected_coincidences(population, high + 1) < 2  # one more bit would single out values
    if low > 1:
        assert blind.expected_coincidences(population, low - 1) > math.sqrt(population)  # one fewer: too many candidates


def test_a_million_people_get_18_bits() -> None:
    assert blind.plan_bits(1_000_000) == (10, 18)
    assert blind.bits_for(1_000_000) == 18  # C = 1e6 / 2^18 ≈ 3.8 candidates per lookup


def test_indexes_on_the_same_field_add_up_and_small_domains_cap_them() -> None:
    alone = blind.plan_bits(1_000_000)
    assert blind.plan_bits(1_000_000, other_bits=[8]) == (alone[0] - 8, alone[1] - 8)
    assert blind.expected_coincidences(1_000_000, 40, domain_bits=10) == 1_000_000 / 2**10


def test_tiny_populations_are_refused() -> None:
    with pytest.raises(blind.PlanningError, match="too small"):
        blind.plan_bits(15)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("+44 20 7946 0123", "442079460123"),
        ("0044 (20) 7946-0123", "442079460123"),
        ("+86 21 6123 4567 转 8", "862161234567"),
        ("+1 415 555 0123 ext. 12", "14155550123"),
        ("020 7946 0123", "02079460123"),
    ],
)
def test_phone_normalisation(raw: str, normalised: str) -> None:
    assert blind.normalize_phone(raw) == normalised


def test_email_normalisation() -> None:
    assert blind.normalize_email("  Alice.Smith@ACME.Example ") == "alice.smith@acme.example"


def test_index_values_are_the_truncated_hmac_of_each_value_under_its_own_key() -> None:
    import hmac
    import os

    keys = [os.urandom(32) for _ in range(3)]
    for key in keys * 2:  # the second time from the keyed copies kept
        for value in ["alice@example.com", "", "王伟@例子.中国", "x" * 500]:
            expected = int.from_bytes(hmac.digest(key, value.encode(), "sha256")[:8], "big")
            assert blind._index(key, 18, value) == expected >> 46
            assert blind._index(key, 63, value) == expected >> 1
    for _ in range(blind._KEYED_MAX + 5):  # many replaced keys: what is kept stays bounded
        blind._index(os.urandom(32), 18, "a")
    assert len(blind._KEYED) <= blind._KEYED_MAX
