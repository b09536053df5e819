"""Process CPU time from Linux /proc, which the benchmarks read for processes other than their own."""

from __future__ import annotations

import os


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid``, in clock ticks (usually 10 ms); OSError if gone."""
    fields = _stat_fields(pid)
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14 and 15 of proc(5))


def _stat_fields(pid: int) -> list[str]:
    """The fields of ``/proc/PID/stat`` after the name (field 3 of proc(5) is the first)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().rsplit(")", 1)[1].split()  # the name in parentheses may itself hold ")"


def database_server_cpu_seconds() -> float:
    """CPU seconds used so far by the PostgreSQL server on this host: its live processes and those it reaped.

    Every process named ``postgres`` counts with its own time; the server's main process (the one
    whose parent is not ``postgres``) adds the time of the backends that have ended (``cutime``,
    ``cstime``), read after all the others, so a connection that closed during a run, even during
    this reading, still counts (one that ends mid-reading may count twice: never less than the
    truth, which the "cores needed" figures rely on). 0.0 when no server runs here.
    """
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    servers: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm", encoding="ascii") as comm:
                if comm.read().strip() != "postgres":
                    continue
            servers[int(entry)] = _stat_fields(int(entry))
        except OSError:  # ended while being read
            continue
    total = 0
    mains = []
    for pid, fields in servers.items():
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if int(fields[1]) not in servers:  # the main process: its parent is not a server process
            mains.append(pid)
    # The main process's reaped children last: a backend that ended while the others were read (and
    # so was missed) has been reaped into it by now, so no work is lost between two readings.
    for pid in mains:
        try:
            fields = _stat_fields(pid)
        except OSError:  # the server stopped
            continue
        total += int(fields[13]) + int(fields[14])  # cutime, cstime: its ended children
    return total / ticks
