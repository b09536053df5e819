"""A browser named as a person names it ("Chrome 131 on Windows"), from its User-Agent header,
for pages that list sessions; the full header stays available (a tooltip) for whoever needs it."""

from __future__ import annotations

import re

from django import template
from django.utils.translation import gettext as _

register = template.Library()

# First match wins: Edge and Opera carry "Chrome" too, Chrome carries "Safari", so they come first.
BROWSERS = [
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"\bOPR/(\d+)")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"\b(?:Chrome|CriOS|HeadlessChrome)/(\d+)")),
    ("Safari", re.compile(r"\bVersion/(\d+)(?:\.\d+)*(?: Mobile/\S+)? Safari/")),
]
SYSTEMS = [
    ("iPhone", re.compile(r"\biPhone\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMac OS X\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Linux", re.compile(r"\bLinux\b")),
]


@register.filter
def browser_name(user_agent: str | None) -> str:
    """ "Chrome 131 on Windows"; "Firefox on Linux" without a version; the header itself (cut to 60
    characters) when no known browser is in it; "Unknown browser" when there is none."""
    text = (user_agent or "").strip()
    if not text:
        return _("Unknown browser")
    browser = next(((name, match.group(1)) for name, pattern in BROWSERS if (match := pattern.search(text))), None)
    system = next((name for name, pattern in SYSTEMS if pattern.search(text)), None)
    if browser is None:
        return text if len(text) <= 60 else text[:59] + "…"
    name = f"{browser[0]} {browser[1]}"
    return _("%(browser)s on %(system)s") % {"browser": name, "system": system} if system else name
