"""Card numbers found in text (L3): each scheme in each way people write them, and what is not a card."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.kernel import cardnumbers

# The schemes' published test numbers: they pass the Luhn check and are no one's card.
TEST_CARDS = {
    "4111111111111111": "visa",
    "4012888888881881": "visa",
    "5555555555554444": "mastercard",
    "2223003122003222": "mastercard",
    "378282246310005": "amex",
    "6011111111111117": "discover",
    "3530111333300000": "jcb",
    "6200000000000005": "unionpay",
    "36227206271667": "diners",
}


def _check_digit(body: str) -> str:
    """The digit that makes ``body`` + it pass the Luhn check."""
    return next(str(digit) for digit in range(10) if cardnumbers.luhn_valid(body + str(digit)))


def _resident_id(body17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body17 + "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights, strict=True)) % 11]


@pytest.mark.parametrize(("number", "scheme"), TEST_CARDS.items())
def test_each_schemes_test_number_is_found_with_its_ending(number: str, scheme: str) -> None:
    found = cardnumbers.find(f"Paid by card {number} yesterday")
    assert [(card.scheme, card.ending) for card in found] == [(scheme, number[-4:])]


@pytest.mark.parametrize(
    "written",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111\u00a01111\u00a01111\u00a01111",
        "3782 822463 10005",
        "card:4111111111111111.",
    ],
)
def test_card_numbers_in_groups_or_together_are_found(written: str) -> None:
    card = cardnumbers.first_in(f"note {written} end")
    assert card is not None and card.ending in {"1111", "0005"}


def test_a_card_number_after_other_numbers_in_the_same_run_is_found() -> None:
    text = "Order 12 4111 1111 1111 1111 exp 12/27"
    found = cardnumbers.find(text)
    assert [text[card.start : card.end] for card in found] == ["4111 1111 1111 1111"]


def test_two_card_numbers_in_one_text_are_both_found() -> None:
    found = cardnumbers.find("old 5555 5555 5555 4444, new 4012 8888 8888 1881")
    assert [card.ending for card in found] == ["4444", "1881"]


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1112",  # Luhn check fails
        "9111 1111 1111 1111 5",  # no scheme starts with 9
        "41111111111111110",  # 17 digits: Visa has 16 or 19
        "+86 138 0013 8000",  # a mobile number
        "+49 30 1234 5678 90",  # the longest phone numbers (E.164: 15 digits) are below every card length but Amex's
        "+1 (415) 555-2671 ext 1234",
        "2026-12-03 14:05",
        "DE89 3704 0044 0532 0130 00",  # an IBAN
        "41111111111111111111",  # 20 digits in one number is no card
        "Invoice 2026-000123-4567",
        "",
    ],
)
def test_what_is_not_a_card_number_is_not_taken_for_one(text: str) -> None:
    assert cardnumbers.find(text) == []


def test_a_chinese_resident_identity_number_is_not_taken_for_a_card() -> None:
    # Guangdong (44...) numbers are 18 digits starting with 4, as a 19-digit-capable Visa might; find
    # one that also passes Luhn, as one in ten do, and check that its own check character keeps it out.
    rng = random.Random(7)
    for _ in range(500):
        number = _resident_id(
            f"440301{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        )
        if number[-1] != "X" and cardnumbers.luhn_valid(number):
            break
    assert cardnumbers.is_resident_id(number) and cardnumbers.luhn_valid(number)
    assert cardnumbers.find(f"身份证 {number}") == []


def test_an_18_digit_number_that_is_no_identity_number_is_still_checked_as_a_card() -> None:
    number = "62" + "1234567890123456"[:15]
    number += _check_digit(number)  # UnionPay, 18 digits, Luhn-valid
    assert not cardnumbers.is_resident_id(number)
    assert cardnumbers.first_in(number) is not None


def test_mask_keeps_the_last_four_digits_and_the_spacing() -> None:
    assert cardnumbers.mask("card 4111 1111 1111 1111, thanks") == "card •••• •••• •••• 1111, thanks"
    assert cardnumbers.mask("5555555555554444") == "••••••••••••4444"
    assert cardnumbers.mask("no card here 12345") == "no card here 12345"


def test_masked_reaches_into_lists_and_mappings_and_leaves_numbers_alone() -> None:
    value = {"notes": {"old": "4111111111111111", "new": ""}, "tags": ["x", "5555 5555 5555 4444"], "count": 4111111111111111}
    assert cardnumbers.masked(value) == {
        "notes": {"old": "••••••••••••1111", "new": ""},
        "tags": ["x", "•••• •••• •••• 4444"],
        "count": 4111111111111111,
    }


def test_the_refusal_names_the_field_and_only_the_last_four_digits() -> None:
    card = cardnumbers.first_in("4111 1111 1111 1111")
    assert card is not None
    message = cardnumbers.refusal("Notes", card)
    assert message.startswith("Notes holds what looks like a payment card number (ending 1111).")
    assert "4111 1111" not in message


_SCHEMES = [("4", 16), ("51", 16), ("2720", 16), ("34", 15), ("6011", 19), ("3589", 17), ("62", 19), ("305", 14)]


@given(
    scheme=st.sampled_from(_SCHEMES),
    body=st.text(alphabet="0123456789", min_size=20, max_size=20),
    group=st.integers(min_value=0, max_value=6),
    separator=st.sampled_from([" ", "-"]),
    before=st.text(alphabet="abc ,.:", max_size=10),
    after=st.text(alphabet="abc ,.:", max_size=10),
)
def test_any_valid_number_of_a_scheme_is_found_and_masked_away(
    scheme: tuple[str, int], body: str, group: int, separator: str, before: str, after: str
) -> None:
    prefix, length = scheme
    number = (prefix + body)[: length - 1]
    number += _check_digit(number)
    if cardnumbers.is_resident_id(number):
        return  # an 18-digit identity number is kept apart on purpose
    written = separator.join(number[i : i + group] for i in range(0, len(number), group)) if group else number
    text = f"{before} {written} {after}"
    assert [card.ending for card in cardnumbers.find(text)] == [number[-4:]]
    assert cardnumbers.find(cardnumbers.mask(text)) == []
    assert number[:-4] not in cardnumbers.mask(text).replace(separator, "")


@given(st.text(alphabet="0123456789 +-()", max_size=30))
def test_text_of_at_most_13_digits_never_holds_a_card_number(text: str) -> None:
    if sum(char.isdigit() for char in text) <= 13:
        assert cardnumbers.find(text) == []
