"""How fast this machine runs plain Python, printed beside every benchmark's figures.

Machines of the same kind differ: on 2026-11-29 the same commit listed 20 contacts with 11.95 ms of
server CPU in one session and about 24 ms in the next. A figure is comparable with another only
next to this reference, taken on the same machine at the same time.
"""

from __future__ import annotations

import time


def reference_seconds(loops: int = 10_000_000) -> float:
    """CPU seconds for a pure-Python loop of ``loops`` additions (best of three)."""
    best = float("inf")
    for _ in range(3):
        started, total = time.process_time(), 0
        for i in range(loops):
            total += i
        best = min(best, time.process_time() - started)
    return best


def describe() -> str:
    return f"machine reference: a 10,000,000-step Python loop takes {reference_seconds():.2f} CPU s (best of 3)"


if __name__ == "__main__":
    print(describe())
