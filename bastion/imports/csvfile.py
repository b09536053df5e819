"""Reading an uploaded CSV file: size and row limits, encoding detection, delimiter, header and rows.

Encodings: UTF-8 (with or without a byte order mark) and GBK, which is what Excel on a Chinese
Windows writes by default. Detection: a UTF-8 byte order mark means UTF-8 with BOM; bytes that
decode as UTF-8 are UTF-8; otherwise bytes that decode as GBK are GBK. The user can override the
guess on the mapping page. Nothing here touches the database.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

MAX_COLUMNS = 100
MAX_CELL = 20_000
DELIMITERS = (",", ";", "\t", "|")


class CsvProblem(ValueError):
    """The file cannot be imported at all; the message says why, in the user's language."""


@dataclass(frozen=True)
class Row:
    """One data row: its index among the data rows, the line it starts on in the file, and its cells."""

    index: int
    line: int
    cells: list[str]


@dataclass(frozen=True)
class Parsed:
    headers: list[str]
    rows: list[Row]


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 20 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", 100_000))


def check_size(size: int) -> None:
    if size == 0:
        raise CsvProblem(_("The file is empty."))
    if size > max_bytes():
        raise CsvProblem(
            _("The file is %(size)s MB; the largest file you can import is %(max)s MB. Split it into smaller files.")
            % {"size": f"{size / 1048576:.1f}", "max": f"{max_bytes() / 1048576:.0f}"}
        )


def detect_encoding(data: bytes) -> str:
    """``utf-8-sig``, ``utf-8`` or ``gbk``; CsvProblem if the bytes are none of them."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "gbk"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise CsvProblem(_("The file is neither UTF-8 nor GBK text. Save it from your spreadsheet as “CSV UTF-8”."))


def decode(data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise CsvProblem(
            _("The file cannot be read as %(encoding)s (byte %(position)d is not valid). Choose another encoding.")
            % {"encoding": encoding.upper(), "position": exc.start + 1}
        ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise CsvProblem(_("The file contains NUL characters: it is not a CSV text file."))
    return text


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the first line into the most columns (comma when none does)."""
    first = text.split("\n", 1)[0]
    counts = {delimiter: first.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _reader(text: str, delimiter: str) -> csv.Reader:  # type: ignore[name-defined]
    csv.field_size_limit(MAX_CELL)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)


def parse(text: str, delimiter: str) -> Parsed:
    """Header and data rows; blank lines are skipped; CsvProblem for a file that breaks a limit."""
    reader = _reader(text, delimiter)
    rows: list[Row] = []
    headers: list[str] | None = None
    limit = max_rows()
    try:
        line = reader.line_num + 1
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                line = reader.line_num + 1
                continue
            if headers is None:
                headers = [cell.strip() for cell in cells]
                if len(headers) > MAX_COLUMNS:
                    raise CsvProblem(
                        _("The file has %(count)d columns; at most %(max)d can be imported.")
                        % {"count": len(headers), "max": MAX_COLUMNS}
                    )
            else:
                if len(rows) >= limit:
                    raise CsvProblem(
                        _("The file has more than %(max)s data rows. Split it into files of at most %(max)s rows.")
                        % {"max": f"{limit:,}"}
                    )
                rows.append(Row(len(rows), line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise CsvProblem(_("Line %(line)d is not valid CSV: %(error)s") % {"line": reader.line_num, "error": exc}) from None
    if headers is None:
        raise CsvProblem(_("The file has no header row."))
    if not rows:
        raise CsvProblem(_("The file has a header row but no data rows."))
    return Parsed(headers, rows)


def header_labels(headers: list[str]) -> list[str]:
    """Headers for display: an empty header becomes "Column 3"."""
    return [header or _("Column %(n)d") % {"n": number} for number, header in enumerate(headers, start=1)]
