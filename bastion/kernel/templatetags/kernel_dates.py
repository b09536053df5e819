"""``{{ value|day }}``, ``{{ value|when }}`` and ``{{ value|clock }}``: dates and times in a ``<time>`` element.

Every date the web interface shows is written one way, in both languages (bastion/formats/dates.py):

- ``{{ deal.expected_close_date|day }}`` -> ``<time datetime="2026-12-01">2026-12-01</time>``
- ``{{ record.updated_at|when }}`` -> ``<time datetime="2026-12-01T10:00:00Z"
  title="2026-12-01 10:00:00 UTC">2026-12-01 10:00</time>``
- ``{{ record.updated_at|day }}``: the date of a moment, in a table where the day is enough; the
  full moment stays in ``datetime`` and ``title``.
- ``{{ meeting.ends_at|clock:meeting.starts_at }}`` -> ``<time ...>11:00</time>`` (the whole moment
  if it is not on the start's day).

Moments are shown in the current time zone (``settings.TIME_ZONE``, the organisation's, unless a
middleware activates another); ``datetime`` holds the moment in UTC, so it never depends on it.
``|when:"seconds"`` adds the seconds (the audit trail). Anything that is not a date (``None``, a
masked value such as ``••••``) comes out as the ``date`` filter would leave it: empty for nothing,
escaped text otherwise, so ``|default:"—"`` still works after these filters.

Where markup cannot go (an attribute), ``|date:"DATE_FORMAT"`` and ``|date:"DATETIME_FORMAT"``
give the same text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import pgettext

from bastion.formats.dates import PRECISE_DATETIME_FORMAT

register = template.Library()


def _local(moment: dt.datetime) -> dt.datetime:
    """``moment`` in the current time zone (a naive value is taken to be in it already)."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment)


def _moment_element(moment: dt.datetime, text_format: str) -> SafeString:
    """``<time>`` with the moment in UTC, a tooltip with its seconds and time zone, and ``text_format``'s text."""
    local = _local(moment)
    in_utc = local.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    precise = f"{date_format(local, PRECISE_DATETIME_FORMAT)} {timezone.get_current_timezone_name()}"
    return format_html('<time datetime="{}" title="{}">{}</time>', in_utc, precise, date_format(local, text_format))


def _not_a_date(value: Any) -> Any:
    return "" if value in (None, "") else value


@register.filter(is_safe=False)
def day(value: Any) -> Any:
    """A date: ``2026-12-01``. A moment is shown as its date in the current time zone."""
    if isinstance(value, dt.datetime):
        return _moment_element(value, formats.get_format("DATE_FORMAT"))
    if isinstance(value, dt.date):
        text = date_format(value, formats.get_format("DATE_FORMAT"))
        return format_html('<time datetime="{}">{}</time>', value.isoformat(), text)
    return _not_a_date(value)


@register.filter(is_safe=False)
def when(value: Any, precision: str = "") -> Any:
    """A moment: ``2026-12-01 10:00`` (``|when:"seconds"``: ``2026-12-01 10:00:00``). A date is shown as ``|day``."""
    if isinstance(value, dt.datetime):
        text_format = PRECISE_DATETIME_FORMAT if precision == "seconds" else formats.get_format("DATETIME_FORMAT")
        return _moment_element(value, text_format)
    return day(value)


@register.filter(is_safe=False)
def clock(value: Any, start: Any = None) -> Any:
    """The time of a moment, ``11:00``: the end of a meeting, after its start.

    ``{{ meeting.ends_at|clock:meeting.starts_at }}`` writes the whole moment when the two fall on
    different days in the current time zone.
    """
    if not isinstance(value, dt.datetime):
        return _not_a_date(value)
    if isinstance(start, dt.datetime) and _local(start).date() != _local(value).date():
        return when(value)
    return _moment_element(value, formats.get_format("TIME_FORMAT"))


@register.filter(is_safe=False)
def due(value: Any, done: Any = False) -> Any:
    """A date (``|day``) or moment (``|when``) something is due by, marked overdue when it is before today and not ``done``.

    ``{{ deal.expected_close_date|due:deal.stage.is_closed }}`` -> ``<span class="overdue"><time ...>2026-11-26</time>
    · overdue</span>``: the word is written, not only a colour, so it is read out and seen by everyone.
    A moment is due on its day in the current time zone.
    """
    shown = when(value)
    if done or not isinstance(value, dt.date):
        return shown
    due_on = _local(value).date() if isinstance(value, dt.datetime) else value
    if due_on >= timezone.localdate():
        return shown
    return format_html('<span class="overdue">{} · {}</span>', shown, pgettext("due date", "overdue"))
