"""Simplified Chinese: Django's formats, with amounts grouped in thousands (7,344,040.00).

Django's own zh_Hans module has no thousands separator at all (``THOUSAND_SEPARATOR = ""``), so
``floatformat:"2g"`` printed 7344040.00 in Chinese and 7,344,040.00 in English. Amounts in a CRM
are compared across languages and currencies, so both interfaces group them the same way, by
three digits with a comma (as Chinese finance and banking software does).
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403 - every other format stays Django's

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
