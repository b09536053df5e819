"""Input cleaning for the directory actions: one function per kind of value, errors per field.

Each function returns the cleaned value or records a message (naming what is wrong, in the
user's language) in an :class:`Errors` collector, so one failed save reports every problem
at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator, validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bastion.directory.names import search_key
from bastion.kernel import cardnumbers

MAX_TAGS = 20
MAX_TAG_LENGTH = 50
MAX_EMAILS = 10
MAX_PHONES = 10
MAX_NOTES_LENGTH = 20_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SINGLE_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_TAG_SEPARATORS = re.compile(r"[,，、;；\n]")
_PHONE = re.compile(r"\+?[\d\s().\-/]+?(?:\s*(?:ext\.?|x|#|转|分机)\s*\d{1,6})?", re.IGNORECASE)
_PHONE_EXTENSION = re.compile(r"(?:ext\.?|x|#|转|分机)\s*\d{1,6}$", re.IGNORECASE)
_validate_domain = DomainNameValidator(accept_idna=True)


class Errors:
    """Collects messages per field; :meth:`raise_if_any` raises one ``ValidationError`` for all."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError({field: list(messages) for field, messages in self.by_field.items()})


def single_line(value: Any, field: str, max_length: int, errors: Errors, *, label: str) -> str:
    """A one-line text value: stripped, control characters removed, inner runs of spaces collapsed."""
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(field, _("%(label)s must be text.") % {"label": label})
        return ""
    text = re.sub(r"\s+", " ", _SINGLE_LINE_CONTROL.sub(" ", value)).strip()
    if len(text) > max_length:
        errors.add(
            field,
            _("%(label)s can be at most %(max)d characters (it has %(length)d).")
            % {"label": label, "max": max_length, "length": len(text)},
        )
    refuse_card_number(text, field, errors, label)
    return text


def refuse_card_number(text: str, field: str, errors: Errors, label: str) -> None:
    """Record an error on ``field`` if ``text`` holds a payment card number (L3: none is ever stored)."""
    card = cardnumbers.first_in(text)
    if card is not None:
        errors.add(field, cardnumbers.refusal(label, card))


def single_line_lazy(value: Any, field: str, max_length: int, errors: Errors, label: Callable[[], str]) -> str:
    """:func:`single_line` with the label made only when a message needs it (``label()``, in the active language).

    Bulk imports clean several values per row, and translating each label was a visible part of
    their cost; the result and any message are exactly those of :func:`single_line`.
    """
    if isinstance(value, str):
        text = re.sub(r"\s+", " ", _SINGLE_LINE_CONTROL.sub(" ", value)).strip()
        if len(text) <= max_length and cardnumbers.first_in(text) is None:
            return text
    return single_line(value, field, max_length, errors, label="" if value is None else label())


def multi_line(value: Any, field: str, errors: Errors, *, label: str, max_length: int = MAX_NOTES_LENGTH) -> str:
    """Free text such as notes: keeps line breaks and tabs, drops other control characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(field, _("%(label)s must be text.") % {"label": label})
        return ""
    text = _CONTROL.sub("", value.replace("\r\n", "\n")).strip()
    if len(text) > max_length:
        errors.add(field, _("%(label)s can be at most %(max)d characters.") % {"label": label, "max": max_length})
    refuse_card_number(text, field, errors, label)
    return text


def choice(value: Any, field: str, choices: Iterable[tuple[str, Any]], errors: Errors, *, label: str) -> str:
    allowed = {str(key) for key, _label in choices}
    text = "" if value is None else str(value).strip()
    if text and text not in allowed:
        errors.add(
            field,
            _("“%(value)s” is not a valid %(label)s. Choose one of: %(allowed)s.")
            % {"value": text[:50], "label": label, "allowed": ", ".join(sorted(allowed))},
        )
        return ""
    return text


def domain(value: Any, errors: Errors) -> str:
    """``"https://www.Example.com/about"`` → ``"example.com"``; refuses what is not a host name."""
    text = single_line(value, "domain", 253, errors, label=_("Web domain")).lower()
    if not text:
        return ""
    if "@" in text:
        errors.add("domain", _("Enter a web domain such as example.com, not an email address."))
        return ""
    host = (urlsplit(text).hostname or "") if "://" in text else text.split("/")[0].split(":")[0]
    host = host.rstrip(".").removeprefix("www.")
    try:
        _validate_domain(host)
    except ValidationError:
        errors.add("domain", _("Enter a web domain such as example.com."))
        return ""
    return host


def tags(value: Any, errors: Errors, field: str = "tags") -> list[str]:
    """A list of tag names or a comma-separated string (commas, 、 and ； all separate); errors go on ``field``."""
    if value is None:
        return []
    parts: Iterable[Any] = _TAG_SEPARATORS.split(value) if isinstance(value, str) else value
    if not isinstance(parts, list | tuple):
        errors.add(field, _("Tags must be a list of names."))
        return []
    names: dict[str, str] = {}
    for part in parts:
        if not isinstance(part, str):
            errors.add(field, _("Each tag must be text."))
            continue
        name = re.sub(r"\s+", " ", _SINGLE_LINE_CONTROL.sub(" ", part)).strip()
        if not name:
            continue
        card = cardnumbers.first_in(name)
        if card is not None:
            errors.add(field, cardnumbers.refusal(_("A tag"), card))
            continue
        if len(name) > MAX_TAG_LENGTH:
            errors.add(
                field, _("A tag can be at most %(max)d characters: “%(tag)s…”.") % {"max": MAX_TAG_LENGTH, "tag": name[:20]}
            )
            continue
        names.setdefault(search_key(name), name)
    if len(names) > MAX_TAGS:
        errors.add(field, _("A record can have at most %(max)d tags.") % {"max": MAX_TAGS})
    return list(names.values())


def _rows(value: Any, field: str, key: str, limit: int, errors: Errors, *, noun: str) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        errors.add(field, _("%(noun)s must be a list.") % {"noun": noun})
        return []
    rows = [{key: row} if isinstance(row, str) else row for row in value]
    if any(not isinstance(row, Mapping) for row in rows):
        errors.add(field, _("Each entry of %(noun)s must be an object.") % {"noun": noun})
        return []
    rows = [row for row in rows if str(row.get(key) or "").strip()]
    if len(rows) > limit:
        errors.add(field, _("A contact can have at most %(max)d %(noun)s.") % {"max": limit, "noun": noun})
    return rows


def duplicate_email(number: int, address: str) -> str:
    return _("Email %(n)d: %(value)s is listed twice.") % {"n": number, "value": address}


def several_primaries(noun: str) -> str:
    return _("Mark only one of the %(noun)s as primary.") % {"noun": noun}


def _primary(rows: list[dict[str, Any]], field: str, errors: Errors, *, noun: str) -> None:
    flagged = [row for row in rows if row["is_primary"]]
    if len(flagged) > 1:
        errors.add(field, several_primaries(noun))
    elif rows and not flagged:
        rows[0]["is_primary"] = True


class _Noun:
    """A translated noun made on first use (``str(noun)``): most calls never need it in a message."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.text: str | None = None

    def __str__(self) -> str:
        if self.text is None:
            self.text = _(self.message)
        return self.text


