"""Lists of names in running text, joined the way the reader's language joins them: "Sales East,
Sales West" in English, "华东销售、华西销售" in Chinese (the separator is translated, context
"list separator")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, pgettext

register = template.Library()


def separator() -> str:
    return pgettext("list separator", ", ")


@register.filter
def names(items: Iterable[Any] | None) -> SafeString:
    """``items`` (escaped) joined by the language's list separator; empty for none."""
    return mark_safe(conditional_escape(separator()).join(conditional_escape(item) for item in items or ()))  # noqa: S308 - each part escaped


@register.simple_tag
def list_separator() -> str:
    """The separator alone, for a loop that writes each item itself."""
    return separator()


@register.simple_tag
def word_space() -> str:
    """The space between words or sentences put together on a page: none in Chinese, which sets
    phrases and sentences (after 。) side by side, one elsewhere."""
    return "" if (get_language() or "").startswith("zh") else " "
