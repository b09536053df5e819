"""Display names, search keys and prefix bounds."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.directory.models import Contact
from bastion.directory.names import display_name, has_cjk, prefix_successor, query_key, search_key


@pytest.mark.parametrize(
    ("given", "family", "language", "expected"),
    [
        ("伟", "王", "en", "王伟"),  # CJK names: family first, no space, whatever the language
        ("Wei", "Wang", "zh-hans", "WangWei"),  # a zh-hans contact written in Latin letters
        ("Alice", "Smith", "en", "Alice Smith"),
        ("", "Smith", "en", "Smith"),
        ("Alice", "", "en", "Alice"),
        ("秀英", "", "en", "秀英"),
        ("민준", "김", "en", "김민준"),
    ],
)
def test_display_name(given: str, family: str, language: str, expected: str) -> None:
    assert display_name(given, family, language=language) == expected
    assert Contact(given_name=given, family_name=family, preferred_language=language).display_name == expected


def test_has_cjk() -> None:
    assert has_cjk("上海星辰科技有限公司")
    assert has_cjk("Acme 中国")
    assert not has_cjk("Zoë O'Brien")


@pytest.mark.parametrize(
    ("text", "key"),
    [("  José   MÜLLER ", "jose muller"), ("王伟", "王伟"), ("ＡＢＣ", "abc"), ("Straße", "strasse"), ("Ångström", "angstrom")],
)
def test_search_key(text: str, key: str) -> None:
    assert search_key(text) == key


def _search_key_by_normalising(text: str) -> str:
    """The search key by the full Unicode path (what ``search_key`` did for every text before its ASCII shortcut)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", stripped)).strip()


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_the_ascii_shortcut_of_search_key_gives_the_same_key_as_unicode_normalisation(text: str) -> None:
    assert search_key(text) == _search_key_by_normalising(text)


def test_query_key_reads_commas_as_spaces() -> None:
    assert query_key("Smith, Alice") == "smith alice"
    assert query_key("王，伟") == "王 伟"


def test_prefix_successor_bounds_exactly_the_prefix() -> None:
    assert prefix_successor("abc") == "abd"
    assert prefix_successor("王") == chr(ord("王") + 1)
    assert prefix_successor("a\U0010ffff") == "b"
    assert prefix_successor("\U0010ffff") is None
    assert prefix_successor("a\ud7ff") == "a\ue000"
    words = ["ab", "abc", "abd", "abc\U0010ffff", "abb", "b"]
    assert [w for w in words if "abc" <= w < "abd"] == [w for w in words if w.startswith("abc")]