def _label_choice(
    value: Any, field: str, allowed: frozenset[str], choices: list[tuple[str, Any]], errors: Errors, label: str
) -> str:
    """:func:`choice` of an email or phone label (``label`` translated only for a message), or "work" when empty."""
    text = str(value).strip()
    if text in allowed:
        return text or "work"
    return choice(value, field, choices, errors, label=_(label)) or "work"


def _email_label(number: int) -> str:
    return _("Email %(n)d") % {"n": number}


def _phone_label(number: int) -> str:
    return _("Phone %(n)d") % {"n": number}


def emails(value: Any, choices: Iterable[tuple[str, Any]], errors: Errors) -> list[dict[str, Any]]:
    """Rows of ``{"address", "label", "is_primary"}``; the first is primary when none is marked."""
    noun: Any = _Noun(gettext_noop("email addresses"))
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    choices = list(choices)
    allowed = frozenset(str(key) for key, _label in choices)
    for number, row in enumerate(_rows(value, "emails", "address", MAX_EMAILS, errors, noun=noun), start=1):
        address = single_line_lazy(row.get("address"), "emails", 254, errors, functools.partial(_email_label, number))
        try:
            validate_email(address)
        except ValidationError:
            errors.add(
                "emails", _("Email %(n)d: “%(value)s” is not a valid email address.") % {"n": number, "value": address[:80]}
            )
            continue
        if address.lower() in seen:
            errors.add("emails", duplicate_email(number, address))
            continue
        seen.add(address.lower())
        label = _label_choice(row.get("label") or "work", "emails", allowed, choices, errors, gettext_noop("email label"))
        cleaned.append({"address": address, "label": label, "is_primary": bool(row.get("is_primary"))})
    _primary(cleaned, "emails", errors, noun=noun)
    return cleaned


def phone_problem(text: str) -> str | None:
    """Why ``text`` is not a phone number, or None: digits, spaces, + ( ) - . / and an extension (ext 12, 转 8)."""
    digits = re.sub(r"\D", "", _PHONE_EXTENSION.sub("", text))
    if _PHONE.fullmatch(text) and 5 <= len(digits) <= 17:
        return None
    return _("“%(value)s” is not a phone number. Use digits, spaces, + ( ) - and an optional extension.") % {"value": text[:40]}


def phones(value: Any, choices: Iterable[tuple[str, Any]], errors: Errors) -> list[dict[str, Any]]:
    """Rows of ``{"number", "label", "is_primary"}``, numbers kept as written (+86 21 6123 4567)."""
    noun: Any = _Noun(gettext_noop("phone numbers"))
    cleaned: list[dict[str, Any]] = []
    choices = list(choices)
    allowed = frozenset(str(key) for key, _label in choices)
    for number, row in enumerate(_rows(value, "phones", "number", MAX_PHONES, errors, noun=noun), start=1):
        text = single_line_lazy(row.get("number"), "phones", 40, errors, functools.partial(_phone_label, number))
        problem = phone_problem(text)
        if problem:
            errors.add("phones", _("Phone %(n)d: %(problem)s") % {"n": number, "problem": problem})
            continue
        label = _label_choice(row.get("label") or "work", "phones", allowed, choices, errors, gettext_noop("phone label"))
        cleaned.append({"number": text, "label": label, "is_primary": bool(row.get("is_primary"))})
    _primary(cleaned, "phones", errors, noun=noun)
    return cleaned


EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


def birth_date(value: Any, errors: Errors) -> dt.date | None:
    """A date of birth (a date or ``YYYY-MM-DD``) from 1900 up to today; empty means none."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        parsed: dt.date | None = value
    else:
        try:
            parsed = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            parsed = None
    if parsed is None:
        errors.add("date_of_birth", _("Enter the date of birth as YYYY-MM-DD."))
        return None
    if not EARLIEST_BIRTH_DATE <= parsed <= timezone.localdate():
        errors.add("date_of_birth", _("The date of birth must be between 1900-01-01 and today."))
        return None
    return parsed
