"""Dates read 2026-12-01 and moments 2026-12-01 10:00 in English and in Chinese, in a ``<time>`` element.

One form for every language (bastion/formats/dates.py), written by the filters of
``kernel_dates`` (the element, with the moment in UTC in ``datetime`` and to the second in
``title``) and by Django's named formats (``|date:"DATE_FORMAT"``, a date printed as it is).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, timezone, translation

from bastion.directory import actions as directory
from bastion.kernel.access.masking import MaskedText
from bastion.sales import actions as sales
from bastion.sales import actions_setup
from bastion.sales.models import StageKind

BASTION = Path(__file__).resolve().parents[2]
LANGUAGES = ["en", "zh-hans"]
DAY = dt.date(2026, 12, 1)
MOMENT = dt.datetime(2026, 12, 1, 10, 0, 5, tzinfo=dt.UTC)


def render(source: str, **values: Any) -> str:
    return Template("{% load kernel_dates %}" + source).render(Context(values))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_date(language: str) -> None:
    with translation.override(language):
        assert render("{{ value|day }}", value=DAY) == '<time datetime="2026-12-01">2026-12-01</time>'
        assert render('{{ value|date:"DATE_FORMAT" }}|{{ value|date:"SHORT_DATE_FORMAT" }}|{{ value }}', value=DAY) == (
            "2026-12-01|2026-12-01|2026-12-01"
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_moment(language: str) -> None:
    with translation.override(language):
        assert render("{{ value|when }}", value=MOMENT) == (
            '<time datetime="2026-12-01T10:00:05Z" title="2026-12-01 10:00:05 UTC">2026-12-01 10:00</time>'
        )
        assert render('{{ value|date:"DATETIME_FORMAT" }}|{{ value|date:"SHORT_DATETIME_FORMAT" }}', value=MOMENT) == (
            "2026-12-01 10:00|2026-12-01 10:00"
        )
        # The date of a moment, where the day is enough; the moment stays in the element.
        assert render("{{ value|day }}", value=MOMENT) == (
            '<time datetime="2026-12-01T10:00:05Z" title="2026-12-01 10:00:05 UTC">2026-12-01</time>'
        )
        assert ">2026-12-01 10:00:05</time>" in render('{{ value|when:"seconds" }}', value=MOMENT)


def test_the_formats_are_the_same_in_both_languages() -> None:
    names = ["DATE_FORMAT", "SHORT_DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATETIME_FORMAT", "TIME_FORMAT"]
    for language in LANGUAGES:
        with translation.override(language):
            assert [formats.get_format(name) for name in names] == ["Y-m-d", "Y-m-d", "Y-m-d H:i", "Y-m-d H:i", "H:i"]


def test_moments_are_shown_in_the_current_time_zone_and_kept_in_utc() -> None:
    with timezone.override("Asia/Shanghai"):
        assert render("{{ value|when }}", value=MOMENT) == (
            '<time datetime="2026-12-01T10:00:05Z" title="2026-12-01 18:00:05 Asia/Shanghai">2026-12-01 18:00</time>'
        )
        late = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)  # 01:00 the next day in Shanghai
        assert render("{{ value|day }}", value=late).endswith(">2026-12-02</time>")


def test_the_end_of_a_meeting_is_a_time_unless_on_another_day() -> None:
    start = MOMENT
    same_day = MOMENT + dt.timedelta(hours=1)
    next_day = MOMENT + dt.timedelta(days=1)
    assert render("{{ end|clock:start }}", end=same_day, start=start).endswith(">11:00</time>")
    assert render("{{ end|clock:start }}", end=next_day, start=start).endswith(">2026-12-02 10:00</time>")


def test_a_due_date_before_today_is_marked_overdue_in_words_unless_done() -> None:
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    shown = f'<time datetime="{yesterday.isoformat()}">{yesterday.isoformat()}</time>'
    assert render("{{ value|due }}", value=yesterday) == f'<span class="overdue">{shown} · overdue</span>'
    assert render("{{ value|due:done }}", value=yesterday, done=True) == shown
    assert render("{{ value|due }}", value=today) == f'<time datetime="{today.isoformat()}">{today.isoformat()}</time>'
    with translation.override("zh-hans"):
        assert render("{{ value|due }}", value=yesterday) == f'<span class="overdue">{shown} · 已逾期</span>'


def test_a_due_moment_is_shown_whole_and_overdue_only_from_the_next_day() -> None:
    earlier_today = timezone.localtime().replace(hour=0, minute=0, second=1)
    assert render("{{ value|due }}", value=earlier_today) == render("{{ value|when }}", value=earlier_today)
    last_night = earlier_today - dt.timedelta(seconds=2)
    assert render("{{ value|due }}", value=last_night) == (
        f'<span class="overdue">{render("{{ value|when }}", value=last_night)} · overdue</span>'
    )
    assert render("{{ value|due }}", value=None) == ""


def test_what_is_not_a_date_is_left_as_the_date_filter_would() -> None:
    assert render('{{ value|day|default:"—" }}|{{ value|when|default:"—" }}', value=None) == "—|—"
    assert render("{{ value|day }}", value=MaskedText("****-**-**")) == "****-**-**"
    assert render("{{ value|when }}", value="<b>") == "&lt;b&gt;"


# Named formats that resolve to the forms above, and the month and year labels of the dashboard.
ALLOWED_DATE_ARGUMENTS = {"DATE_FORMAT", "DATETIME_FORMAT", "YEAR_MONTH_FORMAT", "Y", "Y-m"}
DATE_FILTER = re.compile(r"""\|date:["']([^"']*)["']""")
OTHER_WAYS = re.compile(r"\|(?:naturaltime|naturalday|timesince|timeuntil|time)\b")


def test_templates_write_dates_only_through_the_shared_forms() -> None:
    """A template may not invent a date format (``|date:"j M Y"``) nor write "3 hours ago"."""
    problems = []
    for path in sorted(BASTION.glob("**/templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        for argument in DATE_FILTER.findall(text):
            if argument not in ALLOWED_DATE_ARGUMENTS:
                problems.append(f"{path.relative_to(BASTION)}: |date:{argument!r}")
        problems += [f"{path.relative_to(BASTION)}: {found}" for found in OTHER_WAYS.findall(text)]
    assert problems == [], "Use |day, |when or |clock (kernel_dates):\n" + "\n".join(problems)


# --- on a page ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_deal_page_writes_its_dates_the_same_way_in_both_languages(
    language: str, personas: Any, signed_in: Any, settings: Any
) -> None:
    stages = [{"name": "Proposal", "probability": 50, "kind": StageKind.OPEN}]
    actions_setup.create_pipeline(personas.admin, {"name": "New business"}, stages=stages)
    deal = sales.create_deal(
        personas.rep_east,
        {"name": "Aurora fleet", "amount": "1000", "currency": "USD", "expected_close_date": "2031-05-17"},
    )
    client = signed_in(personas.rep_east)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    body = client.get(reverse("sales:deal-detail", args=[deal.pk])).content.decode()
    assert f'<html lang="{language}">' in body
    assert '<dd><time datetime="2031-05-17">2031-05-17</time></dd>' in body
    assert "2031年5月17日" not in body and "May 17, 2031" not in body
    # "Added <moment> by ..." under the record, in the organisation's time zone.
    created = timezone.localtime(deal.created_at)
    stamp = deal.created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f'<time datetime="{stamp}" title="{created:%Y-%m-%d %H:%M:%S} UTC">{created:%Y-%m-%d %H:%M}</time>' in body


@pytest.mark.django_db
def test_a_contact_page_writes_when_it_was_added_in_chinese(personas: Any, signed_in: Any, settings: Any) -> None:
    contact = directory.create_contact(personas.rep_east, {"given_name": "Mei", "family_name": "Chen"})
    client = signed_in(personas.rep_east)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    body = client.get(reverse("directory:contact-detail", args=[contact.pk])).content.decode()
    created = timezone.localtime(contact.created_at)
    assert f">{created:%Y-%m-%d %H:%M}</time>" in body
    assert f"{created.year}年" not in body
