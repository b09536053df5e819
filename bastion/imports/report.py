"""The rejected-rows report: a CSV file with, for each refused row, its line, the columns at fault,
the reasons, and the row's own cells (so it can be corrected and imported again).

Cells that a spreadsheet would run as a formula (starting with = + - @, tab or carriage return)
are prefixed with an apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from django.utils.translation import gettext as _

from bastion.imports.csvfile import header_labels
from bastion.imports.models import ImportJob, ImportRejection

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA) else value


def rejected_rows_csv(job: ImportJob, rejections: Iterable[ImportRejection]) -> str:
    """The report as text, with a byte order mark so that Excel opens it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Line"), _("Columns"), _("Problem"), *header_labels(job.headers)])
    for rejection in rejections:
        try:
            cells = [str(cell) for cell in json.loads(str(rejection.values))]
        except ValueError:
            cells = []  # erased: the job's key was shredded
        row = [str(rejection.line), rejection.columns, str(rejection.reason), *cells]
        writer.writerow([safe_cell(cell) for cell in row])
    return "\ufeff" + out.getvalue()
