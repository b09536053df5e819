"""The Simplified Chinese catalogue is complete, well-formed and in use.

- every entry of bastion/locale/zh_Hans/LC_MESSAGES/django.po is translated, none is fuzzy, and each
  translation keeps the placeholders and HTML tags of its source string;
- every string marked for translation in the source is in the .po (re-extracted into a copy of the
  tree, so a new string that nobody has run ``make messages`` for is caught);
- the sign-in page really comes out in Chinese when the language cookie asks for it.

Needs GNU gettext (xgettext, msgmerge, msgfmt), as ``make install`` (compilemessages) already does.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

BASTION = Path(__file__).resolve().parents[1] / "bastion"
PO_FILE = BASTION / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# Translations allowed to contain no Chinese character although their source has letters (brand
# names, codes). Keep it short: a string copied untranslated from English is what this catches.
NO_CJK_ALLOWED: set[str] = set()

# %(name)s, %(count)d, %s, %% ... (printf style, as Django uses) and {name} (str.format style).
PRINTF = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
BRACE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
TAG = re.compile(r"</?[A-Za-z][^<>]*>")
CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)


def _add(entry: Entry, target: tuple[str, int], value: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] = entry.msgstr.get(index, "") + value
    elif name in {"msgid", "msgctxt", "msgid_plural"}:
        setattr(entry, name, (getattr(entry, name) or "") + value)
    else:
        raise AssertionError(f"unexpected keyword {name!r} on line {entry.line}")


def parse_po(path: Path) -> tuple[dict[str, str], list[Entry]]:
    """The header fields and the entries of a .po file (obsolete ``#~`` entries are left out)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] = ("msgid", 0)
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:  # a blank line ends an entry
            current = None
            continue
        if line.startswith("#~"):  # obsolete
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#"):
            if line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        keyword, _, rest = ("", "", line) if line.startswith('"') else line.partition(" ")
        if keyword.startswith("msgstr["):
            target = ("msgstr", int(keyword[7:-1]))
        elif keyword:
            target = (keyword, 0)
        _add(current, target, ast.literal_eval(rest))  # a PO string has the same escapes as a Python one
    headers = [entry for entry in entries if entry.msgid == "" and entry.msgctxt is None]
    assert len(headers) == 1, f"{path.name} must have exactly one header entry"
    header: dict[str, str] = {}
    for line in headers[0].msgstr.get(0, "").splitlines():
        name, _, value = line.partition(":")
        header[name.strip()] = value.strip()
    if "fuzzy" in headers[0].flags:
        header["#fuzzy"] = "yes"
    return header, [entry for entry in entries if entry is not headers[0]]


def placeholders(text: str) -> Counter[str]:
    printf = [match for match in PRINTF.findall(text) if match != "%%"]
    return Counter(printf + BRACE.findall(text) + TAG.findall(text))


@pytest.fixture(scope="module")
def catalogue() -> tuple[dict[str, str], list[Entry]]:
    assert PO_FILE.is_file(), f"{PO_FILE} is missing: run `make messages` and translate it"
    return parse_po(PO_FILE)


def test_header_declares_simplified_chinese(catalogue: tuple[dict[str, str], list[Entry]]) -> None:
    header, _entries = catalogue
    assert "#fuzzy" not in header, "remove the fuzzy flag from the header"
    assert header.get("Project-Id-Version", "").startswith("Bastion CRM")
    assert header.get("Language") == "zh_Hans"
    assert header.get("Plural-Forms") == "nplurals=1; plural=0;"
    assert "charset=UTF-8" in header.get("Content-Type", "")


def test_every_entry_is_translated_and_keeps_its_placeholders(catalogue: tuple[dict[str, str], list[Entry]]) -> None:
    _header, entries = catalogue
    assert entries, "the catalogue has no entries"
    problems: list[str] = []
    for entry in entries:
        where = f"line {entry.line} {entry.msgid!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where}: fuzzy (check the translation, then remove the flag)")
        if sorted(entry.msgstr) != [0]:  # Chinese has one plural form (nplurals=1), so msgstr[0] only
            problems.append(f"{where}: has msgstr forms {sorted(entry.msgstr)}, expected [0] only")
        source = entry.msgid_plural if entry.msgid_plural is not None else entry.msgid
        for index, text in sorted(entry.msgstr.items()):
            if not text.strip():
                problems.append(f"{where}: not translated")
                continue
            if placeholders(text) != placeholders(source):
                problems.append(
                    f"{where}: placeholders or tags differ: {sorted(placeholders(source).elements())}"
                    f" in the source, {sorted(placeholders(text).elements())} in msgstr[{index}]"
                )
            words = PRINTF.sub("", BRACE.sub("", TAG.sub("", entry.msgid)))  # " (%(status)s)." has no words to translate
            if re.search(r"[A-Za-z]", words) and not CJK.search(text) and entry.msgid not in NO_CJK_ALLOWED:
                problems.append(f"{where}: the translation {text!r} has no Chinese in it")
    assert not problems, "\n".join(problems)


def test_msgfmt_accepts_the_catalogue(tmp_path: Path) -> None:
    """GNU msgfmt's own checks: header, python-format directives, plural forms."""
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "django.mo"), str(PO_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_every_source_string_is_in_the_catalogue(
    catalogue: tuple[dict[str, str], list[Entry]], tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Extract again, as `make messages` does, but from a copy of the tree into a scratch locale folder."""
    copy = tmp_path / "bastion"
    shutil.copytree(BASTION, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "locale", "vendor", "*.mo", "*.po"))
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["zh_Hans"], ignore_patterns=["static/vendor/*"], verbosity=0)
    _header, extracted = parse_po(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert extracted, "makemessages found no strings: the extraction itself is broken"
    _header, committed = catalogue
    known = {entry.key for entry in committed}
    missing = [entry.key for entry in extracted if entry.key not in known]
    assert not missing, (
        "strings marked for translation are missing from the zh_Hans catalogue; run `make messages` and"
        " translate them:\n" + "\n".join(repr(key) for key in missing)
    )


@pytest.mark.django_db
def test_sign_in_page_is_in_chinese_with_the_language_cookie(tmp_path: Path, settings: Any) -> None:
    # Compile the committed .po (not whatever .mo happens to be lying around) and use only that.
    locale = tmp_path / "locale"
    (locale / "zh_Hans" / "LC_MESSAGES").mkdir(parents=True)
    subprocess.run(["msgfmt", "-o", str(locale / "zh_Hans" / "LC_MESSAGES" / "django.mo"), str(PO_FILE)], check=True)
    settings.LOCALE_PATHS = [locale]
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert re.search(r"<title>\s*登录", body), "the page title is not 登录 (sign in)"
    assert "用户名或邮箱" in body
    assert "账号由管理员创建" in body
    for english in ("Sign in", "Username or email", "Skip to content"):
        assert english not in body, f"{english!r} is still in English on the Chinese sign-in page"


@pytest.mark.django_db
def test_sign_in_page_stays_in_english_without_the_cookie() -> None:
    body = Client().get("/accounts/login/", headers={"accept-language": "en"}).content.decode()
    assert '<html lang="en">' in body
    assert "Sign in" in body and "登录" not in body
