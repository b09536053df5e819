"""Start-up objects kept out of the cyclic garbage collector's work, in each server process.

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


def freeze_start_up_objects() -> int:
    """Load the URLconf, collect, then freeze every object alive (the WSGI module calls this); returns how many are frozen."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module, as the first request would
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
