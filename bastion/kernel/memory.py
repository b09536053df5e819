"""Long-lived objects kept out of the cyclic garbage collector's work: start-up objects in each
server process (:func:`freeze_start_up_objects`), and what a long job keeps alive while it runs
(:func:`long_job`).

CPython's cyclic collector walks every container object it tracks on each full collection. After
start-up that is mostly what lives for the whole process: modules, classes, functions, the
URLconf, the settings. A request's own garbage (Django and DRF make reference cycles per request)
then pays for walking all of it again. :func:`freeze_start_up_objects` loads what a first request
would load (the URLconf, so every view, serializer and form module), collects what is garbage
now, and moves everything left into the permanent generation (``gc.freeze``), which later
collections skip. Measured on the API's contact list: 6–10 % less CPU per request
(docs/benchmarks.md, ADR 0055). Objects frozen are never collected; nothing made before the call
is garbage by then, after ``gc.collect()``.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


def freeze_start_up_objects() -> int:
    """Load the URLconf, collect, then freeze every object alive (the WSGI module calls this); returns how many are frozen."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module, as the first request would
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


# A long job's collections (docs/adr/0063): a young-generation collection after 50,000 new objects
# instead of Python's 700, and fewer of the older ones.
LONG_JOB_THRESHOLDS = (50_000, 20, 10)


@dataclass
class _LongJobs:
    running: int = 0
    thresholds: tuple[int, int, int] = (700, 10, 10)
    froze: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_long_jobs = _LongJobs()


@contextmanager
def long_job() -> Iterator[None]:
    """For a job that keeps much alive (an import's parsed file) while it makes garbage fast.

    On entry what is alive is collected and frozen (``gc.freeze``: later collections skip it), and
    collections are made rarer (``LONG_JOB_THRESHOLDS``); on leaving both are undone, so that what
    the job kept alive is collected once it is garbage. Jobs in several threads share this: the
    first to enter does it, the last to leave undoes it. A process that froze its start-up objects
    (:func:`freeze_start_up_objects`) gets the thresholds only: thawing would thaw those too.
    """
    jobs = _long_jobs
    with jobs.lock:
        if jobs.running == 0:
            jobs.thresholds = gc.get_threshold()
            jobs.froze = gc.get_freeze_count() == 0
            if jobs.froze:
                gc.collect()
                gc.freeze()
            gc.set_threshold(*LONG_JOB_THRESHOLDS)
        jobs.running += 1
    try:
        yield
    finally:
        with jobs.lock:
            jobs.running -= 1
            if jobs.running == 0:
                gc.set_threshold(*jobs.thresholds)
                if jobs.froze:
                    gc.unfreeze()
