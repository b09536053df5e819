"""Vendored static files are exactly the released files recorded in static/vendor/README.md."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "bastion" / "static" / "vendor"


def test_vendored_files_match_their_recorded_checksums() -> None:
    table = (VENDOR / "README.md").read_text()
    rows = re.findall(r"^\| (\S+\.js) \|.*\| ([0-9a-f]{64}) \|$", table, flags=re.MULTILINE)
    assert rows, "no vendored files recorded"
    recorded = {name for name, _ in rows}
    present = {p.name for p in VENDOR.glob("*.js")}
    assert recorded == present, "every vendored file must be recorded, and every recorded file present"
    for name, digest in rows:
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
