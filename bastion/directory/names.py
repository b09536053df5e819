"""Name handling: display order for Chinese and Western names, and index-friendly search keys.

Search keys are lower-case, accent-free, whitespace-collapsed copies of a name. They are
stored in indexed columns so that a name search is a prefix match on an index
(``key LIKE 'wan%'`` / ``key >= 'wan' AND key < 'wao'``), never a ``LIKE '%wan%'`` scan.
"""

from __future__ import annotations

import re
import unicodedata

# Han ideographs (with extension A, compatibility and the supplementary planes), kana and
# Hangul: names in these scripts are written family name first, without a space.
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002a6df\U0002a700-\U0002ebef]")
_SPACE = re.compile(r"\s+")
_QUERY_PUNCTUATION = re.compile(r"[,，、;；]+")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def search_key(text: str) -> str:
    """``"  José  Müller "`` → ``"jose muller"``: NFKC, case-folded, without accents, spaces collapsed."""
    if text.isascii():  # the usual case (bulk imports make several keys per row): Unicode normalisation leaves ASCII as it is
        return _SPACE.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", stripped)).strip()


def query_key(text: str) -> str:
    """A search box value as a key: like :func:`search_key`, with commas read as spaces ("Smith, Jo")."""
    return search_key(_QUERY_PUNCTUATION.sub(" ", text))


def display_name(given: str, family: str, *, language: str = "") -> str:
    """王伟 for Chinese names (CJK script or zh-hans contact), "Given Family" otherwise."""
    given, family = given.strip(), family.strip()
    if has_cjk(given + family) or language == "zh-hans":
        return f"{family}{given}"
    return f"{given} {family}".strip()


def prefix_successor(prefix: str) -> str | None:
    """The smallest string above every string that starts with ``prefix`` (code-point order),
    or None when there is none (the prefix is all U+10FFFF)."""
    while prefix and ord(prefix[-1]) == 0x10FFFF:
        prefix = prefix[:-1]
    if not prefix:
        return None
    nxt = ord(prefix[-1]) + 1
    if 0xD800 <= nxt <= 0xDFFF:  # skip the surrogate block, which no str holds
        nxt = 0xE000
    return prefix[:-1] + chr(nxt)
