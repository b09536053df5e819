"""The one way dates and times are written in the web interface, in every language.

``2026-12-01`` and ``2026-12-01 10:00`` (24-hour clock) read the same to English and Chinese
readers and cannot be taken for 12 January, unlike ``12/01/2026``. Each language's format module
here sets Django's named formats to these, so ``{{ value|date:"DATE_FORMAT" }}``, a date printed
as it is and the ``<time>`` filters of ``bastion.kernel.templatetags.kernel_dates`` all agree.
Month labels (``YEAR_MONTH_FORMAT``, ``MONTH_DAY_FORMAT``) stay each language's own.
CSV exports, the API, e-mails and iCalendar files write ISO 8601 themselves and do not use these.
"""

DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = DATE_FORMAT
TIME_FORMAT = "H:i"
DATETIME_FORMAT = f"{DATE_FORMAT} {TIME_FORMAT}"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
# With seconds and the time zone: the tooltip of a date-time, and the audit trail's timestamps.
PRECISE_DATETIME_FORMAT = f"{DATE_FORMAT} H:i:s"
