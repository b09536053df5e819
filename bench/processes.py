"""Process CPU time from Linux /proc, which the benchmarks read for processes other than their own."""

from __future__ import annotations

import os


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid``, in clock ticks (usually 10 ms); OSError if gone."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()  # the name in parentheses may itself hold ")"
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14 and 15 of proc(5))
