"""CSV files for the import tests: good rows, and bad rows whose line and reason are known."""

from __future__ import annotations

import csv
import io

HEADER_EN = ["First name", "Last name", "Email", "Phone", "Company", "City"]
HEADER_ZH = ["名", "姓", "邮箱", "手机", "公司", "城市"]


def contacts_csv(good: int, bad_every: int = 0, *, header: list[str] = HEADER_EN, prefix: str = "p") -> tuple[str, list[int]]:
    """``good`` contact rows, plus a bad one (invalid email) after every ``bad_every`` good ones.

    Returns the text and the file lines of the bad rows (the header is line 1).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    bad_lines: list[int] = []
    line = 1
    for n in range(good):
        phone = f"+44 20 7946 {n % 10000:04d}"
        writer.writerow([f"Given{n}", f"Family{n}", f"{prefix}{n}@import.example", phone, f"Firm {n % 7}", "London"])
        line += 1
        if bad_every and (n + 1) % bad_every == 0:
            writer.writerow([f"Bad{n}", "Row", f"not-an-email-{n}", "", "", ""])
            line += 1
            bad_lines.append(line)
    return out.getvalue(), bad_lines
