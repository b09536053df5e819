"""The WSGI module freezes start-up objects after loading the URLconf (bastion/kernel/memory.py, ADR 0055);
a long job freezes what it holds while it runs and thaws it after (ADR 0063)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from bastion.kernel import memory

PROBE = """
import gc, json, sys
import bastion.wsgi
from django.test import Client
frozen, views_loaded = gc.get_freeze_count(), "bastion.directory.api" in sys.modules  # before any request
answer = Client().get("/healthz")
print(json.dumps({"frozen": frozen, "views_loaded": views_loaded, "status": answer.status_code}))
"""


def test_the_wsgi_application_loads_its_views_and_freezes_what_start_up_made(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_") and k != "DATABASE_URL"}
    env.update({"BASTION_ENV": "development", "BASTION_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "bastion.settings"})
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120, check=True)  # noqa: S603
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["views_loaded"], "the URLconf was not loaded before freezing: the first request would load it"
    assert found["frozen"] > 50_000, found  # modules, classes and functions of Django, DRF and Bastion
    assert found["status"] == 200, found  # and the application still answers


# --- a long job (an import) keeps what it holds out of the collector's work (ADR 0063) -----------


def test_a_long_job_freezes_what_is_alive_and_thaws_it_after() -> None:
    assert gc.get_freeze_count() == 0  # the test process freezes nothing of its own
    before = gc.get_threshold()
    kept = [[n] for n in range(1000)]  # alive when the job starts: frozen
    with memory.long_job():
        assert gc.get_freeze_count() >= len(kept) and gc.get_threshold() == memory.LONG_JOB_THRESHOLDS
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before


def test_long_jobs_in_two_threads_share_one_freeze_and_the_last_to_leave_undoes_it() -> None:
    before = gc.get_threshold()
    entered, leave, seen = threading.Event(), threading.Event(), []

    def other_job() -> None:
        with memory.long_job():
            entered.set()
            leave.wait(10)
            seen.append((gc.get_freeze_count() > 0, gc.get_threshold()))

    with memory.long_job():
        frozen = gc.get_freeze_count()
        thread = threading.Thread(target=other_job)
        thread.start()
        assert entered.wait(10) and 0 < gc.get_freeze_count() <= frozen  # no second freeze (frozen objects freed leave it)
    assert 0 < gc.get_freeze_count() <= frozen and gc.get_threshold() == memory.LONG_JOB_THRESHOLDS  # the other runs
    leave.set()
    thread.join(10)
    assert seen == [(True, memory.LONG_JOB_THRESHOLDS)]
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before


def test_a_process_that_froze_its_start_up_objects_keeps_them_frozen() -> None:
    before = gc.get_threshold()
    gc.freeze()
    try:
        start_up = gc.get_freeze_count()
        with memory.long_job():
            assert 0 < gc.get_freeze_count() <= start_up and gc.get_threshold() == memory.LONG_JOB_THRESHOLDS
        assert 0 < gc.get_freeze_count() <= start_up and gc.get_threshold() == before  # not thawed
    finally:
        gc.unfreeze()
