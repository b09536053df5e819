"""English: Django's formats, with dates and times written as ISO-like ``2026-12-01 10:00``
(bastion/formats/dates.py) instead of ``Dec. 1, 2026, 10 a.m.``."""

from django.conf.locale.en.formats import *  # noqa: F403 - every other format stays Django's

from bastion.formats.dates import (  # noqa: F401 - read by Django's format lookup
    DATE_FORMAT,
    DATETIME_FORMAT,
    SHORT_DATE_FORMAT,
    SHORT_DATETIME_FORMAT,
    TIME_FORMAT,
)
