"""Payment card numbers found in text, so that Bastion can refuse them and never store one (L3, PCI DSS).

A CRM is no place for cardholder data: holding a card number brings the whole system into PCI DSS
scope. Staff paste them into notes anyway, so every text value that reaches an action is checked
(:func:`first_in`), the audit trail masks any that slipped past (:func:`masked`), and a scheduled scan
looks for the ones stored before this check existed (``cardnumbers_scan.py``). docs/adr/0071.

What counts as a card number: 14 to 19 digits, written together or in groups split by single
spaces or hyphens, that start like a card of a scheme issued today (the IIN ranges below) with one
of that scheme's lengths, and pass the Luhn check. The ranges and lengths keep phone numbers
(at most 15 digits with the country code, E.164), dates and order numbers out; an 18-digit
Chinese resident identity number (a valid birth date and its own check character) is not taken
for a card. No library on PyPI does this with the Chinese identity numbers kept apart, and the
rules are a page of data, so it is written here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

MASK = "•"
# A run of digit groups joined by single separators (space, no-break space, hyphen), not inside a longer number.
_RUN = re.compile(r"(?<!\d)\d+(?:[ \u00a0-]\d+)*(?!\d)")
_SEPARATOR = re.compile(r"[ \u00a0-]")
# Cheap first look: 14 digits with at most one separator between each; most text has none.
_CANDIDATE = re.compile(r"\d(?:[ \u00a0-]?\d){13}")
MIN_DIGITS, MAX_DIGITS = 14, 19
_ALL_BUT_LAST_FOUR = re.compile(r"\d(?=(?:\D*\d){4})")  # a digit with at least four more after it

# (first digits from, to, lengths, scheme): the IIN ranges of the schemes issued today.
_SCHEMES: tuple[tuple[int, int, frozenset[int], str], ...] = (
    (4, 4, frozenset({16, 19}), "visa"),
    (51, 55, frozenset({16}), "mastercard"),
    (2221, 2720, frozenset({16}), "mastercard"),
    (34, 34, frozenset({15}), "amex"),
    (37, 37, frozenset({15}), "amex"),
    (6011, 6011, frozenset(range(16, 20)), "discover"),
    (644, 649, frozenset(range(16, 20)), "discover"),
    (65, 65, frozenset(range(16, 20)), "discover"),
    (3528, 3589, frozenset(range(16, 20)), "jcb"),
    (62, 62, frozenset(range(16, 20)), "unionpay"),
    (300, 305, frozenset(range(14, 20)), "diners"),
    (36, 36, frozenset(range(14, 20)), "diners"),
    (38, 39, frozenset(range(16, 20)), "diners"),
    (2200, 2204, frozenset(range(16, 20)), "mir"),
    (5018, 5018, frozenset(range(16, 20)), "maestro"),
    (5020, 5020, frozenset(range(16, 20)), "maestro"),
    (5038, 5038, frozenset(range(16, 20)), "maestro"),
    (6304, 6304, frozenset(range(16, 20)), "maestro"),
    (6759, 6759, frozenset(range(16, 20)), "maestro"),
    (6761, 6763, frozenset(range(16, 20)), "maestro"),
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class CardNumber:
    """Where a card number sits in a text, its scheme and its last four digits (all that may be shown)."""

    start: int
    end: int
    scheme: str
    ending: str


def scheme_of(digits: str) -> str | None:
    """The card scheme whose IIN range and lengths ``digits`` fit, or None."""
    for low, high, lengths, scheme in _SCHEMES:
        if len(digits) in lengths and low <= int(digits[: len(str(low))]) <= high:
            return scheme
    return None


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def is_resident_id(digits: str) -> bool:
    """Whether 18 digits are a Chinese resident identity number (GB 11643): a real birth date and the check digit."""
    if len(digits) != 18:
        return False
    try:
        born = dt.date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return False
    if born.year < 1900:
        return False
    check = sum(int(digit) * weight for digit, weight in zip(digits, _ID_WEIGHTS, strict=False)) % 11
    return _ID_CHECK[check] == digits[17]


def _is_card(digits: str) -> str | None:
    scheme = scheme_of(digits)
    if scheme is None or not luhn_valid(digits) or is_resident_id(digits):
        return None
    return scheme


def _groups(run: re.Match[str]) -> list[tuple[int, int]]:
    """The (start, end) in the text of each digit group of ``run``."""
    spans, start = [], run.start()
    for part in _SEPARATOR.split(run.group()):
        spans.append((start, start + len(part)))
        start += len(part) + 1
    return spans


def _cards_in_run(text: str, run: re.Match[str]) -> Iterator[CardNumber]:
    groups = _groups(run)
    first = 0
    while first < len(groups):
        digits, found = "", None
        for last in range(first, len(groups)):
            digits += text[groups[last][0] : groups[last][1]]
            if len(digits) > MAX_DIGITS:
                break
            scheme = _is_card(digits) if len(digits) >= MIN_DIGITS else None
            if scheme:
                found = CardNumber(groups[first][0], groups[last][1], scheme, digits[-4:]), last
        if found:
            yield found[0]
            first = found[1] + 1
        else:
            first += 1


def may_hold(text: str) -> bool:
    """A cheap first look: False when ``text`` cannot hold a card number (fewer than 14 digits in a row)."""
    return _CANDIDATE.search(text) is not None


def find(text: str) -> list[CardNumber]:
    """Every card number in ``text``, in order (the longest reading where two overlap)."""
    if not isinstance(text, str) or not _CANDIDATE.search(text):
        return []
    return [card for run in _RUN.finditer(text) for card in _cards_in_run(text, run)]


def first_in(text: Any) -> CardNumber | None:
    """The first card number in ``text`` (None for no text, or none in it)."""
    found = find(text) if isinstance(text, str) else []
    return found[0] if found else None


def mask(text: str) -> str:
    """``text`` with each card number's digits but the last four replaced by •, its spaces kept."""
    found = find(text)
    if not found:
        return text
    pieces, position = [], 0
    for card in found:
        pieces.append(text[position : card.start])
        pieces.append(_ALL_BUT_LAST_FOUR.sub(MASK, text[card.start : card.end]))
        position = card.end
    pieces.append(text[position:])
    return "".join(pieces)


def masked(value: Any) -> Any:
    """``value`` (text, or lists and mappings of them, as JSON holds) with every card number masked."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [masked(item) for item in value]
    return value


def refusal(label: str, card: CardNumber) -> str:
    """The message that refuses a value holding ``card``: where, which (its last four digits only) and why."""
    return _(
        "%(label)s holds what looks like a payment card number (ending %(ending)s). "
        "Bastion does not store card numbers: remove it, or keep no more than its last four digits."
    ) % {"label": label, "ending": card.ending}
