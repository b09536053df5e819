"""Simplified Chinese: Django's formats, with amounts grouped in thousands (7,344,040.00) and
dates written as ``2026-12-01 10:00`` as in English (bastion/formats/dates.py).

Django's own zh_Hans module has no thousands separator at all (``THOUSAND_SEPARATOR = ""``), so
``floatformat:"2g"`` printed 7344040.00 in Chinese and 7,344,040.00 in English. Amounts in a CRM
are compared across languages and currencies, so both interfaces group them the same way, by
three digits with a comma (as Chinese finance and banking software does). Dates likewise: one
unambiguous form (``2026-12-01`` rather than ``2026年12月1日`` here and ``Dec. 1, 2026`` there),
which Chinese business software commonly uses too.
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403 - every other format stays Django's

from bastion.formats.dates import (  # noqa: F401 - read by Django's format lookup
    DATE_FORMAT,
    DATETIME_FORMAT,
    SHORT_DATE_FORMAT,
    SHORT_DATETIME_FORMAT,
    TIME_FORMAT,
)

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
